import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Replica } from '../../../src/replica/index.js';
import { downloadSnapshot, uploadSnapshot } from '../conformance/support/snapshot-transfer.js';
import { deployKvStore, KV_STORE_WASM, KvStore, kvStoreIdl, user } from './fixtures.js';

/** A real Azle canister's snapshot, downloaded from one canister and uploaded into another. */
describe('Azle kv_store: snapshot download and upload between canisters', () => {
    let replica: Replica;
    const owner = user(1);

    beforeEach(async () => {
        replica = await Replica.create();
    });
    afterEach(async () => {
        await replica.tearDown();
    });

    it('the copy answers as the original, with the same module hash, heap and stable memory', async () => {
        const { actor: a, canisterId: idA } = await deployKvStore(replica, owner);
        await a.put('alpha', 'one');
        await a.put('beta', 'two');
        await a.increment();
        await a.fill(50, 1000);
        await replica.stopCanister({ canisterId: idA, sender: owner });
        const { id } = await replica.callManagement('take_canister_snapshot', { canister_id: idA, replace_snapshot: [] }, owner);
        const snapshot = await downloadSnapshot(replica, idA, id, owner);
        expect(snapshot.metadata.wasm_memory_size).toBeGreaterThan(2_000_000n);
        expect(Buffer.from(createHash('sha256').update(snapshot.wasm).digest()).equals(createHash('sha256').update(readFileSync(KV_STORE_WASM)).digest())).toBe(true);

        const idB = await replica.createCanister({ sender: owner });
        await replica.stopCanister({ canisterId: idB, sender: owner });
        const uploaded = await uploadSnapshot(replica, idB, snapshot, owner);
        await replica.callManagement('load_canister_snapshot', { canister_id: idB, snapshot_id: uploaded, sender_canister_version: [] }, owner);
        await replica.startCanister({ canisterId: idB, sender: owner });
        await replica.startCanister({ canisterId: idA, sender: owner });

        const b = replica.createActor<KvStore>(kvStoreIdl, idB);
        expect(await b.get('alpha')).toEqual(['one']);
        expect(await b.get('beta')).toEqual(['two']);
        expect(await b.len()).toBe(await a.len());
        expect(await b.counter()).toBe(1n);
        expect((await replica.canisterStatus({ canisterId: idB, sender: owner })).moduleHash).toEqual((await replica.canisterStatus({ canisterId: idA, sender: owner })).moduleHash);
        expect(Buffer.compare(await replica.getStableMemory(idB), await replica.getStableMemory(idA))).toBe(0);
        // B goes on independently.
        await b.put('gamma', 'three');
        expect(await b.get('gamma')).toEqual(['three']);
        expect(await a.get('gamma')).toEqual([]);

        const { id: ofB } = await replica.callManagement('take_canister_snapshot', { canister_id: idB, replace_snapshot: [] }, owner);
        const again = await downloadSnapshot(replica, idB, ofB, owner);
        expect(Buffer.compare(again.wasm, snapshot.wasm)).toBe(0);
    });
});
