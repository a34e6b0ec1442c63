/**
 * The hand-over's fault matrix (run by hand-over-faults-{lost,trap}.test.ts): at every call of
 * every hand-over step, the response is lost or the continuation traps (the replica's fault
 * hook). Nobody calls `resume`: the lease runs out and the watchdog resumes the step, which reads
 * the app's controllers again and finds its change made or not. Every case must end
 * `handed_over`, the app controlled by the successor and the recovery principal only, and the
 * recovery principal a controller at every round in between.
 */
import { MANAGEMENT_CANISTER_ID, type ResponseFault } from '../../src/replica/index';
import { letTimePass, type StepName, tickUntilInFlight } from './execution-fixture';
import { recovery } from './fixture';
import { approveHandOver, controllersOf, createHandOverScene, driveWatching, expectWorkingControllers, type HandOverScene, sorted } from './hand-over-fixture';

export type HandOverCase = { step: StepName; /** Responses of that step to let through first (its second call). */ after: number };

export const HAND_OVER_CASES: Array<[string, HandOverCase]> = [
    ['check', { step: 'check', after: 0 }],
    ['check_successor (the successor)', { step: 'check_successor', after: 0 }],
    ['check_successor (the app)', { step: 'check_successor', after: 1 }],
    ['add_successor (reading)', { step: 'add_successor', after: 0 }],
    ['add_successor (updating)', { step: 'add_successor', after: 1 }],
    ['confirm_successor', { step: 'confirm_successor', after: 0 }],
    ['remove_self (reading)', { step: 'remove_self', after: 0 }],
    ['remove_self (updating)', { step: 'remove_self', after: 1 }]
];

export async function runHandOverCase(fault: ResponseFault, c: HandOverCase, keep: (scene: HandOverScene) => void): Promise<void> {
    const scene = await createHandOverScene();
    keep(scene);
    const id = await approveHandOver(scene);
    await tickUntilInFlight(scene, c.step);
    scene.replica.faults.onResponses({ receiver: scene.upgraderId, from: MANAGEMENT_CANISTER_ID, fault, after: c.after });
    await scene.replica.tick(4);
    expect(scene.replica.faults.armedCount).toBe(0);
    const stuck = (await scene.upgrader.get_execution(scene.app))[0];
    expect(stuck !== undefined && c.step in stuck.step).toBe(true);
    expect(stuck?.lease_until).toBeGreaterThan(0n);
    expectWorkingControllers(scene, await controllersOf(scene));

    await letTimePass(scene, Number(scene.limits.lease_seconds + scene.limits.watchdog_interval_seconds) + 1, 1);
    const { outcome } = await driveWatching(scene, id);
    expect(outcome).toEqual({ handed_over: scene.successorId });
    expect(await controllersOf(scene)).toEqual(sorted(recovery, scene.successorId));
    expect(await scene.upgrader.get_app(scene.app)).toEqual([]);
}
