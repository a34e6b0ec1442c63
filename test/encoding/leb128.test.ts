/** LEB128 encoding and decoding (src/encoding/leb128.ts), and how the Wasm loader reports a malformed number. */
import { Leb128Error, encodeLeb128, readS32, readS64, readU32, skipLeb, writePaddedU32, writeS32, writeS64, writeU32 } from '../../src/encoding/leb128.js';
import { InvalidWasmModuleError, prepareModule } from '../../src/replica/wasm/index.js';
import { IC0_SIGNATURES } from '../../src/replica/engine/ic0/index.js';

function encode(write: (buf: Uint8Array, pos: number, value: number) => number, value: number): Uint8Array {
    const buf = new Uint8Array(16);
    return buf.slice(0, write(buf, 0, value));
}

describe('leb128', () => {
    it.each([0, 1, 63, 64, 127, 128, 255, 300, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1])('round-trips u32 %d', (value) => {
        const bytes = encode(writeU32, value);
        const cursor = { pos: 0 };
        expect(readU32(bytes, cursor, bytes.length)).toBe(value);
        expect(cursor.pos).toBe(bytes.length);
        expect(skipLeb(bytes, 0, bytes.length)).toBe(bytes.length);
        const padded = encode(writePaddedU32, value);
        expect(padded.length).toBe(5);
        expect(readU32(padded, { pos: 0 }, 5)).toBe(value);
    });

    it.each([0, 1, -1, 63, 64, -64, -65, 1_048_576, -1_048_576, 2 ** 31 - 1, -(2 ** 31)])('round-trips s32 %d', (value) => {
        const bytes = encode(writeS32, value);
        const cursor = { pos: 0 };
        expect(readS32(bytes, cursor, bytes.length)).toBe(value);
        expect(cursor.pos).toBe(bytes.length);
    });

    it.each([0, 100, -100, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])('round-trips s64 %d', (value) => {
        const bytes = encode(writeS64, value);
        expect(readS64(bytes, { pos: 0 }, bytes.length)).toBe(BigInt(value));
    });

    it('uses the shortest encodings', () => {
        expect(Array.from(encode(writeU32, 624_485))).toEqual([0xe5, 0x8e, 0x26]);
        expect(Array.from(encode(writeS32, -123_456))).toEqual([0xc0, 0xbb, 0x78]);
        expect(Array.from(encode(writeS64, 100))).toEqual([0xe4, 0x00]);
    });

    it('rejects numbers that are too long or truncated', () => {
        expect(() => readU32(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f), { pos: 0 }, 5)).toThrow(Leb128Error);
        expect(() => readU32(Uint8Array.of(0x80, 0x80), { pos: 0 }, 2)).toThrow(/unexpected end/);
        expect(() => readS32(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x4f), { pos: 0 }, 5)).toThrow(/does not fit in 32 bits/);
        expect(() => skipLeb(Uint8Array.of(0x80, 0x80), 0, 2)).toThrow(/unexpected end/);
    });

    it.each([
        [0n, [0x00]],
        [127n, [0x7f]],
        [128n, [0x80, 0x01]],
        [624_485n, [0xe5, 0x8e, 0x26]],
        [2n ** 64n, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]]
    ])('encodes the natural number %d as unsigned LEB128 of any size', (value, expected) => {
        expect(Array.from(encodeLeb128(value))).toEqual(expected);
    });

    it('encodes a number like the same bigint', () => {
        expect(encodeLeb128(624_485)).toEqual(encodeLeb128(624_485n));
        expect(encodeLeb128(Number.MAX_SAFE_INTEGER)).toEqual(encodeLeb128(BigInt(Number.MAX_SAFE_INTEGER)));
    });

    it('refuses to encode a negative number', () => {
        expect(() => encodeLeb128(-1n)).toThrow(Leb128Error);
        expect(() => encodeLeb128(-1)).toThrow(/negative number -1/);
    });

    it('a malformed LEB128 number in a module is an invalid module, not a loader crash', () => {
        // Magic, version, then a type section whose size runs past 32 bits.
        const bytes = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(InvalidWasmModuleError);
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(/^Wasm module is malformed: LEB128 number at byte 9 does not fit in 32 bits\.$/);
    });
});
