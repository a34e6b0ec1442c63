/**
 * Issue 9, item 4: a hand-over that cannot or does not go through leaves the app with the first
 * upgrader, its recovery principal a controller, and the first upgrader able to upgrade it again.
 * Refusals at check_successor (a successor with a controller, running another module, missing,
 * a user, already a controller of the app), and a failure at each management step after it: the
 * IC refusing add_successor's update (10 controllers), and the controllers changed out of band
 * under confirm_successor and remove_self, after which remove_successor undoes the addition.
 */
import { Principal } from '@dfinity/principal';

import type { Outcome } from '../../canisters/upgrader/types';
import { MANAGEMENT_CANISTER_ID } from '../../src/replica/index';
import { tickUntilInFlight } from './execution-fixture';
import { alice, bob, castVote, hex, loadModule, maintainer, ok, principalOf, recovery, stranger, subjectOf, upgradeRequest, uploadModule, waitForOutcome } from './fixture';
import { approveHandOver, controllersOf, createHandOverScene, driveWatching, type HandOverScene, moduleHashOf, sorted } from './hand-over-fixture';

const v2 = loadModule('demo_app_v2');

/** The app is still the first upgrader's: registered, no execution, controllers as given. */
async function expectStillWithFirst(scene: HandOverScene, controllers: string[] = sorted(scene.upgraderId, recovery)): Promise<void> {
    expect(await controllersOf(scene)).toEqual(controllers);
    const info = (await scene.upgrader.get_app(scene.app))[0];
    expect(info?.live_proposal).toEqual([]);
    expect(await scene.upgrader.get_execution(scene.app)).toEqual([]);
}

/** The first upgrader upgrades the app to v2 after the failed hand-over. */
async function expectFirstUpgrades(scene: HandOverScene): Promise<void> {
    const { upgrader, app, replica } = scene;
    await uploadModule(upgrader, app, v2);
    upgrader.setPrincipal(maintainer);
    const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
    ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
    ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
    expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
    expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
}

function outcomeText(outcome: Outcome, name: 'hand_over_refused' | 'hand_over_failed'): string {
    expect(Object.keys(outcome)).toEqual([name]);
    const text = (outcome as Record<string, unknown>)[name];
    return typeof text === 'string' ? text : '';
}

describe('hand-over failures', () => {
    let scene: HandOverScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    describe('refused at check_successor, the app untouched', () => {
        it('when the successor has a controller (not sealed); the first upgrader then upgrades the app', async () => {
            scene = await createHandOverScene({ sealSuccessor: false });
            const { outcome } = await driveWatching(scene, await approveHandOver(scene));
            expect(outcomeText(outcome, 'hand_over_refused')).toMatch(/has 1 controller\(s\): only a sealed upgrader/);
            await expectStillWithFirst(scene);
            await expectFirstUpgrades(scene);
        });

        it('when the successor runs another module than the one approved', async () => {
            scene = await createHandOverScene();
            const { outcome } = await driveWatching(scene, await approveHandOver(scene, scene.successorId, v2.hash));
            expect(outcomeText(outcome, 'hand_over_refused')).toContain(`not the approved ${hex(v2.hash)}`);
            await expectStillWithFirst(scene);
        });

        it('when the successor does not exist, or is a user', async () => {
            scene = await createHandOverScene();
            const missing = Principal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 0, 0x7f, 0xff, 0xf0, 1, 1]));
            const first = await driveWatching(scene, await approveHandOver(scene, missing));
            expect(outcomeText(first.outcome, 'hand_over_refused')).toMatch(/canister_info of the successor .* failed/);
            await expectStillWithFirst(scene);
            const second = await driveWatching(scene, await approveHandOver(scene, stranger));
            expect(outcomeText(second.outcome, 'hand_over_refused')).toMatch(/must be an existing canister/);
            await expectStillWithFirst(scene);
        });

        it('when the successor already controls the app (undoing must not remove a controller the app had)', async () => {
            scene = await createHandOverScene();
            const s = scene;
            await s.replica.updateCanisterSettings({ canisterId: s.app, sender: recovery, controllers: [s.upgraderId, recovery, s.successorId] });
            const { outcome } = await driveWatching(s, await approveHandOver(s));
            expect(outcomeText(outcome, 'hand_over_refused')).toContain('already a controller of the app');
            await expectStillWithFirst(s, sorted(s.upgraderId, recovery, s.successorId));
        });
    });

    describe('failed at a management step, undone', () => {
        it('add_successor: the IC refuses an 11th controller; the first upgrader then upgrades the app', async () => {
            const others = Array.from({ length: 8 }, (_, i) => principalOf(`other controller ${i}`));
            scene = await createHandOverScene({ otherControllers: others });
            const s = scene;
            const before = await controllersOf(s);
            const { outcome, sets } = await driveWatching(s, await approveHandOver(s));
            expect(outcomeText(outcome, 'hand_over_failed')).toMatch(/adding the successor to the app's controllers failed: .*at most 10 controllers/);
            expect(sets).toEqual([before]);
            await expectStillWithFirst(s, before);
            await expectFirstUpgrades(s);
        });

        it('confirm_successor: the successor was removed out of band after it was added', async () => {
            scene = await createHandOverScene();
            const s = scene;
            const id = await approveHandOver(s);
            await tickUntilInFlight(s, 'add_successor');
            // Hold add_successor's update_settings response (its second call) while recovery removes the successor.
            s.replica.faults.onResponses({ receiver: s.upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'delay', after: 1 });
            await s.replica.tick(4);
            expect(s.replica.faults.delayedCount).toBe(1);
            expect(await controllersOf(s)).toEqual(sorted(s.upgraderId, recovery, s.successorId));
            await s.replica.updateCanisterSettings({ canisterId: s.app, sender: recovery, controllers: [s.upgraderId, recovery] });
            s.replica.releaseDelayedResponses();
            const { outcome } = await driveWatching(s, id);
            expect(outcomeText(outcome, 'hand_over_failed')).toMatch(/the successor is not among the app's controllers/);
            await expectStillWithFirst(s);
            await expectFirstUpgrades(s);
        });

        it('confirm_successor: the recovery principal was removed out of band; the undo removes the successor and puts recovery back', async () => {
            scene = await createHandOverScene();
            const s = scene;
            const id = await approveHandOver(s);
            await tickUntilInFlight(s, 'add_successor');
            s.replica.faults.onResponses({ receiver: s.upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'delay', after: 1 });
            await s.replica.tick(4);
            await s.replica.updateCanisterSettings({ canisterId: s.app, sender: recovery, controllers: [s.upgraderId, s.successorId] });
            s.replica.releaseDelayedResponses();
            const outcome = await waitForOutcome(s.replica, s.upgrader, id);
            expect(outcomeText(outcome, 'hand_over_failed')).toMatch(/the recovery principal is not among the app's controllers/);
            await expectStillWithFirst(s);
            const history = (await s.upgrader.audit_log({ app: [s.app], start: 0n, limit: 100 })).entries;
            expect(history.map((e) => ('step_started' in e.event ? Object.keys(e.event.step_started)[0] : undefined)).filter((x) => x !== undefined)).toEqual([
                'check',
                'check_successor',
                'add_successor',
                'confirm_successor',
                'remove_successor'
            ]);
        });

        it('remove_self: the successor was removed out of band before the upgrader would leave', async () => {
            scene = await createHandOverScene();
            const s = scene;
            const id = await approveHandOver(s);
            await tickUntilInFlight(s, 'confirm_successor');
            // Hold confirm's answer (it saw the successor) while recovery removes the successor.
            s.replica.faults.onResponses({ receiver: s.upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'delay' });
            await s.replica.tick(4);
            expect(s.replica.faults.delayedCount).toBe(1);
            await s.replica.updateCanisterSettings({ canisterId: s.app, sender: recovery, controllers: [s.upgraderId, recovery] });
            s.replica.releaseDelayedResponses();
            const { outcome } = await driveWatching(s, id);
            expect(outcomeText(outcome, 'hand_over_failed')).toMatch(/the successor is no longer a controller of the app/);
            await expectStillWithFirst(s);
        });
    });
});
