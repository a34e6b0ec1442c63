/**
 * The executor's steps. Each makes its calls and reports which edge of the flow it took (flow.ts
 * holds the order: which step follows which edge); the driver (executor.ts) applies the report to
 * the persisted record if, after the call, the execution is still the driver's (same execution
 * id, same attempt).
 *
 * A step with two calls checks `fence` between them, so that a stale continuation never makes
 * the second call. Failures to send (CallNotSent: no cycles) and continuations run in the IC's
 * cleanup callback (ContinuationCleanup) are not the step's to handle: they go to the driver.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf } from 'azle';

import { findApp, governing } from './apps';
import { takeTrackedSnapshot } from './app-snapshot';
import { type EdgeOf, ERROR_EDGE, stepName, type StepName } from './flow';
import { addSuccessor, checkSuccessor, confirmSuccessor, removeSelf, removeSuccessor } from './hand-over-steps';
import * as ic from './management';
import {
    newRehearsal,
    rehearsalCheck,
    rehearsalCopy,
    rehearsalCreate,
    rehearsalDelete,
    rehearsalInstall,
    rehearsalLoad,
    rehearsalMetadata,
    rehearsalSnapshot,
    rehearsalStart
} from './rehearsal-steps';
import { readChunk, requireInstallable } from './modules';
import { fitsWithoutClearing, forgetStaged, recordStaged, stagedHashes } from './staging';
import { checkPrecondition, findProposal } from './proposals';
import { bytesEqual, toHex } from './serde';
import { installApproved, isDriverError, messageOf, type StepContext, type StepReport, stepError } from './step-support';
import type { Execution, Outcome, UpgradeRequest } from './types';

type StepFunction<S extends StepName> = (execution: Execution, context: StepContext) => Promise<StepReport<EdgeOf<S>>>;

/** Each step's function, by name (the order is flow.ts's). */
const STEP_FUNCTIONS: { readonly [S in Exclude<StepName, 'done'>]: StepFunction<S> } = {
    check: (execution) => check(execution),
    clear_chunk_store: (execution) => clearStore(execution),
    upload_chunk: (execution) => uploadChunk(execution, 'upload_chunk' in execution.step ? execution.step.upload_chunk : 0),
    stage_module: (execution, context) => stageModule(execution, context, 'stage_module' in execution.step ? execution.step.stage_module : 0),
    stop: (execution) => stop(execution),
    snapshot: (execution, context) => snapshot(execution, context),
    install: (execution, context) => install(execution, context),
    start: (execution) => start(execution),
    verify: (execution) => verify(execution),
    health_check: (execution, context) => healthCheck(execution, context),
    rollback_stop: (execution) => rollbackStop(execution),
    rollback_load: (execution) => rollbackLoad(execution),
    rollback_start: (execution) => rollbackStart(execution),
    cleanup: (execution) => cleanup(execution),
    check_successor: (execution, context) => checkSuccessor(execution, context),
    add_successor: (execution, context) => addSuccessor(execution, context),
    confirm_successor: (execution) => confirmSuccessor(execution),
    remove_self: (execution, context) => removeSelf(execution, context),
    remove_successor: (execution, context) => removeSuccessor(execution, context),
    rehearsal_create: (execution, context) => rehearsalCreate(execution, context),
    rehearsal_snapshot: (execution, context) => rehearsalSnapshot(execution, context),
    rehearsal_metadata: (execution, context) => rehearsalMetadata(execution, context),
    rehearsal_copy: (execution, context) => rehearsalCopy(execution, context, 'rehearsal_copy' in execution.step ? execution.step.rehearsal_copy : 0),
    rehearsal_load: (execution, context) => rehearsalLoad(execution, context),
    rehearsal_install: (execution, context) => rehearsalInstall(execution, context),
    rehearsal_start: (execution) => rehearsalStart(execution),
    rehearsal_check: (execution, context) => rehearsalCheck(execution, context),
    rehearsal_delete: (execution, context) => rehearsalDelete(execution, context)
};

/** Runs the record's step; an unexpected failure of its own logic is reported as ERROR_EDGE. */
export async function runStep(execution: Execution, context: StepContext): Promise<StepReport> {
    const name = stepName(execution.step);
    if (name === 'done') throw new Error('a finished execution has no step to run');
    try {
        return await STEP_FUNCTIONS[name](execution, context);
    } catch (error) {
        if (isDriverError(error)) throw error;
        return { edge: ERROR_EDGE, note: messageOf(error) };
    }
}

function upgradeOf(execution: Execution): UpgradeRequest | undefined {
    return 'upgrade' in execution.kind ? execution.kind.upgrade : undefined;
}

/** The text of an outcome, for building a later one on it. */
function outcomeText(outcome: Outcome | undefined): string | undefined {
    if (outcome === undefined) return undefined;
    const [name, value] = Object.entries(outcome)[0] ?? ['?', null];
    return typeof value === 'string' ? `${name}: ${value}` : name;
}

/** check: the app is registered and not paused, the module is installable, the upgrader controls the app. */
async function check(execution: Execution): Promise<StepReport<EdgeOf<'check'>>> {
    const abort = (note: string): StepReport<'aborted'> => ({ edge: 'aborted', note });
    const app = findApp(execution.app);
    if (app === undefined) return abort('the app is no longer registered');
    const proposal = findProposal(execution.proposal_id);
    if (app.info.paused && proposal?.emergency !== true) return abort("the app's upgrades are paused by its recovery principal");
    const upgrade = upgradeOf(execution);
    if (upgrade !== undefined) {
        try {
            requireInstallable(moduleOwner(execution), upgrade.module_hash);
        } catch (error) {
            return abort(messageOf(error));
        }
    }
    let status: ic.CanisterStatus;
    try {
        status = await ic.canisterStatus(execution.app);
    } catch (error) {
        return abort(`the upgrader cannot read the app's status; is it still a controller? ${stepError(error)}`);
    }
    const precondition = checkPrecondition(execution, status.module_hash[0]);
    if (precondition !== undefined) return { edge: 'precondition', note: precondition };
    const wasRunning = 'running' in status.status;
    const rehearse = upgrade !== undefined && governing(app).info.snapshot_policy.rehearse;
    return {
        edge: 'ok',
        update: (e) => {
            e.was_running = wasRunning;
            e.rehearsal = rehearse ? [newRehearsal()] : [];
        }
    };
}

/** Whose module store holds the execution's module: the group's for a member in a rollout, the app's otherwise. */
function moduleOwner(execution: Execution): Principal {
    return execution.rollout[0]?.group ?? execution.app;
}

/**
 * stage_module(i): chunk i of a group's module into the upgrader's own chunk store, unless an
 * earlier member staged it. Before the first chunk of a module that does not fit, the store is
 * cleared, only when no other member may be using it (staging.ts); otherwise the member waits.
 */
async function stageModule(execution: Execution, context: StepContext, index: number): Promise<StepReport<EdgeOf<'stage_module'>>> {
    const upgrade = upgradeOf(execution);
    const owner = execution.rollout[0]?.group;
    if (upgrade === undefined || owner === undefined) return { edge: 'failed', note: 'only a group member stages its module in the upgrader store' };
    const module = requireInstallable(owner, upgrade.module_hash);
    const staged = stagedHashes(owner, upgrade.module_hash);
    const last = module.chunks_expected - 1;
    if (staged.length >= module.chunks_expected) return { edge: 'ok' };
    if (index < staged.length) return { edge: index >= last ? 'ok' : 'more' };
    if (staged.length === 0 && !fitsWithoutClearing(module.chunks_expected)) {
        if (context.othersUseStore()) return { edge: 'busy', note: "the upgrader's chunk store is full and other members may be installing from it: waiting for them to end" };
        forgetStaged();
        try {
            await ic.clearChunkStore(canisterSelf());
        } catch (error) {
            return { edge: 'failed', note: `clearing the upgrader's chunk store failed: ${stepError(error)}` };
        }
        context.fence();
    }
    const chunk = readChunk(owner, upgrade.module_hash, index);
    if (chunk === undefined) return { edge: 'failed', note: `chunk ${index} of module ${toHex(upgrade.module_hash)} is missing from the store` };
    let hash: Uint8Array;
    try {
        hash = await ic.uploadChunk(canisterSelf(), chunk);
    } catch (error) {
        return { edge: 'failed', note: `staging chunk ${index} in the upgrader's chunk store failed: ${stepError(error)}` };
    }
    // A fact about the store, true whoever drives: recorded even if this driver is fenced out next.
    recordStaged(owner, upgrade.module_hash, index, hash);
    return { edge: index >= last ? 'ok' : 'more' };
}

/** clear_chunk_store: the app's chunk store is the staging area of the upload; start it empty. */
async function clearStore(execution: Execution): Promise<StepReport<EdgeOf<'clear_chunk_store'>>> {
    try {
        await ic.clearChunkStore(execution.app);
    } catch (error) {
        return { edge: 'failed', note: stepError(error) };
    }
    return { edge: 'ok', update: (e) => (e.chunk_hashes = []) };
}

/** upload_chunk(i): one chunk from stable memory to the app's chunk store; the IC returns its hash. */
async function uploadChunk(execution: Execution, index: number): Promise<StepReport<EdgeOf<'upload_chunk'>>> {
    const upgrade = upgradeOf(execution);
    if (upgrade === undefined) return { edge: 'skipped' };
    const owner = moduleOwner(execution);
    const module = requireInstallable(owner, upgrade.module_hash);
    const chunk = readChunk(owner, upgrade.module_hash, index);
    if (chunk === undefined) return { edge: 'failed', note: `chunk ${index} of module ${toHex(upgrade.module_hash)} is missing from the store` };
    let hash: Uint8Array;
    try {
        hash = await ic.uploadChunk(execution.app, chunk);
    } catch (error) {
        return { edge: 'failed', note: stepError(error) };
    }
    return {
        edge: index + 1 >= module.chunks_expected ? 'ok' : 'more',
        update: (e) => (e.chunk_hashes = [...e.chunk_hashes.slice(0, index), hash])
    };
}

/** stop: waits until the app has no open call contexts; the IC gives up after its stop timeout. */
async function stop(execution: Execution): Promise<StepReport<EdgeOf<'stop'>>> {
    try {
        await ic.stopCanister(execution.app);
    } catch (error) {
        return { edge: 'failed', note: `the app did not stop: ${stepError(error)}` };
    }
    return { edge: 'ok' };
}

/** snapshot: a snapshot of the stopped app, to roll back to (app-snapshot.ts says which it replaces). */
async function snapshot(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'snapshot'>>> {
    let id: Uint8Array;
    try {
        id = await takeTrackedSnapshot(execution, context, false);
    } catch (error) {
        return { edge: 'failed', note: stepError(error) };
    }
    return { edge: 'ok', update: (e) => (e.snapshot_id = [id]) };
}

/** install: install_chunked_code in upgrade mode; the IC checks the module hash and runs the hooks. */
async function install(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'install'>>> {
    const upgrade = upgradeOf(execution);
    if (upgrade === undefined) return { edge: 'ok' };
    if (context.resumed) {
        // The previous attempt's response never arrived here: did the install happen?
        const status = await ic.canisterStatus(execution.app);
        context.fence();
        const current = status.module_hash[0];
        if (current !== undefined && bytesEqual(current, upgrade.module_hash)) return { edge: 'ok' };
    }
    const failure = await installApproved(execution, upgrade, execution.app);
    if (failure === undefined) return { edge: 'ok' };
    const part = execution.rollout[0];
    if (part !== undefined && !part.app_store) {
        return { edge: 'failed', note: `installing from the upgrader's chunk store failed (${failure}); trying from the member's own chunk store`, update: (e) => (e.rollout = [{ ...part, app_store: true }]) };
    }
    return { edge: 'failed', note: failure };
}

/**
 * start: only if the app was running before. A refused start is retried (the flow says how
 * often); its text says what the app is left with if the retries run out.
 */
async function start(execution: Execution): Promise<StepReport<EdgeOf<'start'>>> {
    if (!execution.was_running) return { edge: 'ok' };
    try {
        await ic.startCanister(execution.app);
    } catch (error) {
        const note = `the app could not be started again: ${stepError(error)}`;
        const before = outcomeText(execution.failure[0]);
        const installed = execution.failure.length > 0 ? 'on its old module' : 'on the new module, unverified';
        const text = `${before === undefined ? '' : `${before}; then `}${note}; it is stopped ${installed}: its recovery principal must start it`;
        return { edge: 'refused', note, text };
    }
    return { edge: 'ok' };
}

/** verify: the app's module hash, as the IC reports it, is the approved one. */
async function verify(execution: Execution): Promise<StepReport<EdgeOf<'verify'>>> {
    const upgrade = upgradeOf(execution);
    if (upgrade === undefined) return { edge: 'skipped' };
    let status: ic.CanisterStatus;
    try {
        status = await ic.canisterStatus(execution.app);
    } catch (error) {
        return { edge: 'failed', note: `canister_status failed: ${stepError(error)}` };
    }
    const current = status.module_hash[0];
    if (current === undefined || !bytesEqual(current, upgrade.module_hash)) {
        return { edge: 'failed', note: `the app runs module ${current === undefined ? 'none' : toHex(current)}, not ${toHex(upgrade.module_hash)}` };
    }
    return { edge: 'ok' };
}

/**
 * health_check: the policy's health method must answer true (skipped when none, or the app is
 * stopped). It is the one call to app code: an app that never answers would hold the execution
 * forever, so a health check still unanswered when the lease ran out counts as failed.
 */
async function healthCheck(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'health_check'>>> {
    const app = findApp(execution.app);
    const method = app === undefined ? undefined : governing(app).info.policy.health_check[0];
    if (method === undefined || !execution.was_running) return { edge: 'ok' };
    if (context.resumed) return { edge: 'failed', note: `health check ${method} did not answer before the lease ran out` };
    let healthy: boolean;
    try {
        healthy = await ic.healthCheck(execution.app, method);
    } catch (error) {
        return { edge: 'failed', note: `health check ${method} failed: ${stepError(error)}` };
    }
    return healthy ? { edge: 'ok' } : { edge: 'failed', note: `health check ${method} answered false` };
}

function snapshotToLoad(execution: Execution): Uint8Array | undefined {
    return 'restore' in execution.kind ? execution.kind.restore : execution.snapshot_id[0];
}

/** A rollback step failed: the note carries the verification failure that led to the rollback. */
function rollbackFailed(execution: Execution, what: string, message: string): StepReport<'failed'> {
    const before = execution.failure[0];
    const reason = before !== undefined && 'rolled_back' in before ? `${before.rolled_back}; ` : '';
    return { edge: 'failed', note: `${reason}${what}: ${message}` };
}

/** rollback_stop: stop the app to load the snapshot. */
async function rollbackStop(execution: Execution): Promise<StepReport<EdgeOf<'rollback_stop'>>> {
    try {
        await ic.stopCanister(execution.app);
    } catch (error) {
        return rollbackFailed(execution, 'stopping the app to load the snapshot failed', stepError(error));
    }
    return { edge: 'ok' };
}

/** rollback_load: load the snapshot (module, memories and chunk store as they were). */
async function rollbackLoad(execution: Execution): Promise<StepReport<EdgeOf<'rollback_load'>>> {
    const id = snapshotToLoad(execution);
    if (id === undefined) return rollbackFailed(execution, 'no snapshot to load', 'none was taken');
    try {
        await ic.loadSnapshot(execution.app, id);
    } catch (error) {
        return rollbackFailed(execution, 'loading the snapshot failed', stepError(error));
    }
    return { edge: 'ok' };
}

/** rollback_start: start the app again if it was running before (retried as `start` is). */
async function rollbackStart(execution: Execution): Promise<StepReport<EdgeOf<'rollback_start'>>> {
    if (!execution.was_running) return { edge: 'ok' };
    try {
        await ic.startCanister(execution.app);
    } catch (error) {
        const note = `the snapshot was loaded but the app could not be started: ${stepError(error)}`;
        return { edge: 'refused', note, text: `${note}; it is stopped on its old module and state: its recovery principal must start it` };
    }
    return { edge: 'ok' };
}

/** cleanup: empty the app's chunk store again (best effort: a failure changes no outcome). */
async function cleanup(execution: Execution): Promise<StepReport<EdgeOf<'cleanup'>>> {
    if ('restore' in execution.kind || (execution.rollout[0] !== undefined && !execution.rollout[0].app_store)) return { edge: 'ok' };
    try {
        await ic.clearChunkStore(execution.app);
    } catch (error) {
        return { edge: 'failed', note: `clearing the chunk store failed: ${stepError(error)}` };
    }
    return { edge: 'ok' };
}
