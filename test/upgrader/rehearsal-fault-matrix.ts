/**
 * The rehearsal's fault matrix (run by rehearsal-faults-{lost,trap}.test.ts): at every call of
 * every rehearsal step, the response is lost or the continuation traps (the replica's fault hook).
 * Nobody calls `resume`: the lease runs out and the watchdog resumes the step. Every case must end
 * with the upgrade done (the copy deleted, the app on v2 with its notes), except an unanswered
 * health check on the copy, which counts as failed as on the app: `rehearsal_failed`, the app
 * untouched.
 */
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import { MANAGEMENT_CANISTER_ID, type ResponseFault } from '../../src/replica/index';
import { hex, moduleHashOf } from './fixture';
import { approveUpgrade, type ExecutionScene, gzippedModule, recoverByWatchdog, type StepName, tickUntilInFlight } from './execution-fixture';
import { createRehearsalScene, expectAppUntouched, expectDeleted, expectNoStraySnapshot, rehearsalCanister } from './rehearsal-support';

export type RehearsalCase = { step: StepName; /** Responses of that step to let through first (its second call). */ after: number; expect: 'upgraded' | 'rehearsal_failed' };

export const REHEARSAL_CASES: Array<[string, RehearsalCase]> = [
    ['rehearsal_create (canister_status)', { step: 'rehearsal_create', after: 0, expect: 'upgraded' }],
    ['rehearsal_create (create_canister)', { step: 'rehearsal_create', after: 1, expect: 'upgraded' }],
    ['rehearsal_snapshot (listing)', { step: 'rehearsal_snapshot', after: 0, expect: 'upgraded' }],
    ['rehearsal_snapshot (taking)', { step: 'rehearsal_snapshot', after: 1, expect: 'upgraded' }],
    ['rehearsal_metadata (reading)', { step: 'rehearsal_metadata', after: 0, expect: 'upgraded' }],
    ['rehearsal_metadata (uploading)', { step: 'rehearsal_metadata', after: 1, expect: 'upgraded' }],
    ['rehearsal_copy (reading)', { step: 'rehearsal_copy', after: 0, expect: 'upgraded' }],
    ['rehearsal_copy (uploading)', { step: 'rehearsal_copy', after: 1, expect: 'upgraded' }],
    ['rehearsal_load (stopping)', { step: 'rehearsal_load', after: 0, expect: 'upgraded' }],
    ['rehearsal_load (loading)', { step: 'rehearsal_load', after: 1, expect: 'upgraded' }],
    ['rehearsal_install', { step: 'rehearsal_install', after: 0, expect: 'upgraded' }],
    ['rehearsal_start', { step: 'rehearsal_start', after: 0, expect: 'upgraded' }],
    ['rehearsal_check', { step: 'rehearsal_check', after: 0, expect: 'rehearsal_failed' }],
    ['rehearsal_delete (stopping)', { step: 'rehearsal_delete', after: 0, expect: 'upgraded' }],
    ['rehearsal_delete (deleting)', { step: 'rehearsal_delete', after: 1, expect: 'upgraded' }]
];

const v2 = gzippedModule('demo_app_v2');

export async function runRehearsalCase(fault: ResponseFault, c: RehearsalCase, keep: (scene: ExecutionScene) => void): Promise<void> {
    const scene = await createRehearsalScene();
    keep(scene);
    const id = await approveUpgrade(scene, v2);
    await tickUntilInFlight(scene, c.step, 2_000); // past every slice of the copy
    // The health check is the copy's answer; every other call is the management canister's.
    const copy = (await scene.upgrader.get_execution(scene.app))[0]?.rehearsal[0]?.report.canister[0];
    const from = c.step === 'rehearsal_check' ? copy : MANAGEMENT_CANISTER_ID;
    scene.replica.faults.onResponses({ receiver: scene.upgraderId, from, fault, after: c.after });
    await scene.replica.tick(4);
    expect(scene.replica.faults.armedCount).toBe(0);
    const stuck = (await scene.upgrader.get_execution(scene.app))[0];
    expect(stuck !== undefined && c.step in stuck.step).toBe(true);
    expect(stuck?.lease_until).toBeGreaterThan(0n);

    const outcome = await recoverByWatchdog(scene, id);
    expect(Object.keys(outcome)).toEqual([c.expect]);
    await expectDeleted(scene, await rehearsalCanister(scene, id));
    await expectNoStraySnapshot(scene);
    if (c.expect === 'rehearsal_failed') {
        await expectAppUntouched(scene);
        return;
    }
    expect(await moduleHashOf(scene.replica, scene.app)).toBe(hex(v2.hash));
    const upgraded = scene.replica.createActor<DemoAppV2Service>(v2Idl, scene.app);
    expect(await upgraded.count()).toBe(2n);
    expect((await upgraded.get_note(1n))[0]?.body).toBe('second note');
}
