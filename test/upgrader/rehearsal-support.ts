/**
 * What the rehearsal tests share: a scene whose app's policy asks for a rehearsal (the demo app,
 * or a small fleet member whose state still spans several snapshot slices), and checks that the
 * rehearsal canister is gone and that the app is exactly as it was.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import type { AuditEntry, Outcome, Proposal, SnapshotPolicy } from '../../canisters/upgrader/types';
import { type ExecutionEvent, MANAGEMENT_CANISTER_ID, type Replica } from '../../src/replica/index';
import { type FleetMember, fleetMemberIdl, fleetMemberModule, type FleetMemberVersion, MULTI_SLICE_STABLE_PAGES } from '../fleet/member-module';
import { admin, getProposal, type Module, moduleHashOf, sha256, type Upgrader } from './fixture';
import { type AppScene, createAppScene, createExecutionScene, type ExecutionScene, isRunning, type SceneOptions } from './execution-fixture';
import { createMember } from './fleet-fixture';

export const REHEARSE: SnapshotPolicy = { keep: 2, required: false, rehearse: true };

export async function createRehearsalScene(options: SceneOptions = {}): Promise<ExecutionScene> {
    return createExecutionScene({ snapshots: REHEARSE, ...options });
}

/**
 * The member's stable memory: 80 pages (5,242,880 bytes), three slices of the copy (the last one
 * partial), after the module's slice and the heap's, before the chunk store's. Its health check
 * fails unless every word of them arrived where it was.
 */
export const MEMBER_STABLE_PAGES = MULTI_SLICE_STABLE_PAGES;

/** The fleet member module of `version` with MEMBER_STABLE_PAGES of stable memory. */
export async function rehearsedMemberModule(version: FleetMemberVersion): Promise<Module> {
    const bytes = await fleetMemberModule(version, { stablePages: MEMBER_STABLE_PAGES });
    return { name: `fleet_member_${version}_${MEMBER_STABLE_PAGES}_stable_pages`, bytes, hash: sha256(bytes) };
}

export type MemberScene = AppScene & { member: FleetMember };

/** A rehearsal scene whose app is a fleet member v1 (MEMBER_STABLE_PAGES of stable memory) with its counter bumped twice. */
export async function createMemberRehearsalScene(): Promise<MemberScene> {
    const v1 = await rehearsedMemberModule('v1');
    const scene = await createAppScene({ snapshots: REHEARSE }, (replica, upgraderId) => createMember({ replica, upgraderId }, v1));
    const member = scene.replica.createActor<FleetMember>(fleetMemberIdl, scene.app);
    await member.bump();
    await member.bump();
    return { ...scene, member };
}

/** The rehearsal canister the proposal names (it must name one). */
export async function rehearsalCanister(scene: AppScene, id: bigint): Promise<Principal> {
    const proposal: Proposal = await getProposal(scene.upgrader, id);
    const canister = proposal.rehearsal[0]?.canister[0];
    if (canister === undefined) throw new Error(`proposal ${id} shows no rehearsal canister`);
    return canister;
}

/** The canister no longer exists on the replica (deleted, not merely stopped or emptied). */
export async function expectDeleted(scene: AppScene, canister: Principal): Promise<void> {
    await expect(scene.replica.canisterStatus({ canisterId: canister, sender: admin })).rejects.toThrow(/IC0301|not found/);
}

/** The app runs its old module, and no execution is left on it. */
async function expectRunningAsBefore(scene: AppScene): Promise<void> {
    expect(await isRunning(scene)).toBe(true);
    expect(await moduleHashOf(scene.replica, scene.app)).toBe(scene.oldHash);
    expect(await scene.upgrader.get_execution(scene.app)).toEqual([]);
}

/** The app runs its old module with its old notes, and nothing of the upgrade is left in it. */
export async function expectAppUntouched(scene: ExecutionScene): Promise<void> {
    await expectRunningAsBefore(scene);
    expect(await scene.notes.version()).toBe('v1');
    expect(await scene.notes.count()).toBe(2n);
    expect((await scene.notes.get_note(1n))[0]?.text).toBe('second note');
}

/** The member runs v1 with its counter at 2 and its stable pages whole, and nothing of the upgrade is left in it. */
export async function expectMemberUntouched(scene: MemberScene): Promise<void> {
    await expectRunningAsBefore(scene);
    expect(await scene.member.version()).toBe('v1');
    expect(await scene.member.count()).toBe(2n);
    expect(await scene.member.health()).toBe(true);
}

/** The app's audit log, oldest first (at most 100 entries, enough for one upgrade). */
export async function auditOf(scene: AppScene): Promise<AuditEntry[]> {
    return (await scene.upgrader.audit_log({ app: [scene.app], start: 0n, limit: 100 })).entries;
}

/** Whether an execution event is one of the upgrader's executor messages (timers and continuations, not queries). */
function isExecutorMessage(event: ExecutionEvent, upgrader: Principal): boolean {
    return event.canisterId.compareTo(upgrader) === 'eq' && (event.kind === 'Ry' || event.kind === 'Rt' || event.kind === 'T' || event.entry.endsWith('timer_executor'));
}

export type RehearsalMeasure = {
    /** Wall-clock time from the first rehearsal step to the step after the rehearsal. */
    ms: number;
    /** Upgrader instructions in that span, and the most one of its messages used. */
    instructions: bigint;
    mostPerMessage: bigint;
    slices: number;
    outcome: Outcome;
};

/**
 * Drives an approved execution round by round and measures its rehearsal: `events` is the list
 * the replica's onExecution appends to (given at its creation).
 */
export async function measureRehearsal(replica: Replica, upgrader: Upgrader, upgraderId: Principal, app: Principal, id: bigint, events: ExecutionEvent[]): Promise<RehearsalMeasure> {
    let start: { at: number; index: number } | undefined;
    let end: { at: number; index: number } | undefined;
    let slices = 0;
    for (let i = 0; i < 5_000; i++) {
        const status = (await upgrader.get_proposal(id))[0]?.status;
        const step = (await upgrader.get_execution(app))[0]?.step;
        const name = step === undefined ? 'done' : (Object.keys(step)[0] ?? '');
        if (step !== undefined && 'rehearsal_copy' in step) slices = Math.max(slices, step.rehearsal_copy + 1);
        if (start === undefined && name.startsWith('rehearsal_')) start = { at: performance.now(), index: events.length };
        if (start !== undefined && end === undefined && !name.startsWith('rehearsal_')) end = { at: performance.now(), index: events.length };
        if (status !== undefined && 'executed' in status) {
            if (start === undefined || end === undefined) throw new Error('the execution ran no rehearsal');
            const mine = events.slice(start.index, end.index).filter((e) => isExecutorMessage(e, upgraderId));
            return {
                ms: end.at - start.at,
                instructions: mine.reduce((sum, e) => sum + e.instructions, 0n),
                mostPerMessage: mine.reduce((most, e) => (e.instructions > most ? e.instructions : most), 0n),
                slices,
                outcome: status.executed
            };
        }
        await replica.tick();
    }
    throw new Error(`proposal ${id} did not finish`);
}

/**
 * The app's snapshots as the IC lists them equal those the upgrader tracks: no snapshot was left
 * behind by a lost reply (a resumed step uses the one its lost call took).
 */
export async function expectNoStraySnapshot(scene: AppScene): Promise<void> {
    const reply = await scene.replica.updateCall({
        canisterId: MANAGEMENT_CANISTER_ID,
        method: 'list_canister_snapshots',
        arg: new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: scene.app }])),
        sender: admin
    });
    const [listed] = IDL.decode([IDL.Vec(IDL.Record({ id: IDL.Vec(IDL.Nat8) }))], reply) as unknown as [Array<{ id: Uint8Array }>];
    const tracked = (await scene.upgrader.get_app(scene.app))[0]?.snapshots ?? [];
    const hexOf = (id: Uint8Array): string => Buffer.from(id).toString('hex');
    expect(listed.map((s) => hexOf(Uint8Array.from(s.id))).sort()).toEqual(tracked.map((s) => hexOf(s.id)).sort());
}
