/**
 * The upgrader's own chunk store, where a group's module is staged once for all its members: the
 * IC keeps at most 100 chunks in it and clears it only whole, so the upgrader clears it when a
 * module does not fit and no other member may be using it, and a module staged before is not
 * staged again.
 */
import type { Principal } from '@dfinity/principal';

import { CHUNK_BYTES, MAX_STORE_CHUNKS } from '../../canisters/upgrader/limits';
import { hex, moduleHashOf } from './fixture';
import { approveRollout, createFleetScene, type FleetScene, memberActor, memberModule, rolloutOf, runRollout } from './fleet-fixture';

let scene: FleetScene | undefined;

afterEach(async () => {
    await scene?.replica.tearDown();
    scene = undefined;
});

const PLAN = { canary: 0, batch_size: 2, max_concurrency: 2, max_failure_percent: 0 };
/** Modules of 26 chunks: three fit the store (78 chunks), the fourth does not (104 > 100). */
const PADDING = 25 * CHUNK_BYTES + CHUNK_BYTES / 2;

describe("the upgrader's own chunk store", () => {
    it('holds three large modules, clears itself for the fourth once no member uses it, and every rollout installs', async () => {
        scene = await createFleetScene(2);
        const s = scene;
        const versions = ['v2', 'unhealthy', 'fragile', 'v1'] as const;
        const modules = await Promise.all(versions.map((version) => memberModule(version, PADDING)));
        expect(Math.ceil((modules[0]?.bytes.length ?? 0) / CHUNK_BYTES) * 4).toBeGreaterThan(MAX_STORE_CHUNKS);
        for (const [index, module] of modules.entries()) {
            const id = await approveRollout(s, module, PLAN, { take_snapshot: true });
            const outcome = await runRollout(s, id);
            const rollout = await rolloutOf(s);
            if (versions[index] === 'unhealthy') {
                expect(Object.keys(outcome)).toEqual(['rollout_halted']);
                expect(rollout.counts.rolled_back).toBeGreaterThanOrEqual(1);
                continue;
            }
            expect(outcome).toEqual({ rolled_out: null });
            for (const member of s.members as Principal[]) expect(await moduleHashOf(s.replica, member)).toBe(hex(module.hash));
        }
        // The fourth module was staged after a clear: the members run it (v1 padded), with their data.
        expect(await memberActor(s, s.members[0] as Principal).version()).toBe('v1');
        // The group's modules were reclaimed after each rollout: its quota is free again.
        expect((await s.upgrader.get_module({ app: s.group, hash: modules[3]?.hash ?? new Uint8Array() })).length).toBe(0);
    }, 600_000);
});
