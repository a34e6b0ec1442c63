/** Loading module bytes: raw and gzip accepted, garbage rejected, module hash, in-process cache. */
import { createHash } from 'node:crypto';
import { IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';
import { gzipSync } from 'node:zlib';
import { InvalidWasmModuleError, clearPreparedModuleCache, prepareModule, prepareModuleStats } from '../../../src/replica/wasm/index.js';
import { wat } from './helpers.js';

const source = `(module (memory 1) (func (export "canister_update hello")) (func (export "canister_init")))`;

function sha256(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha256').update(bytes).digest());
}

describe('prepareModule', () => {
    it('accepts a raw module and hashes the bytes as given', async () => {
        const bytes = await wat(source);
        const prepared = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(prepared.moduleHash).toEqual(sha256(bytes));
        expect(prepared.givenSize).toBe(bytes.length);
        expect(prepared.wasm).toEqual(bytes);
        expect(prepared.info.wasmSize).toBe(bytes.length);
        expect(prepared.compiled).toBeInstanceOf(WebAssembly.Module);
        expect([...prepared.info.updateMethods]).toEqual(['hello']);
        expect(prepared.info.hasInit).toBe(true);
    });

    it('accepts a gzipped module and hashes the compressed bytes', async () => {
        const raw = await wat(source);
        const gzipped = new Uint8Array(gzipSync(raw));
        const prepared = prepareModule(gzipped, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(prepared.moduleHash).toEqual(sha256(gzipped));
        expect(prepared.givenSize).toBe(gzipped.length);
        expect(prepared.wasm).toEqual(raw);
        expect(prepared.info.wasmSize).toBe(raw.length);
        expect([...prepared.info.updateMethods]).toEqual(['hello']);
    });

    it.each([
        ['empty input', new Uint8Array()],
        ['text', new TextEncoder().encode('hello, world')],
        ['an ELF binary', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0)],
        ['Wasm version 2', Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00)],
        ['a truncated magic', Uint8Array.of(0x00, 0x61, 0x73)]
    ])('rejects %s', (_, bytes) => {
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(InvalidWasmModuleError);
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(/neither a Wasm binary .* nor gzip-compressed/);
    });

    it('rejects gzip data that is not a module', () => {
        const bytes = new Uint8Array(gzipSync(Buffer.from('not wasm')));
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(/gzip-compressed, but what it decompresses to is not a Wasm binary/);
    });

    it('rejects corrupted gzip data', async () => {
        const gzipped = new Uint8Array(gzipSync(await wat(source)));
        const broken = gzipped.slice(0, gzipped.length - 12);
        broken[20] = broken[20]! ^ 0xff;
        expect(() => prepareModule(broken, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(/looks gzip-compressed but could not be decompressed/);
    });

    it('compiles a module once per process', async () => {
        const bytes = await wat(`(module (func (export "canister_query once")))`);
        clearPreparedModuleCache();
        const before = prepareModuleStats();
        const first = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        const second = prepareModule(Uint8Array.from(bytes), { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(second).toBe(first);
        const after = prepareModuleStats();
        expect(after.instrumented - before.instrumented).toBe(1);
        expect(after.memoryHits - before.memoryHits).toBe(1);
    });
});
