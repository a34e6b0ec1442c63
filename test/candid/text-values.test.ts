/**
 * Candid's textual values (src/candid/value.ts, value-encode.ts) against the official test
 * suite's textual assertions: a text that must decode at its types encodes, one that must not is
 * refused, and `blob "…" == "(…)"` holds when the text, encoded and decoded, equals the blob
 * decoded. Both sides are decoded by the upgrader's codec, which satisfies the whole binary suite
 * (test/upgrader/candid-suite.test.ts), where @dfinity/candid fails some assertions.
 */
import { IDL } from '@dfinity/candid';

import { decodeMessage } from '../../canisters/upgrader/candid-codec';
import { CandidSyntaxError } from '../../src/candid/lexer';
import type { SuiteInput } from '../../src/candid/test-suite';
import { CandidValueError, encodeTextArguments } from '../../src/candid/value-encode';
import { loadSuite, plain, SUITE_FILES, type SuiteCase } from './suite-support';

type Outcome = { ok: true; values: string } | { ok: false; error: string };

function outcomeOf(c: SuiteCase, input: SuiteInput): Outcome {
    try {
        const bytes = input.kind === 'blob' ? input.bytes : encodeTextArguments(input.source, c.assertion.types, c.definitions);
        return { ok: true, values: JSON.stringify(plain(decodeMessage(c.types, bytes))) };
    } catch (error) {
        return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
}

const textual = SUITE_FILES.flatMap((file) => loadSuite(file)).filter((c) => c.assertion.input.kind === 'text' || c.assertion.other?.kind === 'text');

describe('textual values of the official Candid test suite', () => {
    it('has textual assertions to run', () => {
        expect(textual.length).toBeGreaterThan(200);
    });

    it.each(textual.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        const first = outcomeOf(c, c.assertion.input);
        const other = c.assertion.other === undefined ? undefined : outcomeOf(c, c.assertion.other);
        switch (c.assertion.kind) {
            case 'decodes':
                expect(first).toMatchObject({ ok: true });
                break;
            case 'rejects':
                expect(first).toMatchObject({ ok: false });
                break;
            case 'equal':
                expect(first).toMatchObject({ ok: true });
                expect(other).toEqual(first);
                break;
            case 'unequal':
                expect(first.ok && other?.ok === true ? first.values !== other.values : true).toBe(true);
                break;
        }
    });
});

describe('encodeTextArguments', () => {
    const types = [{ kind: 'opt' as const, inner: { kind: 'ref' as const, name: 'Init' } }];
    const definitions = [
        {
            name: 'Init',
            type: {
                kind: 'record' as const,
                fields: [
                    { label: { kind: 'name' as const, name: 'greeting' }, type: { kind: 'primitive' as const, name: 'text' as const } },
                    { label: { kind: 'name' as const, name: 'limit' }, type: { kind: 'primitive' as const, name: 'nat16' as const } }
                ]
            }
        }
    ];

    it('encodes what didc would for an init argument', () => {
        const bytes = encodeTextArguments('(opt record { greeting = "hi"; limit = 7 })', types, definitions);
        const [decoded] = IDL.decode([IDL.Opt(IDL.Record({ greeting: IDL.Text, limit: IDL.Nat16 }))], bytes);
        expect(decoded).toEqual([{ greeting: 'hi', limit: 7 }]);
    });

    it('says where a value does not fit', () => {
        expect(() => encodeTextArguments('(opt record { greeting = "hi"; limit = 70000 })', types, definitions)).toThrow(new CandidValueError('70000 does not fit in nat16 (0 to 65535)', 39));
        expect(() => encodeTextArguments('(opt record { greeting = "hi" })', types, definitions)).toThrow(/lacks field limit/);
        expect(() => encodeTextArguments('(1, 2)', types, definitions)).toThrow(/2 values were given for 1 argument/);
    });

    it('refuses text that is no Candid value', () => {
        expect(() => encodeTextArguments('(opt record { greeting = })', types, definitions)).toThrow(CandidSyntaxError);
        expect(() => encodeTextArguments('opt 1', types, definitions)).toThrow(CandidSyntaxError);
    });
});
