/**
 * Decisions taken from what the IC reports, not from what the app or a controller may have
 * changed behind the upgrader's back:
 * - a module is refused as a hash mismatch only from the reject code and the IC's own words at
 *   the start of the reject, never from the app's trap text (a pre_upgrade trapping with "does
 *   not match" and "hash" in its message does not get a correct module refused);
 * - snapshots are reconciled with list_canister_snapshots before one is named for replacement.
 */
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import { admin, err, getProposal, hex, loadModule, moduleHashOf, ok, recovery, upgradeRequest, uploadModule, waitForOutcome } from './fixture';
import { approveUpgrade, createExecutionScene, type ExecutionScene, isRunning } from './execution-fixture';

describe('structural decisions', () => {
    const v2 = loadModule('demo_app_v2');
    let scene: ExecutionScene;

    afterEach(async () => {
        await scene.replica.tearDown();
    });

    it('does not refuse a correct module when pre_upgrade traps with "does not match ... hash" in its message; the emergency upgrade then works', async () => {
        scene = await createExecutionScene({ appName: 'trap_pre_upgrade' });
        const { replica, upgrader, app } = scene;
        const id = await approveUpgrade(scene, v2);
        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(Object.keys(outcome)).toEqual(['install_failed']);
        // The app's own words reached the outcome, which the old text test took for the IC's hash check.
        expect(JSON.stringify(outcome)).toMatch(/Wasm module hash does not match given hash, says the app/);
        expect((await upgrader.get_module({ app, hash: v2.hash }))[0]?.rejected).toBe(false);
        expect(await isRunning(scene)).toBe(true);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);

        upgrader.setPrincipal(recovery);
        const emergency = ok(await upgrader.emergency_upgrade({ app, request: upgradeRequest(v2, { skip_pre_upgrade: true }) }));
        expect((await getProposal(upgrader, emergency)).emergency).toBe(true);
        expect(await waitForOutcome(replica, upgrader, emergency)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.count()).toBe(2n);
    });

    it('still refuses a module whose bytes do not hash to its name (the IC says so, reject code 5)', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, app } = scene;
        const claimed = new Uint8Array(32).fill(7);
        await uploadModule(upgrader, app, v2, { claimedHash: claimed });
        const id = await approveUpgrade(scene, { ...v2, hash: claimed }, false);
        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(JSON.stringify(outcome)).toMatch(/install_failed.*code 5.*Error from Wasm chunk store: Wasm module hash/);
        expect((await upgrader.get_module({ app, hash: claimed }))[0]?.rejected).toBe(true);
        expect(await isRunning(scene)).toBe(true);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);
        upgrader.setPrincipal(recovery);
        expect(err(await upgrader.emergency_upgrade({ app, request: { ...upgradeRequest(v2), module_hash: claimed } }))).toEqual({ ModuleRejected: claimed });
    });

    it('forgets a snapshot deleted out of band instead of naming it for replacement', async () => {
        scene = await createExecutionScene({ snapshots: { keep: 1, required: false, rehearse: false } });
        const { replica, upgrader, app } = scene;
        const first = await approveUpgrade(scene, v2);
        expect(await waitForOutcome(replica, upgrader, first)).toEqual({ upgraded: null });
        const taken = (await upgrader.get_app(app))[0]?.snapshots ?? [];
        expect(taken.length).toBe(1);
        const deleted = taken[0]!.id;
        // A controller deletes the upgrader's snapshot behind its back.
        await replica.callManagement('delete_canister_snapshot', { canister_id: app, snapshot_id: deleted }, admin);

        // The next snapshot-taking upgrade (the same module again) must not name the deleted one.
        const second = await approveUpgrade(scene, v2);
        expect(await waitForOutcome(replica, upgrader, second)).toEqual({ upgraded: null });
        const now = (await upgrader.get_app(app))[0]?.snapshots ?? [];
        expect(now.length).toBe(1);
        expect(hex(now[0]!.id)).not.toBe(hex(deleted));
        const listed = await replica.callManagement('list_canister_snapshots', { canister_id: app }, admin);
        expect(listed.map((s) => hex(s.id))).toEqual([hex(now[0]!.id)]);
    });
});
