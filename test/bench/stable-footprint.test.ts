/** The bench's reading of a canister's stable memory (bench/stable-footprint.ts): its size, and the 4 KiB pages holding data. */
import { Principal } from '@dfinity/principal';
import { markPagesInUse, STABLE_PAGE_BYTES, stableFootprint } from '../../bench/stable-footprint.js';
import { replicaManagement } from '../../src/rehearsal/replica-management.js';
import { Replica } from '../../src/replica/index.js';
import { type FleetMember, fleetMemberIdl, fleetMemberModule } from '../fleet/member-module.js';

const OWNER = Principal.fromUint8Array(new Uint8Array([...new Uint8Array(28).fill(9), 0x02]));

describe('markPagesInUse', () => {
    it('finds the pages of non-zero bytes across slices that cut pages anywhere', () => {
        const memory = new Uint8Array(5 * STABLE_PAGE_BYTES);
        memory[STABLE_PAGE_BYTES - 1] = 1; // last byte of page 0
        memory[2 * STABLE_PAGE_BYTES] = 7; // first byte of page 2
        memory[4 * STABLE_PAGE_BYTES + 100] = 255; // inside page 4
        const pages = new Set<number>();
        const slice = 3000;
        for (let offset = 0; offset < memory.length; offset += slice) markPagesInUse(pages, offset, memory.subarray(offset, offset + slice));
        expect([...pages].sort((a, b) => a - b)).toEqual([0, 2, 4]);
    });
});

describe('stableFootprint', () => {
    let replica: Replica;
    beforeEach(async () => {
        replica = await Replica.create();
    });
    afterEach(async () => {
        await replica.tearDown();
    });

    it("reads canister_status's size and the pages in use from a snapshot, and deletes the snapshot", async () => {
        const { canisterId, actor } = await replica.setupCanister<FleetMember>({ idlFactory: fleetMemberIdl, wasm: await fleetMemberModule('v1'), sender: OWNER });
        const mgmt = replicaManagement(replica, OWNER);
        // The member grows its stable memory to one 64 KiB page at init; its counter (0) is all zeros.
        expect(await stableFootprint(mgmt, canisterId)).toEqual({ sizeBytes: 65_536n, pagesInUse: 0 });
        await actor.bump();
        expect(await stableFootprint(mgmt, canisterId)).toEqual({ sizeBytes: 65_536n, pagesInUse: 1 });
        expect(await replica.callManagement('list_canister_snapshots', { canister_id: canisterId }, OWNER)).toEqual([]);
    });
});
