/** Canister state is plain data: the engine owns running instances and their System API. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Replica } from '../../../src/replica/index.js';
import { wat } from '../wasm/helpers.js';

const COUNTER = `(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (memory 1)
  (func (export "canister_update bump")
    (i32.store8 (i32.const 0) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1)))
    (call $append (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_query read")
    (call $append (i32.const 0) (i32.const 1))
    (call $reply)))`;

/** Relative imports of every .ts file in `dir` (type-only imports included). */
function importsOf(dir: string): Array<[string, string]> {
    return readdirSync(dir)
        .filter((file) => file.endsWith('.ts'))
        .flatMap((file) => [...readFileSync(join(dir, file), 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m): [string, string] => [file, m[1]!]));
}

describe('code state', () => {
    it('holds only the module, the committed heap and stable memory, also while its canister runs', async () => {
        const replica = await Replica.create();
        try {
            const canisterId = await replica.createCanister();
            await replica.installCode({ canisterId, wasm: await wat(COUNTER) });
            await replica.updateCall({ canisterId, method: 'bump' });
            const code = replica.subnet.canisters.get(canisterId.toText())!.code!;
            expect(Object.keys(code).sort()).toEqual(['heap', 'module', 'stable']);
            expect(replica.subnet.liveInstanceCount).toBe(1);
            // Evicted, the instance is rebuilt from the plain data alone.
            replica.subnet.evictInstances();
            expect(replica.subnet.liveInstanceCount).toBe(0);
            expect([...(await replica.queryCall({ canisterId, method: 'read' }))]).toEqual([1]);
            expect([...(await replica.updateCall({ canisterId, method: 'bump' }))]).toEqual([2]);
        } finally {
            await replica.tearDown();
        }
    });

    it('state/ imports nothing from engine/, and wasm/ nothing from engine/ or state/', () => {
        const root = join(process.cwd(), 'src', 'replica');
        expect(importsOf(join(root, 'state')).filter(([, path]) => path.includes('/engine/'))).toEqual([]);
        expect(importsOf(join(root, 'wasm')).filter(([, path]) => path.includes('/engine/') || path.includes('/state/'))).toEqual([]);
    });
});
