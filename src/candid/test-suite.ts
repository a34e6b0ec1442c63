/**
 * The format of the official Candid test suite (`*.test.did`, see its README): type definitions,
 * then assertions that an input decodes (`:`), does not (`!:`), or decodes equal (`==`) or
 * unequal (`!=`) to another, at a tuple of types. Inputs are binary (`blob "..."`) or textual.
 */
import type { CandidType, TypeDefinition } from './ast';
import { CandidSyntaxError } from './lexer';
import { TokenStream } from './parser';

export type SuiteInput = { kind: 'blob'; bytes: Uint8Array } | { kind: 'text'; source: string };

export type SuiteAssertion = {
    kind: 'decodes' | 'rejects' | 'equal' | 'unequal';
    input: SuiteInput;
    /** The other side of `==` / `!=`. */
    other?: SuiteInput;
    types: CandidType[];
    description: string;
    /** Where the assertion starts in the source (for messages). */
    at: number;
};

export type SuiteFile = { definitions: TypeDefinition[]; assertions: SuiteAssertion[] };

function input(s: TokenStream): SuiteInput {
    if (s.isWord('blob')) {
        s.next();
        const token = s.next();
        if (token.kind !== 'text') throw new CandidSyntaxError('expected the blob text', token.at);
        return { kind: 'blob', bytes: token.bytes };
    }
    return { kind: 'text', source: s.text() };
}

export function parseSuite(source: string): SuiteFile {
    const s = TokenStream.of(source);
    const definitions: TypeDefinition[] = [];
    const assertions: SuiteAssertion[] = [];
    while (!s.done()) {
        if (s.isWord('type')) definitions.push(s.definition());
        else {
            const at = s.peek()?.at ?? 0;
            s.word('assert');
            const first = input(s);
            let kind: SuiteAssertion['kind'] = 'decodes';
            let other: SuiteInput | undefined;
            if (s.isSymbol('==') || s.isSymbol('!=')) {
                kind = s.isSymbol('==') ? 'equal' : 'unequal';
                s.next();
                other = input(s);
                s.symbol(':');
            } else if (s.isSymbol('!:')) {
                kind = 'rejects';
                s.next();
            } else s.symbol(':');
            const types = s.tupleType();
            const description = s.peek()?.kind === 'text' ? s.text() : '';
            assertions.push(other === undefined ? { kind, input: first, types, description, at } : { kind, input: first, other, types, description, at });
        }
        s.symbol(';');
    }
    return { definitions, assertions };
}
