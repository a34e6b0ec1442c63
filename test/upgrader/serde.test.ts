/**
 * The upgrader's in-canister encodings, checked in Node: the fast text codec against Node's
 * TextEncoder / TextDecoder, and the compact-JSON record serializer round trip.
 */
import { Principal } from '@dfinity/principal';

import { record, u32Value, u64Value } from '../../canisters/upgrader/serde';
import { FastTextDecoder, FastTextEncoder } from '../../canisters/upgrader/text-codec';
import type { Execution } from '../../canisters/upgrader/types';

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

describe('record serializer', () => {
    it('round-trips bigints, blobs, principals, options, variants and non-ASCII text', () => {
        const app = Principal.fromText('lqy7q-dh777-77777-aaaaq-cai');
        const execution: Execution = {
            proposal_id: 18_446_744_073_709_551_615n,
            app,
            kind: { upgrade: { module_hash: Uint8Array.from({ length: 32 }, (_, i) => i * 8), arg: new Uint8Array([0, 255, 7]), options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [{ keep: null }] } } },
            step: { upload_chunk: 3 },
            was_running: true,
            snapshot_id: [new Uint8Array([1, 2, 3])],
            chunk_hashes: [new Uint8Array(32).fill(9), new Uint8Array(0)],
            failure: [{ install_failed: 'naïve “quotes” 😀 \\ "json"' }],
            attempt: 2,
            lease_until: 0n,
            started_at: 1_700_000_000_000_000_000n,
            updated_at: 1n
        };
        const codec = record<Execution>();
        const bytes = codec.toBytes(execution);
        expect(bytes.every((b) => b < 0x80)).toBe(true);
        const back = codec.fromBytes(bytes) as Execution;
        expect(back).toEqual(execution);
        expect(back.app).toBeInstanceOf(Principal);
        expect(back.app.toText()).toBe(app.toText());
        expect(back.chunk_hashes[0]).toBeInstanceOf(Uint8Array);
    });

    it('stores counters as fixed-width big-endian bytes', () => {
        expect(Array.from(u64Value.toBytes(258n))).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
        expect(u64Value.fromBytes(u64Value.toBytes(2n ** 64n - 1n))).toBe(2n ** 64n - 1n);
        expect(u32Value.fromBytes(u32Value.toBytes(4_000_000_000))).toBe(4_000_000_000);
    });
});
