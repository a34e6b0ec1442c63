/**
 * The registry of apps: registration (after checking with the management canister that the
 * upgrader and the recovery principal both control the app, and taking the registration fee)
 * and each app's stored record, including the modules it was seen running.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf, StableBTreeMap, time } from 'azle';

import { audit } from './audit';
import { CallFailure, fail } from './errors';
import { isGroupPrincipal } from './group-id';
import { addMember, removeMember } from './group-members';
import { findHandOver, forgetHandOver } from './handed-over';
import { MAX_APPS_PER_REGISTRANT, MAX_GROUP_MEMBERS, MAX_RAN_MODULES_KEPT } from './limits';
import { canisterStatus, type CanisterStatus } from './management';
import { MemoryId } from './memory';
import { collect, requirePayment, settings } from './settings';
import { isProposer, validatePolicy, validateSnapshotPolicy } from './policy';
import { appRecord, type StoredApp } from './records';
import { forgetCredit } from './rehearsal-credit';
import { bytesEqual, principalEqual, principalKey, u32Value } from './serde';
import type { AppInfo, RegisterArgs } from './types';

export type { StoredApp } from './records';

const apps = new StableBTreeMap<Principal, StoredApp>(MemoryId.apps, principalKey, appRecord);
const registrants = new StableBTreeMap<Principal, number>(MemoryId.registrants, principalKey, u32Value);

export function findApp(app: Principal): StoredApp | undefined {
    return apps.get(app);
}

/** The app's record; throws HandedOver for an app this upgrader handed over, else AppNotRegistered. */
export function requireApp(app: Principal): StoredApp {
    const found = apps.get(app);
    if (found !== undefined) return found;
    const handedOver = findHandOver(app);
    if (handedOver !== undefined) throw fail.handedOver(app, handedOver.successor);
    throw fail.notRegistered(app);
}

export function saveApp(app: StoredApp): void {
    apps.insert(app.info.app, app);
}

/** Forgets an app (its modules, proposals and audit entries are handled by their owners; its rehearsal credit stays with the upgrader). */
export function removeApp(app: Principal): void {
    forgetCredit(app);
    const removed = apps.remove(app);
    if (removed === undefined) return;
    const groupId = removed.info.group[0];
    const group = groupId === undefined ? undefined : apps.get(groupId);
    if (group === undefined) {
        countRegistrant(removed.info.registered_by, -1);
        return;
    }
    dropMember(group, app);
}


/** The app itself and its maintainers may propose an upgrade of the app. */
export function mayProposeUpgrade(app: StoredApp, caller: Principal): boolean {
    return principalEqual(app.info.app, caller) || isProposer(governing(app).info.policy, caller);
}

/** Only maintainers may propose a policy change (the recovery principal sets one directly). */
export function mayProposePolicy(app: StoredApp, caller: Principal): boolean {
    return isProposer(governing(app).info.policy, caller);
}

/** The app itself, its maintainers and its recovery principal may upload modules. */
export function mayUpload(app: StoredApp, caller: Principal): boolean {
    return mayProposeUpgrade(app, caller) || principalEqual(app.info.recovery, caller);
}

/**
 * Records the module the app runs, as the upgrader just saw it (registration, an execution's
 * check, a verified upgrade). The module it ran before joins `ran`, newest last, so a proposal
 * can tell a downgrade. Saves the record when something changed.
 */
export function noteRunning(appId: Principal, current: [] | [Uint8Array]): void {
    const app = findApp(appId);
    if (app === undefined) return;
    const before = app.running[0];
    const now = current[0];
    if (before !== undefined && now !== undefined && bytesEqual(before, now)) return;
    if (before === undefined && now === undefined) return;
    if (before !== undefined) {
        const ran = app.ran.filter((hash) => !bytesEqual(hash, before));
        ran.push(before);
        app.ran = ran.slice(Math.max(0, ran.length - MAX_RAN_MODULES_KEPT));
    }
    app.running = now === undefined ? [] : [Uint8Array.from(now)];
    saveApp(app);
}

/** Whether the app was seen running `hash` before the module it runs now. */
export function hasRun(app: StoredApp, hash: Uint8Array): boolean {
    return app.ran.some((h) => bytesEqual(h, hash));
}

/**
 * Registers `args.app`. The caller must be the app itself or one of its controllers; the
 * upgrader reads the controllers with canister_status, which only succeeds when the upgrader is
 * a controller, and the recovery principal must be one too.
 */
export async function register(caller: Principal, args: RegisterArgs): Promise<AppInfo> {
    return enrol(caller, args, undefined);
}

/**
 * Registers `args.app` on its own, or into `group` (its policy then is the group's, and it counts
 * against the group's members rather than the caller's quota). The checks are registration's.
 */
export async function enrol(caller: Principal, args: RegisterArgs, group: StoredApp | undefined): Promise<AppInfo> {
    if (caller.isAnonymous()) throw fail.unauthorized('the anonymous principal cannot register apps');
    if (args.recovery.isAnonymous()) throw fail.invalid('the recovery principal cannot be anonymous');
    if (principalEqual(args.app, canisterSelf())) throw fail.invalid('the upgrader cannot govern itself');
    if (isGroupPrincipal(args.app)) throw fail.invalid('a group is not an app: name a canister');
    checkRegistrable(caller, args.app, group);
    // Before the call: a caller that does not pay costs the upgrader no management call.
    const fee = settings().registrationFee;
    requirePayment(fee);

    let status: CanisterStatus;
    try {
        status = await canisterStatus(args.app);
    } catch (error) {
        if (error instanceof CallFailure) {
            throw fail.notController(`the upgrader must be a controller of the app (canister_status was rejected: ${error.rejectMessage})`);
        }
        throw error;
    }
    // State may have changed while we awaited: check again.
    const groupNow = group === undefined ? undefined : requireApp(group.info.app);
    checkRegistrable(caller, args.app, groupNow);
    const controllers = status.settings.controllers;
    const controls = (who: Principal): boolean => controllers.some((c) => principalEqual(c, who));
    // Refusals name no principal (each text costs ~0.7 M instructions); the caller knows them.
    if (!controls(canisterSelf())) throw fail.notController('the upgrader is not a controller of the app');
    if (!controls(args.recovery)) throw fail.notController('the recovery principal is not a controller of the app');
    if (!principalEqual(caller, args.app) && !controls(caller)) throw fail.unauthorized('only the app itself or one of its controllers may register it');
    // The policy is validated only for a caller entitled to register: a stranger's largest policy costs no validation.
    // A group's own policy was validated when it was set.
    if (group === undefined) {
        validatePolicy(args.policy);
        validateSnapshotPolicy(args.snapshot_policy);
    }

    const running = status.module_hash[0];
    const info = admit(caller, args, groupNow, running === undefined ? [] : [Uint8Array.from(running)]);
    collect(fee);
    return info;
}

/** Stores a new record (an app, a member, or a group itself), counts it against its quota and logs it. */
export function admit(caller: Principal, args: RegisterArgs, group: StoredApp | undefined, running: [] | [Uint8Array]): AppInfo {
    const info: AppInfo = {
        app: args.app,
        // A member follows its group's policy (governing, viewApp): its own record keeps no voters or proposers.
        policy: group === undefined ? args.policy : { ...args.policy, voters: [], proposers: [] },
        snapshot_policy: args.snapshot_policy,
        recovery: args.recovery,
        registered_by: caller,
        registered_at: time(),
        paused: false,
        live_proposal: [],
        snapshots: [],
        policy_version: group?.info.policy_version ?? 1,
        group: group === undefined ? [] : [group.info.app],
        members: 0
    };
    saveApp({ info, modules: [], running, ran: [] });
    if (group === undefined) {
        countRegistrant(caller, 1);
    } else {
        addMember(group.info.app, args.app, group.info.members);
        group.info.members += 1;
        saveApp(group);
        audit({ app: group.info.app, event: { joined_group: args.app }, actor: caller });
    }
    forgetHandOver(args.app);
    audit({ app: args.app, event: { registered: null }, actor: caller });
    if (group !== undefined) audit({ app: args.app, event: { joined_group: group.info.app }, actor: caller });
    return info;
}

/** A registrant's count of apps (and groups) it registered, changed by `delta`. */
function countRegistrant(registrant: Principal, delta: number): void {
    const count = (registrants.get(registrant) ?? 0) + delta;
    if (count <= 0) registrants.remove(registrant);
    else registrants.insert(registrant, count);
}

/**
 * Takes a member out of its group (it stays registered, on its own, under the group's policy as
 * it is now; it counts against its registrant's quota from then on).
 */
export function detachMember(member: StoredApp, group: StoredApp, actor: Principal): AppInfo {
    dropMember(group, member.info.app);
    member.info.group = [];
    member.info.policy = group.info.policy;
    member.info.snapshot_policy = group.info.snapshot_policy;
    member.info.policy_version = group.info.policy_version;
    saveApp(member);
    countRegistrant(member.info.registered_by, 1);
    audit({ app: group.info.app, event: { left_group: member.info.app }, actor });
    audit({ app: member.info.app, event: { left_group: group.info.app }, actor });
    return member.info;
}

/** Takes `app` out of the group's list and count. */
function dropMember(group: StoredApp, app: Principal): void {
    removeMember(group.info.app, app, group.info.members);
    group.info.members = Math.max(0, group.info.members - 1);
    saveApp(group);
}

/** Throws unless one more record fits: the app is new, the registry has room, and so do the caller's quota or the group. */
export function checkRegistrable(caller: Principal, app: Principal, group: StoredApp | undefined): void {
    if (apps.containsKey(app)) throw fail.alreadyRegistered(app);
    const maxApps = settings().maxApps;
    if (apps.len() >= maxApps) throw fail.quota(`the upgrader already governs ${maxApps} apps; an app whose upgrader is no longer its controller can be reaped to free its slot`);
    if (group !== undefined) {
        if (group.info.members >= MAX_GROUP_MEMBERS) throw fail.quota(`the group already holds ${MAX_GROUP_MEMBERS} apps`);
        return;
    }
    if ((registrants.get(caller) ?? 0) >= MAX_APPS_PER_REGISTRANT) throw fail.quota(`${caller.toText()} already registered ${MAX_APPS_PER_REGISTRANT} apps`);
}

/** The record whose policy governs `app`: its group's for a member, its own otherwise. */
export function governing(app: StoredApp): StoredApp {
    const group = app.info.group[0];
    return group === undefined ? app : (apps.get(group) ?? app);
}

/** An app's record as get_app shows it: a member's policy is its group's, as it is now. */
export function viewApp(app: StoredApp): AppInfo {
    const governor = governing(app);
    if (governor === app) return app.info;
    return { ...app.info, policy: governor.info.policy, snapshot_policy: governor.info.snapshot_policy, policy_version: governor.info.policy_version };
}
