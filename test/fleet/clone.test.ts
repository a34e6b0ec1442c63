/** Cloning a fleet member through snapshots: copies that answer as the source, under the asked controllers, with state of their own. */
import { Principal } from '@dfinity/principal';
import { Replica, type Actor } from '../../src/replica/index.js';
import { cloneCanister, fleetManagement } from './clone.js';
import { buildFleet } from './fleet.js';
import { type FleetMember, fleetMemberIdl, fleetMemberModule } from './member-module.js';

const principal = (fill: number) => Principal.fromUint8Array(new Uint8Array([...new Uint8Array(28).fill(fill), 0x02]));
const OWNER = principal(5);
const OPERATOR = principal(6);
const STRANGER = principal(7);
const sorted = (ids: Principal[]) => ids.map((id) => id.toText()).sort();

let replica: Replica;
beforeEach(async () => {
    replica = await Replica.create();
});
afterEach(async () => {
    await replica.tearDown();
});

const member = (canisterId: Principal): Actor<FleetMember> => replica.createActor<FleetMember>(fleetMemberIdl, canisterId);

async function bumpedSource(bumps: number): Promise<Principal> {
    const { canisterId, actor } = await replica.setupCanister<FleetMember>({ idlFactory: fleetMemberIdl, wasm: await fleetMemberModule('v1'), sender: OWNER });
    for (let i = 0; i < bumps; i++) await actor.bump();
    return canisterId;
}

const snapshotsOf = (canisterId: Principal) => replica.callManagement('list_canister_snapshots', { canister_id: canisterId }, OWNER);

describe('cloneCanister', () => {
    it('makes 20 running copies that answer count like the source, under the asked controllers, reporting progress', async () => {
        const source = await bumpedSource(3);
        const progress: string[] = [];
        const copies = await cloneCanister(fleetManagement(replica, OWNER), source, 20, { controllers: [OWNER, OPERATOR], onProgress: (done, total) => progress.push(`${done}/${total}`) });

        expect(copies).toHaveLength(20);
        expect(new Set(sorted(copies)).size).toBe(20);
        expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => `${i + 1}/20`));
        const { moduleHash } = await replica.canisterStatus({ canisterId: source, sender: OWNER });
        for (const copy of copies) {
            expect(await member(copy).count()).toBe(3n);
            expect(await member(copy).version()).toBe('v1');
            expect(await member(copy).health()).toBe(true);
            const status = await replica.canisterStatus({ canisterId: copy, sender: OPERATOR });
            expect(status.status).toEqual({ running: null });
            expect(status.moduleHash).toEqual(moduleHash);
            expect(sorted(status.settings.controllers)).toEqual(sorted([OWNER, OPERATOR]));
            expect(await snapshotsOf(copy)).toEqual([]);
        }
        // The source runs on, unchanged, and keeps no snapshot.
        expect(await member(source).count()).toBe(3n);
        expect(await snapshotsOf(source)).toEqual([]);
        expect(sorted(await replica.getControllers(source))).toEqual(sorted([OWNER]));
    });

    it('gives each copy state of its own: a bump or an upgrade of one leaves the others as they were', async () => {
        const source = await bumpedSource(2);
        const copies = await cloneCanister(fleetManagement(replica, OWNER), source, 4);
        expect(await member(copies[1]!).bump()).toBe(3n);
        await replica.upgradeCanister({ canisterId: copies[2]!, wasm: await fleetMemberModule('v2'), sender: OWNER });
        expect(await member(copies[2]!).bump()).toBe(3n);
        expect(await member(copies[2]!).version()).toBe('v2');

        expect(await Promise.all([source, ...copies].map((id) => member(id).count()))).toEqual([2n, 2n, 3n, 3n, 2n]);
        expect(await Promise.all([source, ...copies].map((id) => member(id).version()))).toEqual(['v1', 'v1', 'v1', 'v2', 'v1']);
        // Without `controllers`, the caller alone controls the copies, as it created them.
        expect(sorted(await replica.getControllers(copies[0]!))).toEqual(sorted([OWNER]));
    });

    it('says which copy failed at which step, and leaves the copies made before it', async () => {
        const source = await bumpedSource(1);
        const tooMany = Array.from({ length: 11 }, (_, i) => principal(20 + i));
        const attempt = cloneCanister(fleetManagement(replica, OWNER), source, 3, { controllers: tooMany });
        await expect(attempt).rejects.toThrow(/^cloneCanister: copy 1 of 3 \(canister [a-z0-9-]+\) failed at update_settings: .*The copies made before it are left as they are\.$/s);

        await expect(cloneCanister(fleetManagement(replica, STRANGER), source, 1)).rejects.toThrow('Only the controllers of the canister');
        await expect(cloneCanister(fleetManagement(replica, OWNER), source, -1)).rejects.toThrow('count must be a whole number');
    });
});

describe('buildFleet', () => {
    it('installs one member, bumps it, clones the rest, and hands every member to the controllers', async () => {
        const seen: number[] = [];
        const members = await buildFleet(replica, { owner: OWNER, size: 5, bumps: 2, controllers: [OPERATOR], onProgress: (done) => seen.push(done) });
        expect(members).toHaveLength(5);
        expect(seen).toEqual([1, 2, 3, 4, 5]);
        for (const id of members) {
            expect(await member(id).count()).toBe(2n);
            expect(sorted(await replica.getControllers(id))).toEqual(sorted([OPERATOR]));
        }
    });
});
