/**
 * The executor: an approved upgrade (or a recovery restore) as a persisted state machine.
 *
 * The steps, in order (each one makes at most one inter-canister call):
 *
 *   check -> clear_chunk_store -> upload_chunk(0..n-1) -> stop -> snapshot -> install -> start
 *         -> verify -> health_check -> cleanup -> done
 *
 * and on failure:
 *
 *   stop fails (the app did not stop in time)   -> start -> cleanup   "stuck_stopping"
 *   snapshot fails                               -> start -> cleanup   "snapshot_failed"
 *   install fails (hash, pre/post_upgrade trap)  -> start -> cleanup   "install_failed"
 *   verify or health check fails, with snapshot  -> rollback_stop -> rollback_load
 *                                                   -> rollback_start -> cleanup   "rolled_back"
 *   a restore: check -> rollback_stop -> rollback_load -> rollback_start -> done   "restored"
 *
 * `start` runs after a failed install as after a successful one, and starts the app only if it
 * was running when the execution began.
 *
 * Durability: the record (step, lease, attempt) is written before every call, and every `await`
 * of a call commits, so a trap after a call, or a lost response, leaves the record at the step
 * whose call was in flight. Drivers are the timer armed on approval (re-armed by post_upgrade)
 * and the public `resume`. A driver bumps `attempt` when it takes the execution over and holds a
 * lease while its call is in flight; another driver waits for the lease to run out (LEASE_NS),
 * and a driver whose attempt is no longer current stops at once. Every step is safe to run
 * again: stop, start, clear and upload are idempotent, and a re-run install first checks whether
 * the app already runs the module.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf, setTimer, StableBTreeMap, time } from 'azle';

import { findApp, requireApp, saveApp } from './apps';
import { audit } from './audit';
import { CallFailure, describeError, Failure, unreachable } from './errors';
import { CHUNK_BYTES, LEASE_NS, MAX_APPS, MAX_MODULE_BYTES } from './limits';
import * as ic from './management';
import { MemoryId } from './memory';
import { markRejected, readChunk, reclaim, requireInstallable } from './modules';
import { checkPrecondition, effectiveStatus, findProposal, setStatus } from './proposals';
import { executionRecord } from './records';
import { bytesEqual, principalEqual, principalKey, toHex } from './serde';
import type { Execution, ExecutionKind, Outcome, Proposal, ResumeResult, Step, UpgradeRequest } from './types';

const executions = new StableBTreeMap<Principal, Execution>(MemoryId.executions, principalKey, executionRecord);

/** Steps one drive may run: every chunk upload plus the longest failure path, with room. */
const MAX_STEPS_PER_DRIVE = Number(MAX_MODULE_BYTES / BigInt(CHUNK_BYTES)) + 16;

export function findExecution(app: Principal): Execution | undefined {
    return executions.get(app);
}

/** Creates the execution of an approved proposal and arms a timer to drive it. */
export function startExecution(proposal: Proposal, kind: ExecutionKind): void {
    const now = time();
    executions.insert(proposal.app, {
        proposal_id: proposal.id,
        app: proposal.app,
        kind,
        step: { check: null },
        was_running: false,
        snapshot_id: [],
        chunk_hashes: [],
        failure: [],
        attempt: 0,
        lease_until: 0n,
        started_at: now,
        updated_at: now
    });
    schedule(proposal.app);
}

/** Drives the app's execution from a timer (a fresh message, outside anyone's call context). */
export function schedule(app: Principal): void {
    setTimer(0, async () => {
        await drive(app);
    });
}

/** Called by init and post_upgrade: timers do not survive an upgrade, executions do. */
export function rearmAll(): void {
    for (const app of executions.keys(0, MAX_APPS)) schedule(app);
}

/**
 * `resume`: anyone may push an execution forward (after a trap, a lost response, or a timer
 * that never ran). The app itself is never driven inside its own call: an app waiting on its own
 * upgrade could not be stopped, so for it the work goes to a timer.
 */
export async function resume(caller: Principal, app: Principal): Promise<ResumeResult> {
    const execution = executions.get(app);
    if (execution === undefined) return idle(app);
    if (principalEqual(caller, app)) {
        schedule(app);
        return { scheduled: execution.step };
    }
    return drive(app);
}

function idle(app: Principal): ResumeResult {
    const id = findApp(app)?.info.live_proposal[0];
    const proposal = id === undefined ? undefined : findProposal(id);
    return { idle: proposal === undefined ? [] : [effectiveStatus(proposal)] };
}

/**
 * Runs steps until the execution is done, another driver holds it, or the step budget is spent.
 *
 * One write per step: the record is written once before each call, with the step about to run
 * and its lease. The previous step's transition is applied to the record in memory and goes out
 * in that same write: nothing else can run in between (there is no await), and a trap before the
 * write loses both, leaving the previous step's lease to run out and that step to run again,
 * exactly as when the continuation of its call traps. After each call the record is read back
 * from stable memory, since another driver may have taken it over meanwhile.
 */
async function drive(app: Principal): Promise<ResumeResult> {
    let current = executions.get(app);
    if (current === undefined) return idle(app);
    if (current.lease_until > time()) return { in_flight: current.step };
    const attempt = current.attempt + 1;
    current.attempt = attempt;

    for (let i = 0; i < MAX_STEPS_PER_DRIVE; i++) {
        if ('done' in current.step) return { finished: finish(current) };

        // A lease left set means an earlier driver's call never completed here.
        const resumed = current.lease_until !== 0n;
        current.lease_until = time() + LEASE_NS;
        current.updated_at = time();
        executions.insert(app, current);
        audit({ app, proposalId: current.proposal_id, event: { step_started: current.step } });

        const transition = await runStep(current, resumed);

        const after = executions.get(app);
        if (after === undefined || after.attempt !== attempt) return after === undefined ? idle(app) : { in_flight: after.step };
        if (transition.failureNote !== undefined) {
            audit({ app, proposalId: after.proposal_id, event: { step_failed: { step: after.step, message: transition.failureNote } } });
        }
        transition.update?.(after);
        if (transition.failure !== undefined && after.failure.length === 0) after.failure = [transition.failure];
        if (transition.replaceFailure !== undefined) after.failure = [transition.replaceFailure];
        after.step = transition.next;
        after.lease_until = 0n;
        after.updated_at = time();
        current = after;
    }
    // The step budget is spent: persist the last transition, lease released, for the next driver.
    executions.insert(app, current);
    return { in_flight: current.step };
}

/** Ends an execution: reports its outcome on the proposal, frees the app, reclaims an installed module. */
function finish(execution: Execution): Outcome {
    const outcome: Outcome = execution.failure[0] ?? ('upgrade' in execution.kind ? { upgraded: null } : { restored: null });
    executions.remove(execution.app);
    const proposal = findProposal(execution.proposal_id);
    if (proposal !== undefined) setStatus(proposal, { executed: outcome }, canisterSelf());
    if ('upgraded' in outcome && 'upgrade' in execution.kind) reclaim(execution.app, execution.kind.upgrade.module_hash);
    return outcome;
}

// ------------------------------------------------------------------ steps

type Transition = {
    next: Step;
    /** The outcome to report, if nothing failed earlier. */
    failure?: Outcome;
    /** Replaces an earlier failure (a rollback that failed too). */
    replaceFailure?: Outcome;
    /** Logged as step_failed. */
    failureNote?: string;
    update?: (execution: Execution) => void;
};

const STEP = {
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

async function runStep(execution: Execution, resumed: boolean): Promise<Transition> {
    const step = execution.step;
    try {
        if ('check' in step) return await check(execution);
        if ('clear_chunk_store' in step) return await clearStore(execution);
        if ('upload_chunk' in step) return await uploadChunk(execution, step.upload_chunk);
        if ('stop' in step) return await stop(execution);
        if ('snapshot' in step) return await snapshot(execution);
        if ('install' in step) return await install(execution, resumed);
        if ('start' in step) return await start(execution);
        if ('verify' in step) return await verify(execution);
        if ('health_check' in step) return await healthCheck(execution, resumed);
        if ('rollback_stop' in step) return await rollbackStop(execution);
        if ('rollback_load' in step) return await rollbackLoad(execution);
        if ('rollback_start' in step) return await rollbackStart(execution);
        if ('cleanup' in step) return await cleanup(execution);
        if ('done' in step) return { next: STEP.done };
        return unreachable(step);
    } catch (error) {
        // An unexpected failure in a step's own logic: end safely, restarting the app if needed.
        const message = error instanceof Failure ? describeError(error.error) : error instanceof Error ? error.message : String(error);
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
        return abort(`the upgrader cannot read the app's status; is it still a controller? ${messageOf(error)}`);
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
        return { next: STEP.cleanup, failure: { upload_failed: messageOf(error) }, failureNote: messageOf(error) };
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
        return { next: STEP.cleanup, failure: { upload_failed: messageOf(error) }, failureNote: messageOf(error) };
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
        const note = `the app did not stop: ${messageOf(error)}`;
        return { next: STEP.start, failure: { stuck_stopping: note }, failureNote: note };
    }
    const upgrade = upgradeOf(execution);
    return { next: upgrade?.options.take_snapshot === true ? STEP.snapshot : STEP.install };
}

/** snapshot: replaces the oldest snapshot the upgrader took once the policy's `keep` is reached. */
async function snapshot(execution: Execution): Promise<Transition> {
    const app = requireApp(execution.app);
    const keep = app.info.snapshot_policy.keep;
    const ours = app.info.snapshots;
    const replace = ours.length >= keep ? ours[0]?.id : undefined;
    let taken: { id: Uint8Array; takenAt: bigint };
    try {
        taken = await ic.takeSnapshot(execution.app, replace);
    } catch (error) {
        return { next: STEP.start, failure: { snapshot_failed: messageOf(error) }, failureNote: messageOf(error) };
    }
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
async function install(execution: Execution, resumed: boolean): Promise<Transition> {
    const upgrade = upgradeOf(execution);
    if (upgrade === undefined) return { next: STEP.start };
    if (resumed) {
        // The previous attempt's response never arrived here: did the install happen?
        const status = await ic.canisterStatus(execution.app);
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
        const message = messageOf(error);
        // The IC names a module whose bytes do not hash to the given hash; it cannot be installed.
        if (/does not match/i.test(message) && /hash/i.test(message)) markRejected(execution.app, upgrade.module_hash);
        return { next: STEP.start, failure: { install_failed: message }, failureNote: message };
    }
    return { next: STEP.start };
}

/** start: only if the app was running before; after a failure, go straight to cleanup. */
async function start(execution: Execution): Promise<Transition> {
    const failed = execution.failure.length > 0;
    const next = failed ? STEP.cleanup : STEP.verify;
    if (!execution.was_running) return { next };
    try {
        await ic.startCanister(execution.app);
    } catch (error) {
        const note = `the app could not be started again: ${messageOf(error)}`;
        return { next: STEP.cleanup, failure: { verification_failed: note }, failureNote: note };
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
        return verificationFailed(execution, `canister_status failed: ${messageOf(error)}`);
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
async function healthCheck(execution: Execution, resumed: boolean): Promise<Transition> {
    const method = findApp(execution.app)?.info.policy.health_check[0];
    if (method === undefined || !execution.was_running) return { next: STEP.cleanup };
    if (resumed) return verificationFailed(execution, `health check ${method} did not answer before the lease ran out`);
    let healthy: boolean;
    try {
        healthy = await ic.healthCheck(execution.app, method);
    } catch (error) {
        return verificationFailed(execution, `health check ${method} failed: ${messageOf(error)}`);
    }
    return healthy ? { next: STEP.cleanup } : verificationFailed(execution, `health check ${method} answered false`);
}

function snapshotToLoad(execution: Execution): Uint8Array | undefined {
    return 'restore' in execution.kind ? execution.kind.restore : execution.snapshot_id[0];
}

function rollbackFailed(execution: Execution, what: string, error: unknown): Transition {
    const before = execution.failure[0];
    const reason = before !== undefined && 'rolled_back' in before ? `${before.rolled_back}; ` : '';
    const note = `${reason}${what}: ${messageOf(error)}`;
    return { next: STEP.start, replaceFailure: { rollback_failed: note }, failureNote: note };
}

/** rollback_stop: stop the app to load the snapshot. */
async function rollbackStop(execution: Execution): Promise<Transition> {
    try {
        await ic.stopCanister(execution.app);
    } catch (error) {
        return rollbackFailed(execution, 'stopping the app to load the snapshot failed', error);
    }
    return { next: STEP.rollbackLoad };
}

/** rollback_load: load the snapshot (module, memories and chunk store as they were). */
async function rollbackLoad(execution: Execution): Promise<Transition> {
    const id = snapshotToLoad(execution);
    if (id === undefined) return rollbackFailed(execution, 'no snapshot to load', new Error('none was taken'));
    try {
        await ic.loadSnapshot(execution.app, id);
    } catch (error) {
        return rollbackFailed(execution, 'loading the snapshot failed', error);
    }
    return { next: STEP.rollbackStart };
}

/** rollback_start: start the app again if it was running before. */
async function rollbackStart(execution: Execution): Promise<Transition> {
    const next = 'restore' in execution.kind ? STEP.done : STEP.cleanup;
    if (!execution.was_running) return { next };
    try {
        await ic.startCanister(execution.app);
    } catch (error) {
        const note = `the snapshot was loaded but the app could not be started: ${messageOf(error)}`;
        return { next, replaceFailure: { rollback_failed: note }, failureNote: note };
    }
    return { next };
}

/** cleanup: empty the app's chunk store again (best effort: a failure changes no outcome). */
async function cleanup(execution: Execution): Promise<Transition> {
    if ('restore' in execution.kind) return { next: STEP.done };
    try {
        await ic.clearChunkStore(execution.app);
    } catch (error) {
        return { next: STEP.done, failureNote: `clearing the chunk store failed: ${messageOf(error)}` };
    }
    return { next: STEP.done };
}
