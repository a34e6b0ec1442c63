/**
 * Property-based differential fuzzing of the upgrader's Candid codec against @dfinity/candid
 * (test/candid/fuzz-support.ts): random types and values encoded and decoded by both, values
 * decoded at related types, and mutated bytes (truncations, bit flips, inserted and appended
 * bytes, 10^9 lengths). Any divergence not explained by a listed departure of the library from
 * the spec fails; each departure is pinned below by a deterministic case, with the spec's rule.
 * CANDID_FUZZ_RUNS sets the cases per property (bench/candid-fuzz.ts runs 10^5).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import fc from 'fast-check';

import { decodeMessage, encodeMessage } from '../../canisters/upgrader/candid-codec';
import { fromHex } from '../../src/encoding/hex';
import { fuzzProperties } from '../candid/fuzz-support';

const RUNS = Number(process.env.CANDID_FUZZ_RUNS ?? 1500);

describe('codec and @dfinity/candid agree on random input', () => {
    const tally = new Map<string, number>();
    it.each(fuzzProperties(tally))('%s', (_name, property) => {
        fc.assert(property, { numRuns: RUNS });
    });
});

/** Bytes written as spaced hex pairs. */
function hex(text: string): Uint8Array {
    return fromHex(text.replaceAll(' ', ''));
}

const DIDL = '4449444c';

describe('where the library departs from the spec, the codec follows the spec', () => {
    it('nat <: int (spec "Primitive Types")', () => {
        const bytes = IDL.encode([IDL.Nat], [300n]);
        expect(decodeMessage([IDL.Int], bytes)).toEqual([300n]);
        expect(() => IDL.decode([IDL.Int], bytes)).toThrow(/nat/);
    });

    it('service <: principal (spec "Primitive Types")', () => {
        const id = Principal.fromText('aaaaa-aa');
        const bytes = IDL.encode([IDL.Service({})], [id]);
        expect((decodeMessage([IDL.Principal], bytes)[0] as Principal).toText()).toBe('aaaaa-aa');
        expect(() => IDL.decode([IDL.Principal], bytes)).toThrow();
    });

    it('an absent field of type null or reserved reads as null (spec "Coercion / Records")', () => {
        const bytes = IDL.encode([IDL.Record({})], [{}]);
        expect(decodeMessage([IDL.Record({ a: IDL.Null, b: IDL.Reserved })], bytes)).toEqual([{ a: null, b: null }]);
        expect(() => IDL.decode([IDL.Record({ a: IDL.Null })], bytes)).toThrow(/required field/);
        expect(IDL.decode([IDL.Record({ b: IDL.Reserved })], bytes)).toEqual([{ b: [] }]);
    });

    it('a plain value read as opt T is some value when the wire type is not null, opt or reserved (spec "Coercion / Options")', () => {
        const bytes = IDL.encode([IDL.Bool], [true]);
        expect(decodeMessage([IDL.Opt(IDL.Opt(IDL.Bool))], bytes)).toEqual([[[true]]]);
        expect(decodeMessage([IDL.Opt(IDL.Reserved)], bytes)).toEqual([[null]]);
        expect(IDL.decode([IDL.Opt(IDL.Opt(IDL.Bool))], bytes)).toEqual([[]]);
    });

    it('record fields match by id, tuples included (spec "Coercion / Records")', () => {
        const bytes = IDL.encode([IDL.Record({ _1_: IDL.Text })], [{ _1_: 'x' }]);
        const Pair = IDL.Tuple(IDL.Opt(IDL.Nat), IDL.Text);
        expect(decodeMessage([Pair], bytes)).toEqual([[[], 'x']]);
        expect(() => IDL.decode([Pair], bytes)).toThrow();
    });

    it('vectors coerce pointwise: a vec vec nat8 is not a blob (spec "Coercion / Vectors")', () => {
        const bytes = IDL.encode([IDL.Vec(IDL.Vec(IDL.Nat8))], [[new Uint8Array(0)]]);
        expect(decodeMessage([IDL.Opt(IDL.Vec(IDL.Nat8))], bytes)).toEqual([[]]);
        expect(IDL.decode([IDL.Opt(IDL.Vec(IDL.Nat8))], bytes)).toEqual([[new Uint8Array([0])]]);
    });

    it('vectors of wide numbers read at any offset, as copies (the library makes unaligned views)', () => {
        const value = Uint16Array.from([1, 65535]);
        const bytes = encodeMessage([IDL.Vec(IDL.Nat16)], [value]);
        expect(decodeMessage([IDL.Vec(IDL.Nat16)], bytes)).toEqual([value]);
        const wide = BigUint64Array.from([1n, 2n ** 64n - 1n]);
        expect(decodeMessage([IDL.Vec(IDL.Nat64)], encodeMessage([IDL.Vec(IDL.Nat64)], [wide]))).toEqual([wide]);
    });

    it('a missing opt argument reads as null (spec "Tuple types")', () => {
        const bytes = hex(`${DIDL} 00 00`);
        expect(decodeMessage([IDL.Opt(IDL.Nat)], bytes)).toEqual([[]]);
        expect(() => IDL.decode([IDL.Opt(IDL.Nat)], bytes)).toThrow(/number of return values/);
    });

    it('a blob shorter than its length is malformed (spec "Memory"); the library reads past the end', () => {
        const bytes = hex(`${DIDL} 01 6d 7b 01 00 01`);
        expect(() => decodeMessage([IDL.Vec(IDL.Nat8)], bytes)).toThrow(/longer than the message/);
        expect(IDL.decode([IDL.Vec(IDL.Nat8)], bytes)).toEqual([new Uint8Array(0)]);
    });

    it('a blob whose length does not fit 2^53 is malformed; the library reads what is left as the blob (fuzzing seed 880835176)', () => {
        const bytes = hex(`${DIDL} 01 6d 7b 01 00 ff ff ff ff ff ff ff ff ff ff ff ff bf 7f 01 00`);
        expect(() => decodeMessage([IDL.Vec(IDL.Nat8)], bytes)).toThrow(/LEB128 number too large/);
        expect(IDL.decode([IDL.Vec(IDL.Nat8)], bytes)).toEqual([new Uint8Array([1, 0])]);
    });

    it('a vector is read at its wire element type, and bytes left over are malformed; the library reads the expected type (fuzzing seed 881367303)', () => {
        // opt vec nat8 of 4 elements on the wire, then 4 more bytes, read at opt vec nat16: the
        // content does not coerce, so the option is none and its 4 bytes are skipped; 4 are left.
        const bytes = hex(`${DIDL} 02 6d 7b 6e 00 01 01 01 04 00 00 00 00 00 00 00 00`);
        expect(() => decodeMessage([IDL.Opt(IDL.Vec(IDL.Nat16))], bytes)).toThrow(/left over/);
        expect(IDL.decode([IDL.Opt(IDL.Vec(IDL.Nat16))], bytes)).toEqual([[new Uint16Array(4)]]);
    });

    it('a principal has at most 29 bytes (IC interface spec, "Principals")', () => {
        const bytes = hex(`${DIDL} 00 01 68 01 1e ${'07'.repeat(30)}`);
        expect(() => decodeMessage([IDL.Principal], bytes)).toThrow(/30 bytes/);
        expect(IDL.decode([IDL.Principal], bytes)).toHaveLength(1);
    });
});
