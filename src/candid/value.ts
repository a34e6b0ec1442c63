/**
 * Candid's textual values (spec "Textual Values", the syntax `didc encode` and `dfx canister
 * call` read): `(42, opt "x", record { a = 1; 2 }, variant { ok }, blob "\00", principal "aaaaa-aa")`.
 * Parsed untyped here; `value-encode.ts` gives them a type and encodes them.
 */
import type { CandidType, FieldLabel } from './ast';
import { CandidSyntaxError } from './lexer';
import { KEYWORDS, TokenStream } from './parser';

export type FieldValue = { label?: FieldLabel; value: CandidValue };

export type CandidValue =
    /** An integer literal, its sign applied. */
    | { kind: 'int'; value: bigint; at: number }
    | { kind: 'float'; value: number; at: number }
    | { kind: 'bool'; value: boolean; at: number }
    | { kind: 'null'; at: number }
    /** A text literal's bytes (a `text` value must be UTF-8; `blob` takes any). */
    | { kind: 'text'; bytes: Uint8Array; at: number }
    | { kind: 'blob'; bytes: Uint8Array; at: number }
    | { kind: 'opt'; inner: CandidValue; at: number }
    | { kind: 'vec'; items: CandidValue[]; at: number }
    /** Fields as written; an unlabelled one is positional. */
    | { kind: 'record'; fields: FieldValue[]; at: number }
    | { kind: 'variant'; field: FieldValue & { label: FieldLabel }; at: number }
    | { kind: 'principal'; text: string; at: number }
    | { kind: 'service'; text: string; at: number }
    | { kind: 'func'; service: string; method: string; at: number }
    /** `(v : T)` */
    | { kind: 'annotated'; value: CandidValue; type: CandidType; at: number };

function textToken(s: TokenStream): Uint8Array {
    const token = s.next();
    if (token.kind !== 'text') throw new CandidSyntaxError('expected a text literal', token.at);
    return token.bytes;
}

function number(s: TokenStream, at: number): CandidValue {
    const negative = s.isSymbol('-');
    if (negative || s.isSymbol('+')) s.next();
    const token = s.next();
    if (token.kind === 'number') return { kind: 'int', value: negative ? -token.value : token.value, at };
    if (token.kind === 'float') return { kind: 'float', value: negative ? -token.value : token.value, at };
    throw new CandidSyntaxError('expected a number after the sign', token.at);
}

/** A field's label when one is written (`name =`, `"name" =`, `42 =`), else undefined. */
function fieldLabel(s: TokenStream): FieldLabel | undefined {
    const token = s.peek();
    if (!s.isSymbol('=', 1) || token === undefined) return undefined;
    if (token.kind === 'number') {
        s.next();
        if (token.value > 0xffffffffn) throw new CandidSyntaxError('field id above 2^32 - 1', token.at);
        return { kind: 'id', id: Number(token.value) };
    }
    if (token.kind === 'text' || (token.kind === 'id' && !KEYWORDS.includes(token.value))) return { kind: 'name', name: s.name() };
    return undefined;
}

function fields(s: TokenStream, kind: 'record' | 'variant'): FieldValue[] {
    s.symbol('{');
    const out: FieldValue[] = [];
    while (!s.isSymbol('}')) {
        const label = fieldLabel(s);
        if (label !== undefined) {
            s.symbol('=');
            out.push({ label, value: annotatedValue(s) });
        } else if (kind === 'variant') {
            // `variant { ok }` is `variant { ok = null }`.
            const at = s.peek()?.at ?? 0;
            const token = s.peek();
            const bare: FieldLabel = token?.kind === 'number' ? (s.next(), { kind: 'id', id: Number(token.value) }) : { kind: 'name', name: s.name() };
            out.push({ label: bare, value: { kind: 'null', at } });
        } else out.push({ value: annotatedValue(s) });
        if (!s.isSymbol('}')) s.symbol(';');
    }
    s.symbol('}');
    return out;
}

/** `<val>` */
function value(s: TokenStream): CandidValue {
    const token = s.peek();
    if (token === undefined) return s.fail('expected a value');
    const at = token.at;
    if (token.kind === 'number' || token.kind === 'float' || s.isSymbol('-') || s.isSymbol('+')) return number(s, at);
    if (token.kind === 'text') return { kind: 'text', bytes: textToken(s), at };
    if (s.isSymbol('(')) {
        s.next();
        const inner = annotatedValue(s);
        s.symbol(')');
        return inner;
    }
    if (token.kind !== 'id') return s.fail('expected a value');
    s.next();
    switch (token.value) {
        case 'true':
        case 'false':
            return { kind: 'bool', value: token.value === 'true', at };
        case 'null':
            return { kind: 'null', at };
        case 'opt':
            return { kind: 'opt', inner: value(s), at };
        case 'vec':
            return { kind: 'vec', items: fields(s, 'record').map((f) => f.value), at };
        case 'blob':
            return { kind: 'blob', bytes: textToken(s), at };
        case 'record':
            return { kind: 'record', fields: fields(s, 'record'), at };
        case 'variant': {
            const [field, ...more] = fields(s, 'variant');
            if (field?.label === undefined || more.length > 0) throw new CandidSyntaxError('a variant value has exactly one labelled field', at);
            return { kind: 'variant', field: { label: field.label, value: field.value }, at };
        }
        case 'principal':
        case 'service':
            return { kind: token.value, text: s.text(), at };
        case 'func': {
            const service = s.text();
            s.symbol('.');
            return { kind: 'func', service, method: s.name(), at };
        }
        default:
            throw new CandidSyntaxError(`unexpected ${token.value} where a value belongs`, at);
    }
}

/** `<annval>`: a value, optionally `: <datatype>`. */
function annotatedValue(s: TokenStream): CandidValue {
    const at = s.peek()?.at ?? 0;
    const v = value(s);
    if (!s.isSymbol(':')) return v;
    s.next();
    return { kind: 'annotated', value: v, type: s.type(), at };
}

/** An argument list `(v1, v2, …)` as written by `didc` or `dfx canister call`. */
export function parseArguments(source: string): CandidValue[] {
    const s = TokenStream.of(source);
    s.symbol('(');
    const values: CandidValue[] = [];
    while (!s.isSymbol(')')) {
        values.push(annotatedValue(s));
        if (!s.isSymbol(')')) s.symbol(',');
    }
    s.symbol(')');
    if (!s.done()) s.fail('unexpected text after the closing parenthesis');
    return values;
}
