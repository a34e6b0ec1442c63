/**
 * The executor's steps (see executor.ts for the order and the driver). Each step makes its calls
 * and returns a Transition; the driver applies it to the persisted record if, after the call,
 * the execution is still the driver's (same execution id, same attempt).
 *
 * A step with two calls checks `fence` between them, so that a stale continuation never makes
 * the second call. Failures to send (CallNotSent: no cycles) and continuations run in the IC's
 * cleanup callback (ContinuationCleanup) are not the step's to handle: they go to the driver.
 */
import { findApp, requireApp, saveApp } from './apps';
import { CallFailure, describeError, Failure, unreachable } from './errors';
import { MAX_START_RETRIES } from './limits';
import * as ic from './management';
import { markRejected, readChunk, requireInstallable } from './modules';
import { checkPrecondition, findProposal } from './proposals';
import { bytesEqual, toHex } from './serde';
import type { Execution, Outcome, Step, UpgradeRequest } from './types';

export type Transition = {
    next: Step;
    /** The outcome to report, if nothing failed earlier. */
    failure?: Outcome;
    /** Replaces an earlier failure (a rollback that failed too, an app left stopped). */
    replaceFailure?: Outcome;
    /** Logged as step_failed. */
    failureNote?: string;
    /** Stay at this step and let the watchdog try it again later (the reason is kept on the record). */
    retryLater?: string;
    update?: (execution: Execution) => void;
};

/** What a step gets besides the record: whether it was resumed, and the fence between calls. */
export type StepContext = {
    /** An earlier driver's call for this step was in flight and never completed here. */
    resumed: boolean;
    /** Throws Fenced when the execution is no longer this driver's. */
    fence: () => void;
};

/** Thrown by `fence`: another driver (or another execution) owns the record now. */
export class Fenced extends Error {
    override readonly name = 'Fenced';
}

export const STEP = {
    check: { check: null },
    clearChunkStore: { clear_chunk_store: null },
    stop: { stop: null },
    snapshot: { snapshot: null },
    install: { install: null },
    start: { start: null },
    verify: { verify: null },
    healthCheck: { health_check: null },
    rollbackStop: { rollback_stop: null },
    rollbackLoad: { rollback_load: null },
    rollbackStart: { rollback_start: null },
    cleanup: { cleanup: null },
    done: { done: null }
} as const satisfies Record<string, Step>;

/** Errors a step passes on to the driver instead of turning them into an outcome. */
function isDriverError(error: unknown): boolean {
    return error instanceof ic.CallNotSent || error instanceof ic.ContinuationCleanup || error instanceof Fenced;
}

export async function runStep(execution: Execution, context: StepContext): Promise<Transition> {
    const step = execution.step;
    try {
        if ('check' in step) return await check(execution);
        if ('clear_chunk_store' in step) return await clearStore(execution);
        if ('upload_chunk' in step) return await uploadChunk(execution, step.upload_chunk);
        if ('stop' in step) return await stop(execution);
        if ('snapshot' in step) return await snapshot(execution, context);
        if ('install' in step) return await install(execution, context);
        if ('start' in step) return await start(execution);
        if ('verify' in step) return await verify(execution);
        if ('health_check' in step) return await healthCheck(execution, context);
        if ('rollback_stop' in step) return await rollbackStop(execution);
        if ('rollback_load' in step) return await rollbackLoad(execution);
        if ('rollback_start' in step) return await rollbackStart(execution);
        if ('cleanup' in step) return await cleanup(execution);
        if ('done' in step) return { next: STEP.done };
        return unreachable(step);
    } catch (error) {
        if (isDriverError(error)) throw error;
        // An unexpected failure in a step's own logic: end safely, restarting the app if needed.
        const message = messageOf(error);
        return { next: execution.was_running ? STEP.start : STEP.cleanup, failure: { aborted: message }, failureNote: message };
    }
}

function upgradeOf(execution: Execution): UpgradeRequest | undefined {
    return 'upgrade' in execution.kind ? execution.kind.upgrade : undefined;
}

function messageOf(error: unknown): string {
    if (error instanceof CallFailure) return error.message;
    if (error instanceof Failure) return describeError(error.error);
    return error instanceof Error ? error.message : String(error);
}

/** Rethrows what belongs to the driver; otherwise the error is the step's to report. */
function stepError(error: unknown): string {
    if (isDriverError(error)) throw error;
    return messageOf(error);
}

/** The text of an outcome, for building a later one on it. */
function outcomeText(outcome: Outcome | undefined): string | undefined {
    if (outcome === undefined) return undefined;
    const [name, value] = Object.entries(outcome)[0] ?? ['?', null];
    return typeof value === 'string' ? `${name}: ${value}` : name;
}

/** check: the app is registered and not paused, the module is installable, the upgrader controls the app. */
async function check(execution: Execution): Promise<Transition> {
    const abort = (reason: string): Transition => ({ next: STEP.done, failure: { aborted: reason }, failureNote: reason });
    const app = findApp(execution.app);
    if (app === undefined) return abort('the app is no longer registered');
    const proposal = findProposal(execution.proposal_id);
    if (app.info.paused && proposal?.emergency !== true) return abort("the app's upgrades are paused by its recovery principal");
    const upgrade = upgradeOf(execution);
    if (upgrade !== undefined) {
        try {
            requireInstallable(execution.app, upgrade.module_hash);
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
    if (precondition !== undefined) return { next: STEP.done, failure: { precondition_failed: precondition }, failureNote: precondition };
    const wasRunning = 'running' in status.status;
    return { next: upgrade !== undefined ? STEP.clearChunkStore : STEP.rollbackStop, update: (e) => (e.was_running = wasRunning) };
}

/** clear_chunk_store: the app's chunk store is the staging area of the upload; start it empty. */
async function clearStore(execution: Execution): Promise<Transition> {
    try {
        await ic.clearChunkStore(execution.app);
    } catch (error) {
        const note = stepError(error);
        return { next: STEP.cleanup, failure: { upload_failed: note }, failureNote: note };
    }
    return { next: { upload_chunk: 0 }, update: (e) => (e.chunk_hashes = []) };
}

/** upload_chunk(i): one chunk from stable memory to the app's chunk store; the IC returns its hash. */
async function uploadChunk(execution: Execution, index: number): Promise<Transition> {
    const upgrade = upgradeOf(execution);
    if (upgrade === undefined) return { next: STEP.cleanup };
    const module = requireInstallable(execution.app, upgrade.module_hash);
    const chunk = readChunk(execution.app, upgrade.module_hash, index);
    if (chunk === undefined) {
        const note = `chunk ${index} of module ${toHex(upgrade.module_hash)} is missing from the store`;
        return { next: STEP.cleanup, failure: { upload_failed: note }, failureNote: note };
    }
    let hash: Uint8Array;
    try {
        hash = await ic.uploadChunk(execution.app, chunk);
    } catch (error) {
        const note = stepError(error);
        return { next: STEP.cleanup, failure: { upload_failed: note }, failureNote: note };
    }
    const last = index + 1 >= module.chunks_expected;
    return {
        next: last ? STEP.stop : { upload_chunk: index + 1 },
        update: (e) => (e.chunk_hashes = [...e.chunk_hashes.slice(0, index), hash])
    };
}

/** stop: waits until the app has no open call contexts; the IC gives up after its stop timeout. */
async function stop(execution: Execution): Promise<Transition> {
    try {
        await ic.stopCanister(execution.app);
    } catch (error) {
        const note = `the app did not stop: ${stepError(error)}`;
        return { next: STEP.start, failure: { stuck_stopping: note }, failureNote: note };
    }
    const upgrade = upgradeOf(execution);
    return { next: upgrade?.options.take_snapshot === true ? STEP.snapshot : STEP.install };
}

/**
 * snapshot: first reconciles the snapshots the upgrader remembers with those the IC lists (one
 * deleted out of band is forgotten, never named for replacement), then takes one, replacing the
 * oldest of the upgrader's once the policy's `keep` is reached.
 */
async function snapshot(execution: Execution, context: StepContext): Promise<Transition> {
    const failed = (error: unknown): Transition => {
        const note = stepError(error);
        return { next: STEP.start, failure: { snapshot_failed: note }, failureNote: note };
    };
    let existing: Uint8Array[];
    try {
        existing = await ic.listSnapshots(execution.app);
    } catch (error) {
        return failed(error);
    }
    context.fence();
    const app = requireApp(execution.app);
    const keep = app.info.snapshot_policy.keep;
    const ours = app.info.snapshots.filter((s) => existing.some((id) => bytesEqual(id, s.id)));
    if (ours.length !== app.info.snapshots.length) {
        app.info.snapshots = ours;
        saveApp(app);
    }
    const replace = ours.length >= keep ? ours[0]?.id : undefined;
    let taken: { id: Uint8Array; takenAt: bigint };
    try {
        taken = await ic.takeSnapshot(execution.app, replace);
    } catch (error) {
        return failed(error);
    }
    context.fence();
    const fresh = findApp(execution.app);
    if (fresh !== undefined) {
        const kept = fresh.info.snapshots.filter((s) => replace === undefined || !bytesEqual(s.id, replace));
        kept.push({ id: taken.id, taken_at: taken.takenAt, proposal_id: execution.proposal_id });
        fresh.info.snapshots = kept.slice(Math.max(0, kept.length - Math.max(keep, 1)));
        saveApp(fresh);
    }
    return { next: STEP.install, update: (e) => (e.snapshot_id = [taken.id]) };
}

/** install: install_chunked_code in upgrade mode; the IC checks the module hash and runs the hooks. */
async function install(execution: Execution, context: StepContext): Promise<Transition> {
    const upgrade = upgradeOf(execution);
    if (upgrade === undefined) return { next: STEP.start };
    if (context.resumed) {
        // The previous attempt's response never arrived here: did the install happen?
        const status = await ic.canisterStatus(execution.app);
        context.fence();
        const current = status.module_hash[0];
        if (current !== undefined && bytesEqual(current, upgrade.module_hash)) return { next: STEP.start };
    }
    try {
        await ic.installChunkedUpgrade({
            target: execution.app,
            chunkHashes: execution.chunk_hashes,
            moduleHash: upgrade.module_hash,
            arg: upgrade.arg,
            skipPreUpgrade: upgrade.options.skip_pre_upgrade,
            wasmMemoryPersistence: upgrade.options.wasm_memory_persistence
        });
    } catch (error) {
        const message = stepError(error);
        // Decided from the reject code and the IC's own words, never from text the app controls.
        if (ic.isHashMismatch(error)) markRejected(execution.app, upgrade.module_hash);
        return { next: STEP.start, failure: { install_failed: message }, failureNote: message };
    }
    return { next: STEP.start };
}

/**
 * start: only if the app was running before. A refused start is retried (by the watchdog) up to
 * MAX_START_RETRIES times before the app is reported left stopped; a start that cannot be sent
 * for lack of cycles waits for them with no limit (the driver keeps it at this step).
 */
async function start(execution: Execution): Promise<Transition> {
    const failed = execution.failure.length > 0;
    const next = failed ? STEP.cleanup : STEP.verify;
    if (!execution.was_running) return { next };
    try {
        await ic.startCanister(execution.app);
    } catch (error) {
        const note = `the app could not be started again: ${stepError(error)}`;
        if (execution.retries + 1 < MAX_START_RETRIES) return { next: STEP.start, retryLater: note, failureNote: note };
        const before = outcomeText(execution.failure[0]);
        const installed = failed ? 'on its old module' : 'on the new module, unverified';
        const text = `${before === undefined ? '' : `${before}; then `}${note}; it is stopped ${installed}: its recovery principal must start it`;
        return { next: STEP.cleanup, replaceFailure: { start_failed: text }, failureNote: note };
    }
    return { next };
}

function verificationFailed(execution: Execution, reason: string): Transition {
    if (execution.snapshot_id.length > 0) return { next: STEP.rollbackStop, failure: { rolled_back: reason }, failureNote: reason };
    return { next: STEP.cleanup, failure: { verification_failed: reason }, failureNote: reason };
}

/** verify: the app's module hash, as the IC reports it, is the approved one. */
async function verify(execution: Execution): Promise<Transition> {
    const upgrade = upgradeOf(execution);
    if (upgrade === undefined) return { next: STEP.cleanup };
    let status: ic.CanisterStatus;
    try {
        status = await ic.canisterStatus(execution.app);
    } catch (error) {
        return verificationFailed(execution, `canister_status failed: ${stepError(error)}`);
    }
    const current = status.module_hash[0];
    if (current === undefined || !bytesEqual(current, upgrade.module_hash)) {
        return verificationFailed(execution, `the app runs module ${current === undefined ? 'none' : toHex(current)}, not ${toHex(upgrade.module_hash)}`);
    }
    return { next: STEP.healthCheck };
}

/**
 * health_check: the policy's health method must answer true (skipped when none, or the app is
 * stopped). It is the one call to app code: an app that never answers would hold the execution
 * forever, so a health check still unanswered when the lease ran out counts as failed.
 */
async function healthCheck(execution: Execution, context: StepContext): Promise<Transition> {
    const method = findApp(execution.app)?.info.policy.health_check[0];
    if (method === undefined || !execution.was_running) return { next: STEP.cleanup };
    if (context.resumed) return verificationFailed(execution, `health check ${method} did not answer before the lease ran out`);
    let healthy: boolean;
    try {
        healthy = await ic.healthCheck(execution.app, method);
    } catch (error) {
        return verificationFailed(execution, `health check ${method} failed: ${stepError(error)}`);
    }
    return healthy ? { next: STEP.cleanup } : verificationFailed(execution, `health check ${method} answered false`);
}

function snapshotToLoad(execution: Execution): Uint8Array | undefined {
    return 'restore' in execution.kind ? execution.kind.restore : execution.snapshot_id[0];
}

function rollbackFailed(execution: Execution, what: string, message: string): Transition {
    const before = execution.failure[0];
    const reason = before !== undefined && 'rolled_back' in before ? `${before.rolled_back}; ` : '';
    const note = `${reason}${what}: ${message}`;
    return { next: STEP.start, replaceFailure: { rollback_failed: note }, failureNote: note };
}

/** rollback_stop: stop the app to load the snapshot. */
async function rollbackStop(execution: Execution): Promise<Transition> {
    try {
        await ic.stopCanister(execution.app);
    } catch (error) {
        return rollbackFailed(execution, 'stopping the app to load the snapshot failed', stepError(error));
    }
    return { next: STEP.rollbackLoad };
}

/** rollback_load: load the snapshot (module, memories and chunk store as they were). */
async function rollbackLoad(execution: Execution): Promise<Transition> {
    const id = snapshotToLoad(execution);
    if (id === undefined) return rollbackFailed(execution, 'no snapshot to load', 'none was taken');
    try {
        await ic.loadSnapshot(execution.app, id);
    } catch (error) {
        return rollbackFailed(execution, 'loading the snapshot failed', stepError(error));
    }
    return { next: STEP.rollbackStart };
}

/** rollback_start: start the app again if it was running before (retried as `start` is). */
async function rollbackStart(execution: Execution): Promise<Transition> {
    const next = 'restore' in execution.kind ? STEP.done : STEP.cleanup;
    if (!execution.was_running) return { next };
    try {
        await ic.startCanister(execution.app);
    } catch (error) {
        const note = `the snapshot was loaded but the app could not be started: ${stepError(error)}`;
        if (execution.retries + 1 < MAX_START_RETRIES) return { next: STEP.rollbackStart, retryLater: note, failureNote: note };
        return { next, replaceFailure: { start_failed: `${note}; it is stopped on its old module and state: its recovery principal must start it` }, failureNote: note };
    }
    return { next };
}

/** cleanup: empty the app's chunk store again (best effort: a failure changes no outcome). */
async function cleanup(execution: Execution): Promise<Transition> {
    if ('restore' in execution.kind) return { next: STEP.done };
    try {
        await ic.clearChunkStore(execution.app);
    } catch (error) {
        return { next: STEP.done, failureNote: `clearing the chunk store failed: ${stepError(error)}` };
    }
    return { next: STEP.done };
}
