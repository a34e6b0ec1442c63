/**
 * The rehearsal's fault matrix (run by rehearsal-faults-{lost,trap}.test.ts): at every call of
 * every rehearsal step, the response is lost or the continuation traps (the replica's fault hook).
 * Nobody calls `resume`: the lease runs out and the watchdog resumes the step. Every case must end
 * with the upgrade done (the copy deleted, the app on v2 with its counter and its stable pages
 * whole), except an unanswered health check on the copy, which counts as failed as on the app:
 * `rehearsal_failed`, the app untouched.
 *
 * The app is a fleet member whose stable memory spans three slices of the copy: the rehearsal's
 * health check on the copy passes only if every word of it arrived where it was, so a resumed
 * slice copied twice, skipped or misplaced ends `rehearsal_failed` and fails its case.
 */
import { SNAPSHOT_SLICE_BYTES } from '../../canisters/upgrader/cycles';
import { sliceAt, sliceCount } from '../../canisters/upgrader/rehearsal-slices';
import { MANAGEMENT_CANISTER_ID, type ResponseFault, WASM_PAGE_BYTES } from '../../src/replica/index';
import { hex, moduleHashOf } from './fixture';
import { approveUpgrade, recoverByWatchdog, type StepName, tickUntilInFlight } from './execution-fixture';
import {
    createMemberRehearsalScene,
    expectDeleted,
    expectMemberUntouched,
    expectNoStraySnapshot,
    MEMBER_STABLE_PAGES,
    type MemberScene,
    rehearsalCanister,
    rehearsedMemberModule
} from './rehearsal-support';

export type RehearsalCase = {
    step: StepName;
    /** Responses of that step to let through first (its second call). */
    after: number;
    /** Of rehearsal_copy: the slice whose calls are faulted. Default: the first in flight. */
    slice?: number;
    expect: 'upgraded' | 'rehearsal_failed';
};

/** The copy's slices: the module, the heap, then the stable memory's three; this one starts 2,000,000 bytes into it. */
const MIDDLE_OF_STABLE_MEMORY = 3;

export const REHEARSAL_CASES: Array<[string, RehearsalCase]> = [
    ['rehearsal_create (canister_status)', { step: 'rehearsal_create', after: 0, expect: 'upgraded' }],
    ['rehearsal_create (create_canister)', { step: 'rehearsal_create', after: 1, expect: 'upgraded' }],
    ['rehearsal_snapshot (listing)', { step: 'rehearsal_snapshot', after: 0, expect: 'upgraded' }],
    ['rehearsal_snapshot (taking)', { step: 'rehearsal_snapshot', after: 1, expect: 'upgraded' }],
    ['rehearsal_metadata (reading)', { step: 'rehearsal_metadata', after: 0, expect: 'upgraded' }],
    ['rehearsal_metadata (uploading)', { step: 'rehearsal_metadata', after: 1, expect: 'upgraded' }],
    ['rehearsal_copy (reading)', { step: 'rehearsal_copy', after: 0, expect: 'upgraded' }],
    ['rehearsal_copy (uploading)', { step: 'rehearsal_copy', after: 1, expect: 'upgraded' }],
    ['rehearsal_copy (reading a slice in the middle of stable memory)', { step: 'rehearsal_copy', after: 0, slice: MIDDLE_OF_STABLE_MEMORY, expect: 'upgraded' }],
    ['rehearsal_copy (uploading a slice in the middle of stable memory)', { step: 'rehearsal_copy', after: 1, slice: MIDDLE_OF_STABLE_MEMORY, expect: 'upgraded' }],
    ['rehearsal_load (stopping)', { step: 'rehearsal_load', after: 0, expect: 'upgraded' }],
    ['rehearsal_load (loading)', { step: 'rehearsal_load', after: 1, expect: 'upgraded' }],
    ['rehearsal_install', { step: 'rehearsal_install', after: 0, expect: 'upgraded' }],
    ['rehearsal_start', { step: 'rehearsal_start', after: 0, expect: 'upgraded' }],
    ['rehearsal_check', { step: 'rehearsal_check', after: 0, expect: 'rehearsal_failed' }],
    ['rehearsal_delete (stopping)', { step: 'rehearsal_delete', after: 0, expect: 'upgraded' }],
    ['rehearsal_delete (deleting)', { step: 'rehearsal_delete', after: 1, expect: 'upgraded' }]
];

/** The copy being made spans the slices the cases count on, the faulted one in the middle of stable memory. */
async function expectCopySlices(scene: MemberScene, slice: number): Promise<void> {
    const copy = (await scene.upgrader.get_execution(scene.app))[0]?.rehearsal[0]?.copy[0];
    if (copy === undefined) throw new Error('the execution shows no snapshot copy while rehearsal_copy runs');
    expect(copy.stable_memory_size).toBe(BigInt(MEMBER_STABLE_PAGES * WASM_PAGE_BYTES));
    expect(sliceCount(copy)).toBeGreaterThan(MIDDLE_OF_STABLE_MEMORY + 1);
    expect(sliceAt(copy, slice)).toEqual({ part: 'stable_memory', offset: BigInt(SNAPSHOT_SLICE_BYTES), size: BigInt(SNAPSHOT_SLICE_BYTES) });
}

export async function runRehearsalCase(fault: ResponseFault, c: RehearsalCase, keep: (scene: MemberScene) => void): Promise<void> {
    const scene = await createMemberRehearsalScene();
    keep(scene);
    const v2 = await rehearsedMemberModule('v2');
    const id = await approveUpgrade(scene, v2);
    await tickUntilInFlight(scene, c.step, 2_000, c.slice); // past every slice of the copy
    if (c.slice !== undefined) await expectCopySlices(scene, c.slice);
    // The health check is the copy's answer; every other call is the management canister's.
    const copy = (await scene.upgrader.get_execution(scene.app))[0]?.rehearsal[0]?.report.canister[0];
    const from = c.step === 'rehearsal_check' ? copy : MANAGEMENT_CANISTER_ID;
    scene.replica.faults.onResponses({ receiver: scene.upgraderId, from, fault, after: c.after });
    await scene.replica.tick(4);
    expect(scene.replica.faults.armedCount).toBe(0);
    const stuck = (await scene.upgrader.get_execution(scene.app))[0];
    expect(stuck !== undefined && c.step in stuck.step).toBe(true);
    if (c.slice !== undefined) expect(stuck?.step).toEqual({ rehearsal_copy: c.slice });
    expect(stuck?.lease_until).toBeGreaterThan(0n);

    const outcome = await recoverByWatchdog(scene, id);
    expect(Object.keys(outcome)).toEqual([c.expect]);
    await expectDeleted(scene, await rehearsalCanister(scene, id));
    await expectNoStraySnapshot(scene);
    if (c.expect === 'rehearsal_failed') {
        await expectMemberUntouched(scene);
        return;
    }
    expect(await moduleHashOf(scene.replica, scene.app)).toBe(hex(v2.hash));
    expect(await scene.member.version()).toBe('v2');
    expect(await scene.member.count()).toBe(2n);
    expect(await scene.member.health()).toBe(true);
}
