/** A real Azle module (~3.5 MB, QuickJS inside): the hello_world fixture jest's global setup builds. */
import { readFileSync } from 'node:fs';
import { IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';
import { gzipSync } from 'node:zlib';
import { HEAP_BIAS_BYTES, prepareModule, type PreparedModule } from '../../../src/replica/wasm/index.js';
import { TestInstance, stubIc0, type WasmFunction } from './helpers.js';
import { wasmPath } from '../../../scripts/paths.js';

const PROBE = wasmPath('hello_world');

/** Just enough of ic0 for Azle's canister_init with an empty Candid argument. */
function azleImports(memory: () => WebAssembly.Memory): WebAssembly.Imports {
    const heap = (): Uint8Array => new Uint8Array(memory().buffer, HEAP_BIAS_BYTES);
    const arg = Uint8Array.of(0x44, 0x49, 0x44, 0x4c, 0x00, 0x00); // DIDL, no types, no values
    const stable = new Uint8Array(256 * 1024 * 1024);
    let stablePages = 0n;
    const stubs: Record<string, WasmFunction> = {
        msg_arg_data_size: () => arg.length,
        msg_arg_data_copy: (dst, offset, size) => heap().set(arg.subarray(Number(offset), Number(offset) + Number(size)), Number(dst)),
        msg_caller_size: () => 1,
        msg_caller_copy: (dst) => heap().set([4], Number(dst)),
        canister_self_size: () => 10,
        canister_self_copy: (dst, _offset, size) => heap().fill(1, Number(dst), Number(dst) + Number(size)),
        debug_print: () => undefined,
        trap: (src, size) => {
            throw new Error(new TextDecoder().decode(heap().subarray(Number(src), Number(src) + Number(size))));
        },
        time: () => 1_700_000_000_000_000_000n,
        canister_version: () => 0n,
        in_replicated_execution: () => 1,
        performance_counter: () => 0n,
        global_timer_set: () => 0n,
        certified_data_set: () => undefined,
        canister_cycle_balance128: () => undefined,
        stable64_size: () => stablePages,
        stable64_grow: (n) => {
            const old = stablePages;
            stablePages += n as bigint;
            return old;
        },
        stable64_write: (offset, src, size) => stable.set(heap().subarray(Number(src), Number(src) + Number(size)), Number(offset)),
        stable64_read: (dst, offset, size) => heap().set(stable.subarray(Number(offset), Number(offset) + Number(size)), Number(dst))
    };
    return stubIc0(stubs);
}

describe('an Azle module (hello_world)', () => {
    let prepared: PreparedModule;

    beforeAll(() => {
        prepared = prepareModule(new Uint8Array(gzipSync(readFileSync(PROBE))), { systemApi: IC0_SIGNATURES, cacheDir: null });
    });

    it('validates and instruments, keeping its entry points', () => {
        const exports = WebAssembly.Module.exports(prepared.compiled).map((e) => e.name);
        expect(exports).toEqual(expect.arrayContaining(['canister_init', 'canister_post_upgrade', 'canister_update setMessage', 'canister_query getMessage', 'memory']));
        expect(exports).toEqual(expect.arrayContaining(['__replica_memory', '__replica_table', '__replica_instructions', '__replica_out_of_instructions']));
        expect(prepared.info).toMatchObject({ hasInit: true, hasPostUpgrade: true, hasGlobalTimer: true, hasMemory: true, hasTable: true });
        expect(prepared.info.updateMethods.has('setMessage')).toBe(true);
        expect(prepared.info.queryMethods.has('getMessage')).toBe(true);
        expect(prepared.info.importedSystemApi.has('call_new')).toBe(true);
    });

    it('runs canister_init for about the billion instructions the IC measures for Azle', () => {
        let memory: WebAssembly.Memory | undefined;
        const t = new TestInstance(prepared, azleImports(() => memory!));
        memory = t.export('__replica_memory') as WebAssembly.Memory;
        const { used } = t.run('canister_init');
        expect(t.outOfInstructions()).toBe(false);
        expect(used).toBeGreaterThan(500_000_000n);
        expect(used).toBeLessThan(2_000_000_000n);
        expect(t.dirtyPages().length).toBeGreaterThan(100);
    });

    it('stops canister_init when the budget runs out', () => {
        let memory: WebAssembly.Memory | undefined;
        const t = new TestInstance(prepared, azleImports(() => memory!));
        memory = t.export('__replica_memory') as WebAssembly.Memory;
        t.setBudget(10_000_000n);
        expect(() => t.fn('canister_init')()).toThrow(/unreachable/);
        expect(t.outOfInstructions()).toBe(true);
    });
});
