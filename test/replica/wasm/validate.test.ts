/** Every IC module rule's error path (spec §1.1 and §4). */
import { gzipSync } from 'node:zlib';
import { IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';
import { InvalidWasmModuleError, MODULE_LIMITS, prepareModule } from '../../../src/replica/wasm/index.js';
import { concat, moduleBytes, name, uleb, vec, wat, withCustomSection } from './helpers.js';

function expectInvalid(bytes: Uint8Array, message: RegExp): void {
    let error: unknown;
    try {
        prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
    } catch (e) {
        error = e;
    }
    expect(error).toBeInstanceOf(InvalidWasmModuleError);
    expect((error as Error).message).toMatch(message);
}

describe('imports', () => {
    it('accepts ic0 functions with their exact signatures', async () => {
        const bytes = await wat(`(module
          (import "ic0" "time" (func (result i64)))
          (import "ic0" "msg_reply_data_append" (func (param i32 i32)))
          (import "ic0" "cost_call" (func (param i64 i64 i32)))
          (import "ic0" "stable_grow" (func (param i32) (result i32)))
          (func (export "canister_update f")))`);
        const { info } = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect([...info.importedSystemApi].sort()).toEqual(['cost_call', 'msg_reply_data_append', 'stable_grow', 'time']);
    });

    it('rejects a function the runtime does not export', async () => {
        expectInvalid(
            await wat(`(module (import "ic0" "foo" (func)))`),
            /^Wasm module has an invalid import section\. Module imports function 'foo' from 'ic0' that is not exported by the runtime\.$/
        );
    });

    it('rejects a System API function imported from another module', async () => {
        expectInvalid(await wat(`(module (import "env" "time" (func (result i64))))`), /imports function 'time' from 'env', expected to be imported from 'ic0'/);
    });

    it('rejects a wrong signature', async () => {
        expectInvalid(
            await wat(`(module (import "ic0" "time" (func (result i32))))`),
            /imports function 'time' from 'ic0' with type \(\) -> \(i32\), but the runtime provides it as \(\) -> \(i64\)/
        );
        expectInvalid(await wat(`(module (import "ic0" "msg_reply" (func (param i32))))`), /'msg_reply'/);
    });

    it('rejects replica-only functions', async () => {
        expectInvalid(await wat(`(module (import "ic0" "mint_cycles128" (func (param i64 i64 i32))))`), /'mint_cycles128' from 'ic0' that is not exported/);
    });

    it('rejects imports of memories, tables and globals', async () => {
        expectInvalid(await wat(`(module (import "env" "memory" (memory 1)))`), /imports memory 'memory' from 'env'; canister modules may import only functions from 'ic0'/);
        expectInvalid(await wat(`(module (import "env" "table" (table 1 funcref)))`), /imports table/);
        expectInvalid(await wat(`(module (import "env" "g" (global i32)))`), /imports global/);
    });
});

describe('memories', () => {
    it('rejects more than one memory', () => {
        const bytes = moduleBytes([5, vec([[0, 1], [0, 1]])]);
        expectInvalid(bytes, /invalid memory section\. Module declares 2 memories; at most one memory is allowed/);
    });

    it('rejects a 64-bit memory and says the embedded replica is wasm32 only', () => {
        const bytes = moduleBytes([5, vec([[0x04, 1]])]);
        expectInvalid(bytes, /64-bit memory \(wasm64\)\. The embedded replica supports wasm32 modules only/);
    });

    it('rejects a shared memory', () => {
        expectInvalid(moduleBytes([5, vec([[0x03, 1, 1]])]), /shared memory/);
    });
});

describe('exports', () => {
    it('collects methods and system entry points', async () => {
        const bytes = await wat(`(module
          (func $f)
          (export "canister_init" (func $f))
          (export "canister_pre_upgrade" (func $f))
          (export "canister_post_upgrade" (func $f))
          (export "canister_inspect_message" (func $f))
          (export "canister_heartbeat" (func $f))
          (export "canister_global_timer" (func $f))
          (export "canister_on_low_wasm_memory" (func $f))
          (export "canister_update set" (func $f))
          (export "canister_update <ic-cdk internal> timer_executor" (func $f))
          (export "canister_query get" (func $f))
          (export "canister_composite_query ask" (func $f))
          (export "canister_query  spaced" (func $f))
          (export "something_else" (func $f)))`);
        const { info } = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(info).toMatchObject({
            hasInit: true,
            hasPreUpgrade: true,
            hasPostUpgrade: true,
            hasInspectMessage: true,
            hasHeartbeat: true,
            hasGlobalTimer: true,
            hasOnLowWasmMemory: true
        });
        expect([...info.updateMethods]).toEqual(['set', '<ic-cdk internal> timer_executor']);
        expect([...info.queryMethods]).toEqual(['get', ' spaced']);
        expect([...info.compositeQueryMethods]).toEqual(['ask']);
    });

    it('reports a module without entry points as such', async () => {
        const { info } = prepareModule(await wat(`(module)`), { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(info).toMatchObject({ hasInit: false, hasPreUpgrade: false, hasPostUpgrade: false, hasHeartbeat: false });
        expect(info.updateMethods.size + info.queryMethods.size + info.compositeQueryMethods.size).toBe(0);
    });

    it('rejects canister_* exports that are not () -> ()', async () => {
        expectInvalid(
            await wat(`(module (func (export "canister_update f") (param i32)))`),
            /invalid export section\. Exported function 'canister_update f' must have type \(\) -> \(\), but has type \(i32\) -> \(\)/
        );
        expectInvalid(await wat(`(module (func (export "canister_init") (result i32) i32.const 0))`), /'canister_init' must have type \(\) -> \(\)/);
    });

    it('rejects unknown names with the canister_ prefix', async () => {
        expectInvalid(await wat(`(module (func (export "canister_foo")))`), /Exporting reserved function 'canister_foo' with "canister_" prefix/);
        expectInvalid(await wat(`(module (func (export "canister_update")))`), /reserved function 'canister_update'/);
        expectInvalid(await wat(`(module (func (export "canister_queryfoo")))`), /reserved function 'canister_queryfoo'/);
        expectInvalid(await wat(`(module (memory (export "canister_memory") 1))`), /'canister_memory' uses the reserved "canister_" prefix but is not a function/);
    });

    it('rejects a name exported under two call types', async () => {
        expectInvalid(
            await wat(`(module (func $f) (export "canister_update x" (func $f)) (export "canister_query x" (func $f)))`),
            /Duplicate function 'x' exported multiple times with different call types/
        );
        expectInvalid(
            await wat(`(module (func $f) (export "canister_query y" (func $f)) (export "canister_composite_query y" (func $f)))`),
            /Duplicate function 'y'/
        );
    });

    it('rejects the exports the replica reserves for itself', async () => {
        expectInvalid(await wat(`(module (func (export "__replica_start")))`), /Exporting reserved symbol '__replica_start'/);
        expectInvalid(await wat(`(module (func (export "canister counter_instructions")))`), /reserved symbol/);
    });

    it(`rejects more than ${MODULE_LIMITS.maxExportedMethods} methods`, async () => {
        const exports = Array.from({ length: 1001 }, (_, i) => `(export "canister_query m${i}" (func $f))`).join('\n');
        expectInvalid(await wat(`(module (func $f) ${exports})`), /number of exported functions .* is 1001, which exceeds 1000/);
        const ok = Array.from({ length: 1000 }, (_, i) => `(export "canister_query m${i}" (func $f))`).join('\n');
        expect(prepareModule(await wat(`(module (func $f) ${ok})`), { systemApi: IC0_SIGNATURES, cacheDir: null }).info.queryMethods.size).toBe(1000);
    });

    it(`rejects method names longer than ${MODULE_LIMITS.maxExportedMethodNameBytes} bytes in total`, async () => {
        const long = (i: number): string => `${i}`.padEnd(2001, 'x');
        const exports = Array.from({ length: 10 }, (_, i) => `(export "canister_update ${long(i)}" (func $f))`).join('\n');
        expectInvalid(await wat(`(module (func $f) ${exports})`), /sum of `<name>` lengths .* is 20010 bytes, which exceeds 20000/);
    });
});

describe('custom sections', () => {
    const base = (): Promise<Uint8Array> => wat(`(module)`);

    it('collects icp:public and icp:private sections and their total size', async () => {
        let bytes = withCustomSection(await base(), 'icp:public candid:service', 'service : {}');
        bytes = withCustomSection(bytes, 'icp:private secret', Uint8Array.of(1, 2, 3));
        bytes = withCustomSection(bytes, 'name', Uint8Array.of());
        const { info } = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect([...info.publicCustomSections.keys()]).toEqual(['candid:service']);
        expect(Array.from(info.privateCustomSections.get('secret')!)).toEqual([1, 2, 3]);
        expect(info.customSectionsSize).toBe('candid:service'.length + 12 + 'secret'.length + 3);
    });

    it('rejects a name that is both public and private', async () => {
        let bytes = withCustomSection(await base(), 'icp:public x', 'a');
        bytes = withCustomSection(bytes, 'icp:private x', 'b');
        expectInvalid(bytes, /invalid custom section\. Custom section name 'x' is used more than once/);
    });

    it('rejects icp: sections without a public/private scope', async () => {
        expectInvalid(withCustomSection(await base(), 'icp:protected x', ''), /'icp:protected x' has no public\/private scope/);
        expectInvalid(withCustomSection(await base(), 'icp:public', ''), /must have a space after the public\/private scope/);
    });

    it('rejects more than 16 icp: sections', async () => {
        let bytes = await base();
        for (let i = 0; i < 17; i++) bytes = withCustomSection(bytes, `icp:public s${i}`, 'x');
        expectInvalid(bytes, /more than 16 'icp:' custom sections/);
    });

    it('rejects icp: sections larger than 1 MiB in total', async () => {
        let bytes = withCustomSection(await base(), 'icp:public a', new Uint8Array(600 * 1024));
        bytes = withCustomSection(bytes, 'icp:private b', new Uint8Array(600 * 1024));
        expectInvalid(bytes, /total size of the 'icp:' custom sections exceeds the maximum allowed/);
    });
});

describe('size limits', () => {
    it(`rejects more than ${MODULE_LIMITS.maxFunctions} functions`, () => {
        const count = MODULE_LIMITS.maxFunctions + 1;
        const bytes = moduleBytes(
            [1, vec([[0x60, 0, 0]])],
            [3, vec(Array.from({ length: count }, () => [0]))],
            [10, vec(Array.from({ length: count }, () => [2, 0, 0x0b]))]
        );
        expectInvalid(bytes, /defined 50001 functions which exceeds the maximum number allowed 50000/);
    });

    it(`rejects more than ${MODULE_LIMITS.maxGlobals} globals`, async () => {
        const globals = Array.from({ length: 1001 }, () => '(global i32 (i32.const 0))').join('');
        expectInvalid(await wat(`(module ${globals})`), /defined 1001 globals which exceeds the maximum number allowed 1000/);
    });

    it('rejects globals of reference types', async () => {
        expectInvalid(await wat(`(module (global funcref (ref.null func)))`), /Global 0 has unsupported type funcref/);
    });

    it('rejects a code section over 10 MiB', () => {
        // Three functions of 3.5 MiB of `nop`s each.
        const body = new Uint8Array(3.5 * 1024 * 1024).fill(0x01);
        body[0] = 0; // no locals
        body[body.length - 1] = 0x0b;
        const sized = concat(uleb(body.length), body);
        const bytes = moduleBytes([1, vec([[0x60, 0, 0]])], [3, vec([[0], [0], [0]])], [10, vec([sized, sized, sized])]);
        expectInvalid(bytes, /code section size of \d+ bytes exceeds the maximum allowed size of 10485760 bytes/);
    });

    it('rejects modules over 100 MiB uncompressed, raw or gzipped', () => {
        const big = new Uint8Array(MODULE_LIMITS.maxWasmBytes + 1);
        big.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
        expectInvalid(big, /too large/);
        expectInvalid(new Uint8Array(gzipSync(big)), /decompresses to more than 104857600 bytes/);
    });
});

describe('data segments', () => {
    it('rejects offsets that are not a single i32.const', async () => {
        expectInvalid(
            await wat(`(module (global $g i32 (i32.const 0)) (memory 1) (data (global.get $g) "x"))`),
            /invalid data section\. Data segment 0 has an offset expression other than a single i32\.const/
        );
    });

    it('rejects segments that do not fit in the initial memory', async () => {
        expectInvalid(await wat(`(module (memory 1) (data (i32.const 65535) "ab"))`), /Data segment 0 of 2 bytes at offset 65535 does not fit/);
    });
});

describe('structural validity', () => {
    it('rethrows V8 validation errors as InvalidWasmModuleError', () => {
        // (func (result i32)) with an empty body: a type error only a validator notices.
        const bytes = moduleBytes([1, vec([[0x60, 0, 1, 0x7f]])], [3, vec([[0]])], [10, vec([[2, 0, 0x0b]])]);
        expectInvalid(bytes, /^Wasm module is not valid Wasm: /);
    });

    it('rejects exception handling', async () => {
        const bytes = moduleBytes([1, vec([[0x60, 0, 0]])], [13, vec([[0, 0]])]);
        expectInvalid(bytes, /exception handling/);
    });

    it('rejects malformed section structure', () => {
        expectInvalid(moduleBytes([1, [5, 0x60]]), /malformed/);
        expectInvalid(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10), /malformed: section 1 runs past the end/);
        expectInvalid(moduleBytes([7, vec([[...name('a'), 0, 0]])], [1, vec([])]), /out of order/);
    });
});
