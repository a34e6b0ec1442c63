/**
 * What the rehearsal tests share: a scene whose app's policy asks for a rehearsal, and checks that
 * the rehearsal canister is gone and that the app is exactly as it was.
 */
import type { Principal } from '@dfinity/principal';

import type { AuditEntry, Proposal, SnapshotPolicy } from '../../canisters/upgrader/types';
import { admin, getProposal, moduleHashOf } from './fixture';
import { createExecutionScene, type ExecutionScene, isRunning, type SceneOptions } from './execution-fixture';

export const REHEARSE: SnapshotPolicy = { keep: 2, required: false, rehearse: true };

export async function createRehearsalScene(options: SceneOptions = {}): Promise<ExecutionScene> {
    return createExecutionScene({ snapshots: REHEARSE, ...options });
}

/** The rehearsal canister the proposal names (it must name one). */
export async function rehearsalCanister(scene: ExecutionScene, id: bigint): Promise<Principal> {
    const proposal: Proposal = await getProposal(scene.upgrader, id);
    const canister = proposal.rehearsal[0]?.canister[0];
    if (canister === undefined) throw new Error(`proposal ${id} shows no rehearsal canister`);
    return canister;
}

/** The canister no longer exists on the replica (deleted, not merely stopped or emptied). */
export async function expectDeleted(scene: ExecutionScene, canister: Principal): Promise<void> {
    await expect(scene.replica.canisterStatus({ canisterId: canister, sender: admin })).rejects.toThrow(/IC0301|not found/);
}

/** The app runs its old module with its old notes, and nothing of the upgrade is left in it. */
export async function expectAppUntouched(scene: ExecutionScene): Promise<void> {
    expect(await isRunning(scene)).toBe(true);
    expect(await moduleHashOf(scene.replica, scene.app)).toBe(scene.oldHash);
    expect(await scene.notes.version()).toBe('v1');
    expect(await scene.notes.count()).toBe(2n);
    expect((await scene.notes.get_note(1n))[0]?.text).toBe('second note');
    expect(await scene.upgrader.get_execution(scene.app)).toEqual([]);
}

/** The app's audit log, oldest first (at most 100 entries, enough for one upgrade). */
export async function auditOf(scene: ExecutionScene): Promise<AuditEntry[]> {
    return (await scene.upgrader.audit_log({ app: [scene.app], start: 0n, limit: 100 })).entries;
}
