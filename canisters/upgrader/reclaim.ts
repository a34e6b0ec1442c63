/**
 * Reclaiming modules: deletion on request, and stale modules: a module that no live proposal uses is removed MODULE_TTL_SECONDS
 * after its creation. The sweep looks at SWEEP_BATCH modules per call from a persisted cursor
 * and runs before every module creation, so the store cleans itself as it is used, in bounded
 * work per message.
 */
import { time } from 'azle';

import { findApp } from './apps';
import { MODULE_TTL_SECONDS, NANOS_PER_SECOND, SWEEP_BATCH } from './limits';
import { getCounter, MetaKey, setCounter } from './meta';
import { deleteModule, modulePage, reclaim } from './modules';
import { liveProposal } from './proposals';
import type { Principal } from '@dfinity/principal';

import { bytesEqual } from './serde';
import type { ModuleInfo, ModuleRef } from './types';

/** The live proposal that installs this module, after settling the app's expiry. */
function liveUserOf(module: Pick<ModuleInfo, 'app' | 'hash'>): bigint | undefined {
    const app = findApp(module.app);
    const live = app === undefined ? undefined : liveProposal(app);
    return live !== undefined && 'upgrade' in live.action && bytesEqual(live.action.upgrade.module_hash, module.hash) ? live.id : undefined;
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
