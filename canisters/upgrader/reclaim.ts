/**
 * Reclaiming: modules deleted on request; stale modules (a module that no live proposal uses is
 * removed MODULE_TTL_SECONDS after its creation: the sweep looks at SWEEP_BATCH modules per call
 * from a persisted cursor and runs before every module creation, so the store cleans itself as
 * it is used, in bounded work per message); and whole apps the upgrader no longer controls
 * (`reap`, which anyone may call).
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf, time } from 'azle';

import { findApp, removeApp, requireApp } from './apps';
import { isGroupPrincipal } from './group-id';
import { audit } from './audit';
import { CallFailure, fail } from './errors';
import { findExecution } from './executor';
import { MODULE_TTL_SECONDS, NANOS_PER_SECOND, SWEEP_BATCH } from './limits';
import { canisterInfo, type CanisterInfo } from './management';
import { getCounter, MetaKey, setCounter } from './meta';
import { deleteModule, modulePage, reclaim, reclaimAll } from './modules';
import { liveProposal, setStatus } from './proposals';
import { bytesEqual, principalEqual } from './serde';
import type { ModuleInfo, ModuleRef } from './types';

/** The live proposal that installs this module, after settling the app's expiry. */
function liveUserOf(module: Pick<ModuleInfo, 'app' | 'hash'>): bigint | undefined {
    const app = findApp(module.app);
    const live = app === undefined ? undefined : liveProposal(app);
    const installs = live === undefined ? undefined : 'upgrade' in live.action ? live.action.upgrade : 'rollout' in live.action ? live.action.rollout.upgrade : undefined;
    return live !== undefined && installs !== undefined && bytesEqual(installs.module_hash, module.hash) ? live.id : undefined;
}

/** `delete_module`: refused while a live proposal installs the module. */
export function deleteUnusedModule(caller: Principal, ref: ModuleRef): void {
    deleteModule(caller, ref, liveUserOf(ref));
}

export function sweepModules(batch: number = SWEEP_BATCH): void {
    const { page, next } = modulePage(Number(getCounter(MetaKey.sweepCursor)), batch);
    setCounter(MetaKey.sweepCursor, BigInt(next));
    const deadline = time() - MODULE_TTL_SECONDS * NANOS_PER_SECOND;
    for (const info of page) {
        if (info.created_at > deadline) continue;
        // An expired proposal is settled first, so its module is free to go.
        if (liveUserOf(info) !== undefined) continue;
        reclaim(info.app, info.hash);
    }
}

/**
 * `reap`: anyone may make the upgrader forget an app it no longer controls, freeing its registry
 * slot and its modules. canister_info (which any canister may call) must show that the upgrader
 * is not among the app's controllers; a failed call proves nothing and reaps nothing. Refused
 * while an execution is live (it ends by itself: its check step fails without control).
 */
export async function reap(caller: Principal, appId: Principal): Promise<void> {
    if (isGroupPrincipal(appId)) throw fail.invalid('a group is no canister, so it cannot be reaped: its recovery principal dissolves it with eject once it is empty');
    const registeredAt = requireApp(appId).info.registered_at;
    requireNoExecution(appId);
    let info: CanisterInfo;
    try {
        info = await canisterInfo(appId);
    } catch (error) {
        if (error instanceof CallFailure) throw fail.call(error);
        throw error;
    }
    if (info.controllers.some((c) => principalEqual(c, canisterSelf()))) {
        throw fail.invalid(`the upgrader still controls ${appId.toText()}, so it cannot be reaped; its recovery principal may eject the upgrader`);
    }
    // State may have changed while we awaited: the same registration, still idle.
    const app = findApp(appId);
    if (app === undefined) return;
    if (app.info.registered_at !== registeredAt) throw fail.invalid(`${appId.toText()} was registered again meanwhile; call reap again to check the new registration`);
    requireNoExecution(appId);
    const live = liveProposal(app);
    if (live !== undefined) setStatus(live, { cancelled: 'the app was reaped: the upgrader no longer controls it' }, caller);
    audit({ app: appId, event: { reaped: null }, actor: caller });
    reclaimAll(requireApp(appId));
    removeApp(appId);
}

function requireNoExecution(appId: Principal): void {
    const execution = findExecution(appId);
    if (execution !== undefined) throw fail.proposalInProgress(execution.proposal_id);
}
