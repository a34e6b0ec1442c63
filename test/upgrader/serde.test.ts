/**
 * The upgrader's in-canister encodings, checked in Node: the fast text codec against Node's
 * TextEncoder / TextDecoder, the fixed-width counters, and the one hex encoder. (Records: candid-codec.test.ts.)
 */
import { toHex, u32Value, u64Value } from '../../canisters/upgrader/serde';
import { FastTextDecoder, FastTextEncoder } from '../../canisters/upgrader/text-codec';

describe('FastTextEncoder / FastTextDecoder', () => {
    const samples = ['', 'record', 'ASCII only, with "quotes" and \\ backslashes', 'café', 'Ωμέγα', '日本語のテキスト', 'emoji 😀 and 🎉', 'x'.repeat(100), 'é'.repeat(70), '\u0000\u007f\u0080\u07ff\u0800\uffff'];

    it.each(samples)('encodes and decodes %j like the standard codec', (text) => {
        const fast = new FastTextEncoder().encode(text);
        expect(Buffer.from(fast).equals(Buffer.from(new TextEncoder().encode(text)))).toBe(true);
        expect(new FastTextDecoder().decode(fast)).toBe(text);
        // Twice: the second encoding comes from the memo and must be an independent copy.
        const again = new FastTextEncoder().encode(text);
        if (again.length > 0) again[0] = (again[0] ?? 0) ^ 0xff;
        expect(Buffer.from(new FastTextEncoder().encode(text)).equals(Buffer.from(fast))).toBe(true);
    });

    it('encodes a lone surrogate as U+FFFD, like the standard encoder', () => {
        expect(Buffer.from(new FastTextEncoder().encode('a\ud800b')).equals(Buffer.from(new TextEncoder().encode('a\ud800b')))).toBe(true);
    });

    it('refuses invalid UTF-8', () => {
        expect(() => new FastTextDecoder().decode(new Uint8Array([0x61, 0xc3]))).toThrow();
        expect(() => new FastTextDecoder().decode(new Uint8Array([0xff]))).toThrow();
    });
});

describe('counters', () => {
    it('stores counters as fixed-width big-endian bytes', () => {
        expect(Array.from(u64Value.toBytes(258n))).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
        expect(u64Value.fromBytes(u64Value.toBytes(2n ** 64n - 1n))).toBe(2n ** 64n - 1n);
        expect(u32Value.fromBytes(u32Value.toBytes(4_000_000_000))).toBe(4_000_000_000);
    });
});

describe('toHex', () => {
    it('encodes every byte as two lower-case digits, like Node', () => {
        const all = new Uint8Array(256).map((_, i) => i);
        expect(toHex(all)).toBe(Buffer.from(all).toString('hex'));
        expect(toHex(new Uint8Array())).toBe('');
    });

    it('cuts a value longer than maxBytes and says how long it was', () => {
        const long = new Uint8Array(40).fill(0xab);
        expect(toHex(long, 32)).toBe(`${'ab'.repeat(32)}... (40 bytes)`);
        expect(toHex(long.subarray(0, 32), 32)).toBe('ab'.repeat(32));
    });
});
