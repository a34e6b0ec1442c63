/**
 * The registry of apps: registration (after checking with the management canister that the
 * upgrader and the recovery principal both control the app, and taking the registration fee)
 * and each app's stored record, including the modules it was seen running.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf, StableBTreeMap, time } from 'azle';

import { audit } from './audit';
import { CallFailure, fail } from './errors';
import { findHandOver, forgetHandOver } from './handed-over';
import { MAX_APPS_PER_REGISTRANT, MAX_RAN_MODULES_KEPT } from './limits';
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
    const registrant = removed.info.registered_by;
    const count = registrants.get(registrant) ?? 0;
    if (count <= 1) registrants.remove(registrant);
    else registrants.insert(registrant, count - 1);
}


/** The app itself and its maintainers may propose an upgrade of the app. */
export function mayProposeUpgrade(app: StoredApp, caller: Principal): boolean {
    return principalEqual(app.info.app, caller) || isProposer(app.info.policy, caller);
}

/** Only maintainers may propose a policy change (the recovery principal sets one directly). */
export function mayProposePolicy(app: StoredApp, caller: Principal): boolean {
    return isProposer(app.info.policy, caller);
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
    if (caller.isAnonymous()) throw fail.unauthorized('the anonymous principal cannot register apps');
    if (args.recovery.isAnonymous()) throw fail.invalid('the recovery principal cannot be anonymous');
    if (principalEqual(args.app, canisterSelf())) throw fail.invalid('the upgrader cannot govern itself');
    checkRegistrable(caller, args.app);
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
    checkRegistrable(caller, args.app);
    const controllers = status.settings.controllers;
    const controls = (who: Principal): boolean => controllers.some((c) => principalEqual(c, who));
    // Refusals name no principal (each text costs ~0.7 M instructions); the caller knows them.
    if (!controls(canisterSelf())) throw fail.notController('the upgrader is not a controller of the app');
    if (!controls(args.recovery)) throw fail.notController('the recovery principal is not a controller of the app');
    if (!principalEqual(caller, args.app) && !controls(caller)) throw fail.unauthorized('only the app itself or one of its controllers may register it');
    // The policy is validated only for a caller entitled to register: a stranger's largest policy costs no validation.
    validatePolicy(args.policy);
    validateSnapshotPolicy(args.snapshot_policy);

    const info: AppInfo = {
        app: args.app,
        policy: args.policy,
        snapshot_policy: args.snapshot_policy,
        recovery: args.recovery,
        registered_by: caller,
        registered_at: time(),
        paused: false,
        live_proposal: [],
        snapshots: [],
        policy_version: 1
    };
    const running = status.module_hash[0];
    saveApp({ info, modules: [], running: running === undefined ? [] : [Uint8Array.from(running)], ran: [] });
    registrants.insert(caller, (registrants.get(caller) ?? 0) + 1);
    forgetHandOver(args.app);
    audit({ app: args.app, event: { registered: null }, actor: caller });
    collect(fee);
    return info;
}

function checkRegistrable(caller: Principal, app: Principal): void {
    if (apps.containsKey(app)) throw fail.alreadyRegistered(app);
    const maxApps = settings().maxApps;
    if (apps.len() >= maxApps) throw fail.quota(`the upgrader already governs ${maxApps} apps; an app whose upgrader is no longer its controller can be reaped to free its slot`);
    if ((registrants.get(caller) ?? 0) >= MAX_APPS_PER_REGISTRANT) throw fail.quota(`${caller.toText()} already registered ${MAX_APPS_PER_REGISTRANT} apps`);
}
