/**
 * The on-chain rehearsal (snapshot_policy.rehearse), end to end on the embedded replica with a
 * sealed upgrader: a good upgrade is rehearsed on a copy of the app and then installed, the copy
 * deleted; a bad one (health check false, trapping post_upgrade) ends `rehearsal_failed` before
 * the app is stopped, with the app's module, data and running status unchanged; the proposal, the
 * audit log and the execution show the rehearsal.
 */
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import type { AuditEvent } from '../../canisters/upgrader/types';
import { getProposal, hex, moduleHashOf, waitForOutcome } from './fixture';
import { approveUpgrade, type ExecutionScene, gzippedModule } from './execution-fixture';
import { auditOf, createRehearsalScene, expectAppUntouched, expectDeleted, expectNoStraySnapshot, rehearsalCanister } from './rehearsal-support';

function stepsStarted(events: AuditEvent[]): string[] {
    return events.flatMap((e) => ('step_started' in e ? [Object.keys(e.step_started)[0] ?? ''] : []));
}

describe('rehearsal on chain', () => {
    let scene: ExecutionScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it('rehearses a good upgrade on a copy of the app, deletes the copy, then upgrades the app', async () => {
        scene = await createRehearsalScene();
        const v2 = gzippedModule('demo_app_v2');
        const id = await approveUpgrade(scene, v2);
        expect(await waitForOutcome(scene.replica, scene.upgrader, id)).toEqual({ upgraded: null });

        const upgraded = scene.replica.createActor<DemoAppV2Service>(v2Idl, scene.app);
        expect(await moduleHashOf(scene.replica, scene.app)).toBe(hex(v2.hash));
        expect(await upgraded.count()).toBe(2n);
        expect((await upgraded.get_note(1n))[0]?.body).toBe('second note');

        const proposal = await getProposal(scene.upgrader, id);
        const report = proposal.rehearsal[0];
        expect(report?.result).toEqual([{ passed: null }]);
        expect(report?.state_bytes).toBeGreaterThan(1_000_000n);
        expect(report?.cycles).toBeGreaterThan(500_000_000_000n);
        await expectDeleted(scene, await rehearsalCanister(scene, id));
        await expectNoStraySnapshot(scene);

        const events = (await auditOf(scene)).filter((e) => e.proposal_id[0] === id).map((e) => e.event);
        const steps = stepsStarted(events);
        // Every rehearsal step ran, before the app was stopped.
        for (const step of ['rehearsal_create', 'rehearsal_snapshot', 'rehearsal_metadata', 'rehearsal_copy', 'rehearsal_load', 'rehearsal_install', 'rehearsal_start', 'rehearsal_check', 'rehearsal_delete']) {
            expect(steps).toContain(step);
        }
        expect(steps.indexOf('rehearsal_delete')).toBeLessThan(steps.indexOf('stop'));
        expect(events.some((e) => 'rehearsed' in e && e.rehearsed.result.length === 1 && 'passed' in (e.rehearsed.result[0] ?? {}))).toBe(true);
        expect(events.some((e) => 'step_failed' in e)).toBe(false);
    });

    it.each([
        ['a health check that answers false', 'broken_v2', /health check health on the upgraded copy answered false/],
        ['a post_upgrade that traps', 'trap_post_upgrade', /the upgrade of the copy failed: .*post_upgrade always traps/]
    ])('stops %s before it touches the app: rehearsal_failed, the app unchanged, the copy deleted', async (_name, module, reason) => {
        scene = await createRehearsalScene();
        const id = await approveUpgrade(scene, gzippedModule(module));
        const outcome = await waitForOutcome(scene.replica, scene.upgrader, id);
        if (!('rehearsal_failed' in outcome)) throw new Error(`expected rehearsal_failed, got ${JSON.stringify(Object.keys(outcome))}`);
        expect(outcome.rehearsal_failed).toMatch(reason);
        expect(outcome.rehearsal_failed).toMatch(/the app was not stopped nor changed/);
        await expectAppUntouched(scene);

        const report = (await getProposal(scene.upgrader, id)).rehearsal[0];
        const result = report?.result[0];
        expect(result !== undefined && 'failed' in result ? result.failed : '').toMatch(reason);
        await expectDeleted(scene, await rehearsalCanister(scene, id));
        // The app was never stopped: no stop, snapshot or install step ran on it.
        const steps = stepsStarted((await auditOf(scene)).filter((e) => e.proposal_id[0] === id).map((e) => e.event));
        expect(steps).not.toContain('stop');
        expect(steps).not.toContain('install');
        expect(steps).toContain('cleanup');
    });
});
