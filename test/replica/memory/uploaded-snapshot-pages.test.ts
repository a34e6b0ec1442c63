/**
 * Loading an uploaded snapshot shares its pages through the page store, as committed pages are
 * shared: canisters loaded from the same uploaded state hold each page once and no all-zero
 * page, and still change their memories independently.
 */
import { OWNER, Principal, newReplica, query, run, text } from '../conformance/support/harness.js';
import { downloadSnapshot, uploadSnapshot } from '../conformance/support/snapshot-transfer.js';
import { DATA, SCRATCH, prog, universalWasm } from '../conformance/support/universal.js';
import type { Replica } from '../../../src/replica/index.js';

async function loadedFrom(replica: Replica, snapshot: Awaited<ReturnType<typeof downloadSnapshot>>): Promise<Principal> {
    const canisterId = await replica.createCanister({ sender: OWNER });
    const snapshotId = await uploadSnapshot(replica, canisterId, snapshot, OWNER);
    await replica.callManagement('load_canister_snapshot', { canister_id: canisterId, snapshot_id: snapshotId, sender_canister_version: [] }, OWNER);
    return canisterId;
}

const readState = async (replica: Replica, id: Principal) =>
    text(await query(replica, id, prog().ic0('stable64_read', SCRATCH, 0, 4).ic0('msg_reply_data_append', SCRATCH, 4).op('load64', DATA).appendI64().ic0('msg_reply')));

describe('pages of a loaded uploaded snapshot', () => {
    it('are shared between canisters loaded from the same state, without all-zero pages, and copied on write', async () => {
        const replica = await newReplica();
        const source = await replica.createCanister({ sender: OWNER });
        const init = prog().op('store64', DATA, 0x41414141).ic0('stable64_grow', 3).op('drop').ic0('stable64_write', 0, 'same');
        await replica.installCode({ canisterId: source, wasm: await universalWasm(), arg: init.build(), sender: OWNER });
        const { id } = await replica.callManagement('take_canister_snapshot', { canister_id: source, replace_snapshot: [] }, OWNER);
        const snapshot = await downloadSnapshot(replica, source, id, OWNER);

        const [a, b] = [await loadedFrom(replica, snapshot), await loadedFrom(replica, snapshot)];
        const code = (canisterId: Principal) => replica.subnet.canister(canisterId)!.code!;
        const heapPages = (canisterId: Principal) => code(canisterId).heap.pages.filter((page) => page !== null);
        expect(heapPages(a).length).toBeGreaterThan(0);
        expect(heapPages(a).every((page, i) => page === heapPages(b)[i])).toBe(true);
        expect(heapPages(a).every((page) => page!.some((byte) => byte !== 0))).toBe(true);
        expect([...code(a).stable.pages.values()]).toEqual([...code(b).stable.pages.values()]);
        expect(code(a).stable.residentPages).toBe(1);
        expect([...code(a).stable.pages.values()][0]).toBe([...code(b).stable.pages.values()][0]);

        await run(replica, a, prog().ic0('stable64_write', 0, 'diff').op('store64', DATA, 0x42424242).reply());
        expect(await readState(replica, a)).toBe('diffBBBB\0\0\0\0');
        expect(await readState(replica, b)).toBe('sameAAAA\0\0\0\0');
    });
});
