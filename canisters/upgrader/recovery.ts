/**
 * What the recovery principal (a cold key, also a controller of the app) can do through the
 * upgrader: pause and resume upgrades, change the policy directly, cancel proposals, run an
 * emergency upgrade without votes (for example with skip_pre_upgrade to escape a trapping
 * pre_upgrade), restore a snapshot, and eject the upgrader from the app's controllers.
 *
 * None of this is needed to recover an app: as a controller, the recovery principal can always
 * act on the app with plain management calls, even if the upgrader is gone or out of cycles.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf } from 'azle';

import { findApp, removeApp, requireApp, saveApp, type StoredApp } from './apps';
import { isGroupPrincipal } from './group-id';
import { audit } from './audit';
import { CallFailure, fail, type Failure } from './errors';
import { findExecution, launchMember, startExecution } from './executor';
import { canisterControllers, setControllers } from './management';
import { reclaimAll } from './modules';
import { validatePolicyChange } from './policy';
import { createProposal, isOpen, liveProposal, setStatus, validateUpgrade } from './proposals';
import { advance } from './rollouts';
import { principalEqual } from './serde';
import type { AppInfo, EmergencyUpgradeArgs, RestoreArgs, SetPolicyArgs } from './types';
import { applyPolicyChange } from './votes';

/**
 * The app, if `caller` is its recovery principal. The refusal names no principal: writing one
 * as text costs QuickJS more than the rest of a refused call (get_app shows the recovery principal).
 */
function recoveryApp(caller: Principal, app: Principal): StoredApp {
    const stored = requireApp(app);
    if (!principalEqual(stored.info.recovery, caller)) {
        throw fail.unauthorized("only the app's recovery principal (see get_app) may pause, resume, change the policy, upgrade without votes, restore a snapshot or eject");
    }
    return stored;
}

/**
 * Frees the app's slot for a recovery operation: an open proposal is cancelled; an execution in
 * progress is never interrupted (ProposalInProgress).
 */
function takeSlot(app: StoredApp, caller: Principal, reason: string): StoredApp {
    // A group member upgraded by its group's rollout has an execution but no live proposal of its own.
    const running = findExecution(app.info.app);
    if (running !== undefined) throw fail.proposalInProgress(running.proposal_id);
    const live = liveProposal(app);
    if (live !== undefined) {
        if (!isOpen(live.status)) throw fail.proposalInProgress(live.id);
        setStatus(live, { cancelled: reason }, caller);
    }
    return requireApp(app.info.app);
}

export function pause(caller: Principal, app: Principal): void {
    const stored = recoveryApp(caller, app);
    stored.info.paused = true;
    saveApp(stored);
    audit({ app, event: { paused: null }, actor: caller });
}

/** Upgrades may go on; a group's rollout starts its next members at once. */
export function unpause(caller: Principal, app: Principal): void {
    const stored = recoveryApp(caller, app);
    stored.info.paused = false;
    saveApp(stored);
    audit({ app, event: { unpaused: null }, actor: caller });
    if (isGroupPrincipal(app)) advance(app, launchMember);
}

/** Throws for a group: the operation acts on a canister. */
function requireCanister(app: StoredApp, what: string): void {
    if (isGroupPrincipal(app.info.app)) throw fail.invalid(`a group is no canister: ${what} its members one by one`);
}

/** Replaces the policy directly; an open proposal is cancelled (its votes were cast under the old one). */
export function setPolicy(caller: Principal, args: SetPolicyArgs): AppInfo {
    const stored = recoveryApp(caller, args.app);
    const group = stored.info.group[0];
    if (group !== undefined) throw fail.invalid(`this app follows the policy of its group ${group.toText()}: set the group's policy, or take the app out with leave_group first`);
    validatePolicyChange(args.change);
    const app = takeSlot(requireApp(args.app), caller, 'superseded: the recovery principal changed the policy');
    applyPolicyChange(app, args.change.policy, args.change.snapshot_policy, caller);
    return requireApp(args.app).info;
}

/** Installs a stored module without votes, even while upgrades are paused. */
export function emergencyUpgrade(caller: Principal, args: EmergencyUpgradeArgs): bigint {
    const stored = recoveryApp(caller, args.app);
    requireCanister(stored, 'upgrade');
    validateUpgrade(stored, args.request, true);
    const app = takeSlot(stored, caller, 'superseded by an emergency upgrade');
    const proposal = createProposal({ app, proposer: caller, action: { upgrade: args.request }, emergency: true, status: { executing: null } });
    audit({ app: args.app, proposalId: proposal.id, event: { emergency_upgrade: args.request.module_hash }, actor: caller });
    startExecution(proposal, { upgrade: args.request });
    return proposal.id;
}

/** Stops the app, loads a snapshot (default: the newest the upgrader took), and starts it again. */
export function restoreSnapshot(caller: Principal, args: RestoreArgs): bigint {
    const stored = recoveryApp(caller, args.app);
    requireCanister(stored, 'restore');
    const newest = stored.info.snapshots[stored.info.snapshots.length - 1];
    const id = args.snapshot_id[0] ?? newest?.id;
    if (id === undefined) throw fail.snapshotNotFound('the upgrader has taken no snapshot of this app; name one in snapshot_id');
    // A snapshot the recovery principal took itself may be named too: the IC checks it is the app's.
    const app = takeSlot(stored, caller, 'superseded by a snapshot restore');
    const proposal = createProposal({ app, proposer: caller, action: { restore_snapshot: id }, emergency: true, status: { executing: null } });
    audit({ app: args.app, proposalId: proposal.id, event: { restore_requested: id }, actor: caller });
    startExecution(proposal, { restore: id });
    return proposal.id;
}

/** `eject` of a group: an empty group is forgotten (its modules reclaimed); one with members is refused. */
function dissolveGroup(group: StoredApp, caller: Principal): void {
    if (group.info.members > 0) throw fail.invalid(`the group still holds ${group.info.members} apps: take them out with leave_group (or eject each) first`);
    takeSlot(group, caller, 'the recovery principal dissolved the group');
    audit({ app: group.info.app, event: { ejected: null }, actor: caller });
    reclaimAll(requireApp(group.info.app));
    removeApp(group.info.app);
}

/** The IC's reject code for a call to a canister that does not exist (DestinationInvalid). */
const DESTINATION_INVALID = 3;

/**
 * Hands the app back to its recovery principal: the upgrader leaves the app's controllers and
 * forgets the app (its modules are reclaimed, its audit entries stay). Refused while an
 * execution is in progress.
 *
 * The app is never orphaned: the controllers are read with canister_info (which answers any
 * caller, so a rejected call is never mistaken for "not a controller"), and the new set, without
 * the upgrader, always includes the recovery principal (added back if it was removed out of
 * band). The app is forgotten only once the upgrader is verifiably not its controller: after
 * that update_settings succeeded, when canister_info shows it is not, or when the app no longer
 * exists. Any other failure leaves the app registered, with its pause state as before.
 */
export async function eject(caller: Principal, appId: Principal): Promise<void> {
    const stored = recoveryApp(caller, appId);
    if (isGroupPrincipal(appId)) return dissolveGroup(stored, caller);
    takeSlot(stored, caller, 'the recovery principal ejected the upgrader');
    if (findExecution(appId) !== undefined) throw fail.proposalInProgress(stored.info.live_proposal[0] ?? 0n);
    // Paused before the first await: no vote can start an execution meanwhile.
    const paused = requireApp(appId);
    const wasPaused = paused.info.paused;
    paused.info.paused = true;
    saveApp(paused);
    const refuse = (error: CallFailure): Failure => {
        const again = findApp(appId);
        if (again !== undefined) {
            again.info.paused = wasPaused;
            saveApp(again);
        }
        return fail.call(error);
    };

    let controllers: Principal[] | undefined;
    try {
        controllers = await canisterControllers(appId);
    } catch (error) {
        if (!(error instanceof CallFailure)) throw error;
        if (error.rejectCode !== DESTINATION_INVALID) throw refuse(error);
        controllers = undefined; // the app no longer exists: there is nothing to hand back
    }
    const self = canisterSelf();
    if (controllers !== undefined && controllers.some((c) => principalEqual(c, self))) {
        const recoveryPrincipal = requireApp(appId).info.recovery;
        const others = controllers.filter((c) => !principalEqual(c, self) && !principalEqual(c, recoveryPrincipal));
        try {
            await setControllers(appId, [recoveryPrincipal, ...others]);
        } catch (error) {
            if (!(error instanceof CallFailure)) throw error;
            throw refuse(error);
        }
    }
    const app = findApp(appId);
    if (app === undefined) return;
    audit({ app: appId, event: { ejected: null }, actor: caller });
    reclaimAll(app);
    removeApp(appId);
}
