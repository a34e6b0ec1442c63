/**
 * The instrumented module's contract with the engine: exports, heap bias, dirty pages, start.
 * (Over 400 lines on purpose: one contract, its cases side by side.)
 */
import {
    HEAP_BIAS_BYTES,
    HEAP_BIAS_PAGES,
    InvalidWasmModuleError,
    MAX_WASM32_PAGES,
    instrumentModule,
    parseModule,
    prepareModule
} from '../../../src/replica/wasm/index.js';
import { TestInstance, instantiateWat, wat, withCustomSection } from './helpers.js';
import { IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';

const PAGE = 65_536;

function exportNames(module: WebAssembly.Module): string[] {
    return WebAssembly.Module.exports(module).map((e) => e.name);
}

describe('instrumented exports', () => {
    it('adds the replica exports and keeps the original ones', async () => {
        const bytes = await wat(`(module
          (memory (export "memory") 1)
          (table 2 funcref)
          (global $a (mut i64) (i64.const 5))
          (global $b i32 (i32.const 1))
          (global $c (mut f64) (f64.const 1.5))
          (func $f)
          (elem (i32.const 0) $f)
          (func (export "canister_update go"))
          (func (export "helper") (result i32) i32.const 1))`);
        const prepared = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(exportNames(prepared.compiled).sort()).toEqual(
            [
                'memory',
                'canister_update go',
                'helper',
                '__replica_memory',
                '__replica_table',
                '__replica_call_indirect',
                '__replica_global_0',
                '__replica_global_2',
                '__replica_instructions',
                '__replica_out_of_instructions'
            ].sort()
        );
        expect(prepared.info.mutableGlobals).toEqual([
            { exportName: '__replica_global_0', valueType: 'i64' },
            { exportName: '__replica_global_2', valueType: 'f64' }
        ]);
        expect(prepared.info).toMatchObject({ hasMemory: true, hasTable: true, hasStart: false });

        const t = new TestInstance(prepared);
        expect(t.global('__replica_global_0').value).toBe(5n);
        expect(t.global('__replica_global_2').value).toBe(1.5);
        const table = t.export('__replica_table');
        expect(table).toBeInstanceOf(WebAssembly.Table);
        expect((table as WebAssembly.Table).get(0)).toBeInstanceOf(Function);
        expect(t.export('memory')).toBe(t.export('__replica_memory'));
    });

    it('keeps custom sections', async () => {
        let bytes = await wat(`(module (func (export "canister_query hi")))`);
        bytes = withCustomSection(bytes, 'icp:public candid:service', 'service : {}');
        bytes = withCustomSection(bytes, 'producers', 'whoever');
        const { compiled, info } = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(WebAssembly.Module.customSections(compiled, 'icp:public candid:service')).toHaveLength(1);
        expect(WebAssembly.Module.customSections(compiled, 'producers')).toHaveLength(1);
        expect(new TextDecoder().decode(info.publicCustomSections.get('candid:service'))).toBe('service : {}');
    });

    it('works for modules without memory, table or globals', async () => {
        const prepared = prepareModule(await wat(`(module (func (export "canister_query q")))`), { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(exportNames(prepared.compiled).sort()).toEqual(['__replica_instructions', '__replica_out_of_instructions', 'canister_query q']);
        expect(prepared.info).toMatchObject({ hasMemory: false, hasTable: false, mutableGlobals: [] });
        expect(WebAssembly.validate(new Uint8Array(instrumentModule(parseModule(prepared.wasm)).bytes))).toBe(true);
    });
});

describe('start function', () => {
    const source = `(module (memory 1)
      (global $started (mut i32) (i32.const 0))
      (func $start
        (global.set $started (i32.const 1))
        (i32.store (i32.const 8) (i32.const 7)))
      (start $start)
      (func (export "started") (result i32) global.get $started))`;

    it('does not run at instantiation but can be called through __replica_start', async () => {
        const t = await instantiateWat(source);
        expect(t.prepared.info.hasStart).toBe(true);
        expect(t.fn('started')()).toBe(0);
        expect(t.logicalMemory()[8]).toBe(0);
        const { used } = t.run('__replica_start');
        expect(used).toBe(1n + 1n + 2n + 1n + 1n + 1n); // entry, const, global.set, const, const, store
        expect(t.fn('started')()).toBe(1);
        expect(t.logicalMemory()[8]).toBe(7);
        expect(t.dirtyPages()).toEqual([0]);
    });

    it('removes the start section from the instrumented binary', async () => {
        const instrumented = instrumentModule(parseModule(await wat(source)));
        expect(parseModule(instrumented.bytes).start).toBeNull();
    });
});

describe('heap bias and dirty pages', () => {
    const source = `(module (memory 2 4)
      (func (export "st32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "st8off") (param i32 i32) (i32.store8 offset=5000 (local.get 0) (local.get 1)))
      (func (export "st64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
      (func (export "stf64off") (param i32 f64) (f64.store offset=3 (local.get 0) (local.get 1)))
      (func (export "stf32") (param i32 f32) (f32.store (local.get 0) (local.get 1)))
      (func (export "st16keep") (param i32 i32) (result i32)
        ;; a value below the store's operands must survive the rewrite
        (i32.const 41)
        (i32.store16 (local.get 0) (local.get 1))
        (i32.add (i32.const 1)))
      (func (export "ld32") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "ld8off") (param i32) (result i32) (i32.load8_u offset=5000 (local.get 0)))
      (func (export "ld64") (param i32) (result i64) (i64.load (local.get 0)))
      (func (export "ldf64off") (param i32) (result f64) (f64.load offset=3 (local.get 0)))
      (func (export "far") (param i32) (result i32) (i32.load offset=0xfffffff0 (local.get 0)))
      (func (export "farstore") (param i32) (i32.store offset=0xfffffff0 (local.get 0) (i32.const 1)))
      (func (export "size") (result i32) memory.size)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

    it('marks exactly the page of the stored address and keeps logical addresses', async () => {
        const t = await instantiateWat(source);
        const address = 3 * 4096 + 10;
        t.fn('st32')(address, 0x01020304);
        expect(t.dirtyPages()).toEqual([3]);
        expect(t.fn('ld32')(address)).toBe(0x01020304);
        expect(Array.from(t.realMemory().subarray(HEAP_BIAS_BYTES + address, HEAP_BIAS_BYTES + address + 4))).toEqual([4, 3, 2, 1]);
        expect(Array.from(t.realMemory().subarray(address, address + 4))).toEqual([0, 0, 0, 0]);
    });

    it('marks the page of the effective address, static offset included', async () => {
        const t = await instantiateWat(source);
        t.fn('st8off')(100, 0xab); // effective address 5100 -> page 1
        expect(t.dirtyPages()).toEqual([1]);
        expect(t.fn('ld8off')(100)).toBe(0xab);
        expect(t.logicalMemory()[5100]).toBe(0xab);

        t.clearDirtyPages();
        t.fn('stf64off')(8190, 2.5); // effective address 8193 -> page 2
        expect(t.dirtyPages()).toEqual([2]);
        expect(t.fn('ldf64off')(8190)).toBe(2.5);

        t.clearDirtyPages();
        t.fn('st64')(65_536 + 4, 123n);
        t.fn('stf32')(7 * 4096, 1.25);
        expect(t.dirtyPages()).toEqual([7, 16]);
        expect(t.fn('ld64')(65_536 + 4)).toBe(123n);
    });

    it('keeps the operand stack intact around a store', async () => {
        const t = await instantiateWat(source);
        expect(t.fn('st16keep')(40_000, 0xbeef)).toBe(42);
        expect(t.dirtyPages()).toEqual([9]);
    });

    it('does not mark a store that traps', async () => {
        const t = await instantiateWat(source);
        t.fn('st32')(2 * PAGE - 4, 1); // the last word fits
        expect(t.dirtyPages()).toEqual([31]);
        t.clearDirtyPages();
        expect(() => t.fn('st32')(2 * PAGE - 3, 1)).toThrow(/out of bounds/);
        expect(() => t.fn('st64')(2 * PAGE, 1n)).toThrow(/out of bounds/);
        expect(t.dirtyPages()).toEqual([]);
    });

    it('traps like the original when a static offset cannot be biased', async () => {
        const t = await instantiateWat(source);
        expect(() => t.fn('far')(0)).toThrow(/memory access out of bounds/);
        expect(() => t.fn('farstore')(0)).toThrow(/memory access out of bounds/);
        expect(t.dirtyPages()).toEqual([]);
    });

    it('reports logical pages from memory.size and memory.grow', async () => {
        const t = await instantiateWat(source);
        expect(t.fn('size')()).toBe(2);
        expect(t.fn('grow')(1)).toBe(2);
        expect(t.fn('size')()).toBe(3);
        expect(t.fn('grow')(2)).toBe(-1); // 5 > max 4
        expect(t.fn('grow')(1)).toBe(3);
        expect(t.fn('size')()).toBe(4);
        expect(t.fn('grow')(0)).toBe(4);
        expect(t.realMemory().length).toBe((4 + HEAP_BIAS_PAGES) * PAGE);
        // the grown memory is usable at its logical addresses
        t.fn('st32')(4 * PAGE - 4, 9);
        expect(t.fn('ld32')(4 * PAGE - 4)).toBe(9);
        expect(t.dirtyPages()).toEqual([63]);
    });

    it('places active data segments at their logical offsets', async () => {
        const t = await instantiateWat(`(module (memory 1)
          (data (i32.const 16) "hello")
          (data (i32.const 65530) "world!")
          (func (export "ld") (param i32) (result i32) (i32.load8_u (local.get 0))))`);
        const logical = t.logicalMemory();
        expect(new TextDecoder().decode(logical.subarray(16, 21))).toBe('hello');
        expect(new TextDecoder().decode(logical.subarray(65_530, 65_536))).toBe('world!');
        expect(t.fn('ld')(17)).toBe('e'.charCodeAt(0));
        expect(t.realMemory().subarray(0, HEAP_BIAS_BYTES).every((b) => b === 0)).toBe(true);
    });

    it('adds the bias to the memory limits and clamps the maximum at 4 GiB', async () => {
        const limits = async (memory: string): Promise<{ min: number; max: number | null }> => {
            const { min, max } = parseModule(instrumentModule(parseModule(await wat(`(module ${memory})`))).bytes).memories[0]!;
            return { min, max };
        };
        expect(await limits('(memory 1 4)')).toEqual({ min: 17, max: 20 });
        expect(await limits('(memory 0)')).toEqual({ min: 16, max: null });
        expect(await limits('(memory 1 65536)')).toEqual({ min: 17, max: MAX_WASM32_PAGES });
        expect(await limits('(memory 1 65521)')).toEqual({ min: 17, max: MAX_WASM32_PAGES });
    });

    it('refuses an initial memory that leaves no room for the dirty-page map', async () => {
        const bytes = await wat(`(module (memory 65530))`);
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(InvalidWasmModuleError);
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(/65530 pages/);
    });
});

describe('bulk memory', () => {
    const source = `(module (memory 2 4)
      (data $passive "passive-data")
      (data (i32.const 16) "active")
      (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
      (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
      (func (export "init") (param i32 i32 i32) (memory.init $passive (local.get 0) (local.get 1) (local.get 2)))
      (func (export "drop") (data.drop $passive))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;
    const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

    it('memory.fill writes logical addresses and marks every page of the range', async () => {
        const t = await instantiateWat(source);
        t.fn('fill')(4095, 0xab, 2);
        expect(t.dirtyPages()).toEqual([0, 1]);
        expect(Array.from(t.logicalMemory().subarray(4094, 4098))).toEqual([0, 0xab, 0xab, 0]);
        t.clearDirtyPages();
        t.fn('fill')(5 * 4096, 1, 3 * 4096 + 1);
        expect(t.dirtyPages()).toEqual([5, 6, 7, 8]);
        t.clearDirtyPages();
        t.fn('fill')(100, 1, 0);
        expect(t.dirtyPages()).toEqual([]);
    });

    it('memory.fill traps out of bounds without writing or marking', async () => {
        const t = await instantiateWat(source);
        expect(() => t.fn('fill')(2 * PAGE - 10, 1, 11)).toThrow(/memory access out of bounds/);
        expect(() => t.fn('fill')(2 * PAGE + 1, 1, 0)).toThrow(/memory access out of bounds/);
        expect(() => t.fn('fill')(-1, 1, 0)).toThrow(/memory access out of bounds/); // 0xffffffff
        expect(() => t.fn('fill')(-HEAP_BIAS_BYTES, 1, 0)).toThrow(/memory access out of bounds/); // 0xfff00000
        expect(() => t.fn('fill')(-HEAP_BIAS_BYTES, 1, 16)).toThrow(/memory access out of bounds/);
        t.fn('fill')(2 * PAGE, 1, 0); // the end of memory with n = 0 is fine
        expect(t.dirtyPages()).toEqual([]);
        expect(t.logicalMemory().includes(1)).toBe(false); // nothing was filled
    });

    it('memory.copy marks the destination pages only', async () => {
        const t = await instantiateWat(source);
        t.fn('copy')(8192, 16, 6);
        expect(text(t.logicalMemory().subarray(8192, 8198))).toBe('active');
        expect(t.dirtyPages()).toEqual([2]);
        t.clearDirtyPages();
        t.fn('copy')(4096 * 10 - 3, 16, 6); // straddles pages 9 and 10
        expect(t.dirtyPages()).toEqual([9, 10]);
    });

    it('memory.copy traps when either range is out of bounds', async () => {
        const t = await instantiateWat(source);
        expect(() => t.fn('copy')(0, 2 * PAGE - 2, 4)).toThrow(/memory access out of bounds/);
        expect(() => t.fn('copy')(2 * PAGE - 2, 0, 4)).toThrow(/memory access out of bounds/);
        expect(() => t.fn('copy')(-1, 0, 0)).toThrow(/memory access out of bounds/);
        expect(() => t.fn('copy')(0, -HEAP_BIAS_BYTES, 0)).toThrow(/memory access out of bounds/);
        t.fn('copy')(2 * PAGE, 2 * PAGE, 0);
        expect(t.dirtyPages()).toEqual([]);
    });

    it('memory.init copies a passive segment to logical addresses and marks the range', async () => {
        const t = await instantiateWat(source);
        t.fn('init')(12_288, 0, 12);
        expect(text(t.logicalMemory().subarray(12_288, 12_300))).toBe('passive-data');
        expect(t.dirtyPages()).toEqual([3]);
        t.clearDirtyPages();
        expect(() => t.fn('init')(0, 5, 100)).toThrow(/memory access out of bounds/); // past the segment
        expect(() => t.fn('init')(2 * PAGE - 1, 0, 2)).toThrow(/memory access out of bounds/);
        expect(() => t.fn('init')(-1, 0, 0)).toThrow(/memory access out of bounds/);
        t.fn('drop')();
        expect(() => t.fn('init')(0, 0, 1)).toThrow(/memory access out of bounds/);
        t.fn('init')(0, 0, 0);
        expect(t.dirtyPages()).toEqual([]);
    });

    it('bulk operations reach memory added by memory.grow', async () => {
        const t = await instantiateWat(source);
        expect(t.fn('grow')(1)).toBe(2);
        t.fn('fill')(2 * PAGE, 7, PAGE);
        expect(t.logicalMemory()[3 * PAGE - 1]).toBe(7);
        expect(t.dirtyPages()).toEqual(Array.from({ length: 16 }, (_, i) => 32 + i));
    });
});

describe('SIMD', () => {
    it('decodes SIMD immediates, biases vector memory access and marks vector stores', async () => {
        const t = await instantiateWat(`(module (memory 1)
          (func (export "st") (param i32)
            (v128.store offset=16 (local.get 0) (v128.const i32x4 1 2 3 4)))
          (func (export "lane") (param i32)
            (v128.store8_lane offset=1 3 (local.get 0) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)))
          (func (export "ld") (param i32) (result i32)
            (i32x4.extract_lane 2 (v128.load (local.get 0))))
          (func (export "mix") (param i32) (result i32)
            (local v128)
            (local.set 1 (v128.load32_zero (local.get 0)))
            (local.set 1 (v128.load16_lane 1 (local.get 0) (local.get 1)))
            (local.set 1 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 1) (v128.load8_splat (local.get 0))))
            (local.set 1 (i32x4.add (local.get 1) (i32x4.splat (i32.const 1))))
            (local.set 1 (i64x2.mul (local.get 1) (v128.load32x2_u (local.get 0))))
            (local.set 1 (f64x2.sqrt (f64x2.convert_low_i32x4_u (local.get 1))))
            (local.set 1 (i16x8.extmul_high_i8x16_u (local.get 1) (local.get 1)))
            (i32x4.extract_lane 0 (i32x4.replace_lane 1 (local.get 1) (i32.const 9)))))`);
        t.fn('st')(4080); // effective address 4096 -> page 1 (the vector spills no further)
        expect(t.dirtyPages()).toEqual([1]);
        expect(t.fn('ld')(4096)).toBe(3);
        t.clearDirtyPages();
        t.fn('lane')(8191); // one byte (lane 3) at 8192 -> page 2
        expect(t.dirtyPages()).toEqual([2]);
        expect(t.logicalMemory()[8192]).toBe(3);
        expect(typeof t.fn('mix')(0)).toBe('number');
    });

    it('charges SIMD instructions from the IC table', async () => {
        const t = await instantiateWat(`(module
          (func (export "f") (result i32)
            v128.const i64x2 3 4     ;; 1
            v128.const i64x2 5 6     ;; 1
            i64x2.mul                ;; 4
            v128.const f64x2 4 9     ;; 1
            f64x2.sqrt               ;; 14
            drop                     ;; 1
            i64x2.extract_lane 1     ;; 1
            i32.wrap_i64))           ;; 1   (+1 entry) = 25
        `);
        expect(t.run('f')).toEqual({ result: 24, used: 25n });
    });
});

describe('tables', () => {
    it('keeps call_indirect working and exports table 0', async () => {
        const t = await instantiateWat(`(module
          (type $t (func (result i32)))
          (table 3 funcref)
          (func $a (result i32) i32.const 10)
          (func $b (result i32) i32.const 20)
          (elem (i32.const 1) $a $b)
          (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))`);
        expect(t.fn('call')(2)).toBe(20);
        expect(t.run('call', 1).used).toBe(1n + 1n + 10n + 2n); // entry, local.get, call_indirect; callee 1 + 1
        const table = t.export('__replica_table') as WebAssembly.Table;
        expect(table.length).toBe(3);
        expect((table.get(1) as () => number)()).toBe(10);
    });
});

describe('callbacks through __replica_call_indirect', () => {
    const source = `(module (memory 1)
      (table 4 funcref)
      (func $callback (param $env i32) (i32.store (i32.const 64) (local.get $env)))
      (func $no_params (i32.store (i32.const 64) (i32.const -1)))
      (func $returns (param i32) (result i32) (local.get 0))
      (elem (i32.const 0) $callback $no_params $returns)
      (func (export "canister_update go")))`;

    it('runs table[fun](env) for an entry of type (i32) -> ()', async () => {
        const t = await instantiateWat(source);
        const { used } = t.run('__replica_call_indirect', 0, 42);
        expect(new DataView(t.logicalMemory().buffer, HEAP_BIAS_BYTES + 64, 4).getInt32(0, true)).toBe(42);
        expect(used).toBe(1n + 1n + 1n + 1n); // only the callee is metered: entry, const, local.get, store
        expect(t.dirtyPages()).toEqual([0]);
    });

    it('traps on entries of another type, empty entries and indices past the table', async () => {
        const t = await instantiateWat(source);
        expect(() => t.fn('__replica_call_indirect')(1, 42)).toThrow(/signature mismatch/);
        expect(() => t.fn('__replica_call_indirect')(2, 42)).toThrow(/signature mismatch/);
        expect(() => t.fn('__replica_call_indirect')(3, 42)).toThrow(/null function|signature mismatch/);
        expect(() => t.fn('__replica_call_indirect')(4, 42)).toThrow(/table index is out of bounds/);
        expect(() => t.fn('__replica_call_indirect')(-1, 42)).toThrow(/table index is out of bounds/);
        expect(t.logicalMemory()[64]).toBe(0);
    });

    it('is only added when table 0 holds functions', async () => {
        const exportsOf = async (src: string): Promise<string[]> =>
            WebAssembly.Module.exports(prepareModule(await wat(src), { systemApi: IC0_SIGNATURES, cacheDir: null }).compiled).map((e) => e.name);
        expect(await exportsOf(`(module (table 1 externref))`)).not.toContain('__replica_call_indirect');
        expect(await exportsOf(`(module (func (export "f")))`)).not.toContain('__replica_call_indirect');
        expect(await exportsOf(`(module (table 1 funcref))`)).toContain('__replica_call_indirect');
    });
});

describe('unsupported instructions', () => {
    it('rejects atomics with a clear message', async () => {
        // (func (drop (i32.atomic.load (i32.const 0)))) on a non-shared memory, hand-assembled.
        const { moduleBytes } = await import('./helpers.js');
        const bytes = moduleBytes(
            [1, [1, 0x60, 0, 0]],
            [3, [1, 0]],
            [5, [1, 0, 1]],
            [10, [1, 9, 0, 0x41, 0, 0xfe, 0x10, 2, 0, 0x1a, 0x0b]]
        );
        expect(WebAssembly.validate(bytes)).toBe(true);
        expect(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null })).toThrow(/0xfe.*does not support/);
    });
});

describe('differential check against the original module', () => {
    // A pseudo-random mix of stores of every width, loads, and bulk operations over 4 pages
    // of memory (64 dirty-tracking pages), ending in a checksum.
    const source = `(module (memory (export "memory") 4)
      (global $seed (mut i32) (i32.const 0))
      (func $next (result i32)
        (global.set $seed (i32.xor (global.get $seed) (i32.shl (global.get $seed) (i32.const 13))))
        (global.set $seed (i32.xor (global.get $seed) (i32.shr_u (global.get $seed) (i32.const 17))))
        (global.set $seed (i32.xor (global.get $seed) (i32.shl (global.get $seed) (i32.const 5))))
        (global.get $seed))
      (func $addr (result i32) (i32.rem_u (call $next) (i32.const 250000)))
      (func (export "run") (param $seed i32) (param $n i32) (result i64)
        (local $sum i64) (local $k i32)
        (global.set $seed (local.get $seed))
        (loop $l
          (local.set $k (i32.rem_u (call $next) (i32.const 9)))
          (block $done
            (block $b8 (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
              (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 (local.get $k)))
              (i32.store (call $addr) (call $next)) (br $done))
              (i64.store offset=7 (call $addr) (i64.extend_i32_u (call $next))) (br $done))
              (i32.store8 offset=4095 (call $addr) (call $next)) (br $done))
              (i32.store16 (call $addr) (call $next)) (br $done))
              (f64.store offset=1 (call $addr) (f64.convert_i32_s (call $next))) (br $done))
              (v128.store offset=3 (call $addr) (i32x4.splat (call $next))) (br $done))
              (memory.fill (call $addr) (call $next) (i32.rem_u (call $next) (i32.const 700))) (br $done))
              (memory.copy (call $addr) (call $addr) (i32.rem_u (call $next) (i32.const 9000))) (br $done))
            (local.set $sum (i64.add (local.get $sum) (i64.load offset=5 (call $addr)))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $sum)))`;

    it('computes the same results and memory, and marks every page it changes', async () => {
        const bytes = await wat(source);
        const original = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)));
        const runOriginal = original.exports.run as (seed: number, n: number) => bigint;
        const originalMemory = new Uint8Array((original.exports.memory as WebAssembly.Memory).buffer);
        const t = new TestInstance(prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null }));

        for (const [seed, n] of [[1, 10], [12345, 500], [987654321, 3000]] as const) {
            const before = t.logicalMemory().slice(0, originalMemory.length);
            t.clearDirtyPages();
            expect(t.fn('run')(seed, n)).toBe(runOriginal(seed, n));
            const after = t.logicalMemory().subarray(0, originalMemory.length);
            expect(Buffer.from(after).equals(Buffer.from(originalMemory))).toBe(true);

            const dirty = new Set(t.dirtyPages());
            for (let page = 0; page < originalMemory.length / 4096; page++) {
                const start = page * 4096;
                const changed = !Buffer.from(before.subarray(start, start + 4096)).equals(Buffer.from(after.subarray(start, start + 4096)));
                // A store that starts on the previous page may spill into this one (documented).
                if (changed) expect(dirty.has(page) || dirty.has(page - 1)).toBe(true);
            }
            expect(dirty.size).toBeGreaterThan(0);
        }
    });
});
