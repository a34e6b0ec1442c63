import { LiveInstance } from '../../../src/replica/engine/live-instance.js';
import { IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';
import { HeapImage } from '../../../src/replica/memory/heap.js';
import { prepareModule } from '../../../src/replica/wasm/index.js';
import { wat } from '../wasm/helpers.js';

/** Commit and rollback of the heap through the dirty-page bitmap, including stores that straddle pages. */
describe('LiveInstance commit and rollback', () => {
    const source = `(module
        (memory 2)
        (global $g (mut i32) (i32.const 7))
        (func (export "store64") (param $addr i32) (param $value i64) (i64.store (local.get $addr) (local.get $value)))
        (func (export "load64") (param $addr i32) (result i64) (i64.load (local.get $addr)))
        (func (export "set_global") (param $v i32) (global.set $g (local.get $v)))
        (func (export "get_global") (result i32) (global.get $g))
        (func (export "grow") (result i32) (memory.grow (i32.const 1))))`;

    async function instance(): Promise<{ live: LiveInstance; image: HeapImage; call: (name: string, ...args: Array<number | bigint>) => number | bigint }> {
        const module = prepareModule(await wat(source), { systemApi: IC0_SIGNATURES, cacheDir: null });
        const live = LiveInstance.fresh(module, {});
        const image = HeapImage.empty();
        live.commit(image);
        const call = (name: string, ...args: Array<number | bigint>) => {
            live.budget = 1_000_000n;
            return (liveExport(live, name) as (...a: Array<number | bigint>) => number | bigint)(...args);
        };
        return { live, image, call };
    }

    it('rolls back a store that spills from one 4 KiB page into the next', async () => {
        const { live, image, call } = await instance();
        call('store64', 4092, 0x1122334455667788n);
        live.rollback(image);
        expect(call('load64', 4092)).toBe(0n);
        expect(call('load64', 4096)).toBe(0n);
    });

    it('commits a spilling store so a restored instance sees both halves', async () => {
        const { live, image, call } = await instance();
        call('store64', 4092, 0x1122334455667788n);
        live.commit(image);
        call('store64', 4092, 0n);
        live.rollback(image);
        expect(call('load64', 4092)).toBe(0x1122334455667788n);
        const restored = LiveInstance.restore(live.module, {}, image);
        restored.budget = 1_000_000n;
        expect((liveExport(restored, 'load64') as (a: number) => bigint)(4092)).toBe(0x1122334455667788n);
    });

    it('restores globals on rollback and keeps them on commit', async () => {
        const { live, image, call } = await instance();
        call('set_global', 42);
        live.rollback(image);
        expect(call('get_global')).toBe(7);
        call('set_global', 43);
        live.commit(image);
        expect(image.globals).toEqual([43]);
    });

    it('cannot roll back a grown memory in place, so the instance must be restored from the image', async () => {
        const { live, image, call } = await instance();
        expect(call('grow')).toBe(2);
        expect(live.rollback(image)).toBe(false);
        const restored = LiveInstance.restore(live.module, {}, image);
        expect(restored.logicalWasmPages).toBe(2);
    });

    it('leaves a page shared with a clone untouched when the original commits again', async () => {
        const { live, image, call } = await instance();
        call('store64', 100, 5n);
        live.commit(image);
        const snapshot = image.clone();
        call('store64', 100, 6n);
        live.commit(image);
        const restored = LiveInstance.restore(live.module, {}, snapshot);
        restored.budget = 1_000_000n;
        expect((liveExport(restored, 'load64') as (a: number) => bigint)(100)).toBe(5n);
    });
});

function liveExport(live: LiveInstance, name: string): unknown {
    const fn = live.exportedFunction(name);
    if (fn === undefined) throw new Error(`no export ${name}`);
    return fn;
}
