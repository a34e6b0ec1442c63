/**
 * The executor: an approved upgrade (or a recovery restore) as a persisted state machine.
 *
 * The order of the steps, and where each failure leads, is one table: FLOW in flow.ts (rendered
 * in README.md, "An upgrade, step by step"). Each step (steps.ts) makes one inter-canister call
 * (snapshot makes two) and reports the edge it took; the driver below looks it up in FLOW and
 * writes the step that follows, with the outcome the edge records.
 *
 * Durability: the record (step, lease, attempt) is written before every call, and every `await`
 * of a call commits, so a trap after a call, or a lost response, leaves the record at the step
 * whose call was in flight. Drivers are the timer armed on approval (re-armed by post_upgrade),
 * the public `resume`, and the watchdog (watchdog.ts), which resumes every execution whose lease
 * ran out. A driver bumps `attempt` when it takes the execution over and holds a lease while its
 * call is in flight; another driver waits for the lease to run out (LEASE_NS).
 *
 * Fencing: every execution has an `id` that is never reused (a meta counter). After every call a
 * driver reads the record back and goes on only if both the id and its attempt are unchanged,
 * so no response of an earlier execution, or of an earlier attempt, can move the current one.
 * Every step is safe to run again: stop, start, clear and upload are idempotent, and a re-run
 * install first checks whether the app already runs the module.
 *
 * Cycles: an execution begins (leaves `check`) only while the balance covers the freezing
 * reserve plus one execution reserve per live execution (limits.ts, cycles.ts). A call the IC
 * refuses to send for lack of cycles leaves the execution at its step, waiting; the watchdog
 * tries it again, so a restart or a rollback always finishes once the upgrader is topped up.
 */
import type { Principal } from '@dfinity/principal';
import { canisterCycleBalance, canisterSelf, setTimer, StableBTreeMap, time } from 'azle';

import { findApp } from './apps';
import { isGroupPrincipal } from './group-id';
import { audit } from './audit';
import { decide, type FailureOutcome, stepTo } from './flow';
import { CHUNK_BYTES, cyclesRequired, LEASE_NS, MAX_APPS, MAX_MODULE_BYTES, rehearsalCycles } from './limits';
import { CallNotSent, ContinuationCleanup } from './management';
import { MemoryId } from './memory';
import { closeHandedOver } from './hand-over';
import { getCounter, MetaKey, takeCounter } from './meta';
import { reclaim } from './modules';
import { creditOf } from './rehearsal-credit';
import { advance, type Launcher, memberEnded } from './rollouts';
import { chargesForRehearsals } from './settings';
import { effectiveStatus, findProposal, setStatus } from './proposals';
import { executionRecord } from './records';
import { principalEqual, principalKey } from './serde';
import { Fenced, type StepReport } from './step-support';
import { runStep } from './steps';
import type { Execution, ExecutionKind, Outcome, Proposal, ResumeResult } from './types';

const executions = new StableBTreeMap<Principal, Execution>(MemoryId.executions, principalKey, executionRecord);

/**
 * Steps one drive may run: every chunk upload plus the longest failure path, with room. A
 * rehearsal's slices are steps too; a drive that spends its budget leaves the execution for the
 * next driver (the watchdog), lease released.
 */
const MAX_STEPS_PER_DRIVE = Number(MAX_MODULE_BYTES / BigInt(CHUNK_BYTES)) + 32;

export function findExecution(app: Principal): Execution | undefined {
    return executions.get(app);
}

/** A member's part in its group's rollout: the member, and its place in the rollout. */
type MemberPart = { app: Principal; group: Principal; index: number };

/** Creates the execution of an approved proposal, with a fresh id, and arms a timer to drive it. */
export function startExecution(proposal: Proposal, kind: ExecutionKind, member?: MemberPart): void {
    const now = time();
    const app = member?.app ?? proposal.app;
    executions.insert(app, {
        id: takeCounter(MetaKey.nextExecutionId),
        proposal_id: proposal.id,
        app,
        kind,
        step: { check: null },
        was_running: false,
        snapshot_id: [],
        chunk_hashes: [],
        failure: [],
        attempt: 0,
        lease_until: 0n,
        retries: 0,
        waiting: [],
        started_at: now,
        updated_at: now,
        rehearsal: [],
        rollout: member === undefined ? [] : [{ group: member.group, index: member.index, app_store: false }]
    });
    schedule(app);
}

/**
 * Starts a group member's execution in its group's rollout (rollouts.ts calls it): the rollout's
 * upgrade, installed from the upgrader's own chunk store. While it runs, no recovery operation
 * starts on the member (recovery.ts and groups.ts look for its execution).
 */
export const launchMember: Launcher = (proposal, member, group, index) => {
    if (!('rollout' in proposal.action)) return;
    startExecution(proposal, { upgrade: proposal.action.rollout.upgrade }, { app: member, group, index });
};

/** Drives the app's execution from a timer (a fresh message, outside anyone's call context). */
function schedule(app: Principal): void {
    setTimer(0, async () => {
        await drive(app);
    });
}

/** Called by init and post_upgrade: timers do not survive an upgrade, executions do. */
export function rearmAll(): void {
    for (const app of executions.keys(0, MAX_APPS)) schedule(app);
}

/**
 * The watchdog's work for one tick: looks at up to `count` executions from index `start` and
 * schedules a driver for each one no driver holds (its lease ran out, or none was taken).
 * Returns the index to start from next time (0 after the end of the map).
 */
export function resumeStalled(start: number, count: number): number {
    const total = executions.len();
    const from = start < total ? start : 0;
    const now = time();
    const batch = executions.items(from, count);
    const balance = canisterCycleBalance();
    for (const [app, execution] of batch) {
        if (execution.lease_until > now) continue;
        // Retrying a wait for cycles before they came back would only spend what is left.
        if (execution.waiting[0]?.startsWith(CYCLES_WAIT) === true && (balance < cyclesToRetry(execution) || creditShort(execution))) continue;
        schedule(app);
    }
    const next = from + batch.length;
    return next < total ? next : 0;
}

/**
 * `resume`: anyone may push an execution forward (after a trap, a lost response, or a timer
 * that never ran). The app itself is never driven inside its own call: an app waiting on its own
 * upgrade could not be stopped, so for it the work goes to a timer.
 */
export async function resume(caller: Principal, app: Principal): Promise<ResumeResult> {
    if (isGroupPrincipal(app)) {
        advance(app, launchMember);
        return idle(app);
    }
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

/** How a wait for cycles is marked on the record (`waiting`), for the watchdog. */
const CYCLES_WAIT = 'cycles: ';

/** The balance worth retrying at: what beginning needs at `check`, or a rehearsal at its creation; one execution reserve later on. */
function cyclesToRetry(execution: Execution): bigint {
    if ('check' in execution.step) return cyclesToBegin();
    const priced = execution.rehearsal[0]?.report.state_bytes;
    if ('rehearsal_create' in execution.step && priced !== undefined) return cyclesToBegin() + rehearsalCycles(priced).total;
    return cyclesRequired(1n, storeBytes());
}

/** A charged rehearsal waiting for the app's credit: retried only once fund_rehearsals brought it to the price (no canister_status per tick meanwhile). */
function creditShort(execution: Execution): boolean {
    const rehearsal = execution.rehearsal[0];
    if (!('rehearsal_create' in execution.step) || rehearsal === undefined || rehearsal.creations > 0 || !chargesForRehearsals()) return false;
    return creditOf(execution.app) < rehearsalCycles(rehearsal.report.state_bytes).total;
}

function storeBytes(): bigint {
    return getCounter(MetaKey.storeBytes);
}

/** What beginning an execution needs now: the freezing reserve for the store as it is, one reserve per live execution. */
function cyclesToBegin(): bigint {
    return cyclesRequired(BigInt(executions.len()), storeBytes());
}

/** The balance short of what beginning an execution needs, or undefined when it suffices. */
function cyclesShortfall(): { balance: bigint; required: bigint } | undefined {
    const balance = canisterCycleBalance();
    const required = cyclesToBegin();
    return balance < required ? { balance, required } : undefined;
}

/**
 * Runs steps until the execution is done, another driver holds it, it must wait, or the step
 * budget is spent.
 *
 * One write per step: the record is written once before each call, with the step about to run
 * and its lease. The previous step's transition is applied to the record in memory and goes out
 * in that same write: nothing else can run in between (there is no await), and a trap before the
 * write loses both, leaving the previous step's lease to run out and that step to run again,
 * exactly as when the continuation of its call traps. After each call the record is read back
 * from stable memory and the driver goes on only if it is still its own (same id and attempt).
 */
async function drive(app: Principal): Promise<ResumeResult> {
    let current = executions.get(app);
    if (current === undefined) return idle(app);
    if (current.lease_until > time()) return { in_flight: current.step };
    const id = current.id;
    const attempt = current.attempt + 1;
    current.attempt = attempt;
    const owned = (): Execution | undefined => {
        const found = executions.get(app);
        return found !== undefined && found.id === id && found.attempt === attempt ? found : undefined;
    };
    const fence = (): void => {
        if (owned() === undefined) throw new Fenced('another driver owns this execution now');
    };
    const persist = (change: (execution: Execution) => void): void => {
        const mine = owned();
        if (mine === undefined) throw new Fenced('another driver owns this execution now');
        change(mine);
        executions.insert(app, mine);
    };

    for (let i = 0; i < MAX_STEPS_PER_DRIVE; i++) {
        if ('done' in current.step) return { finished: finish(current) };
        if ('check' in current.step) {
            const short = cyclesShortfall();
            if (short !== undefined) {
                const reason = `${CYCLES_WAIT}the upgrader holds ${short.balance} cycles and needs ${short.required} to begin an execution: top it up with deposit_cycles`;
                waitAtStep(current, current.lease_until, reason);
                return { waiting_for_cycles: { step: current.step, ...short } };
            }
        }

        // A lease left set means an earlier driver's call never completed here.
        const leaseBefore = current.lease_until;
        current.lease_until = time() + LEASE_NS;
        current.updated_at = time();
        executions.insert(app, current);
        // A rehearsal's slices after the first are not logged one by one: a large app would push
        // the proposal's own history out of the app's audit ring (failures are still logged).
        // A group member logs only its failures and its outcome: a thousand members' steps would fill
        // nobody's history usefully. Nor do a rehearsal's slices after the first.
        if (current.rollout.length === 0 && !('rehearsal_copy' in current.step && current.step.rehearsal_copy > 0)) audit({ app, proposalId: current.proposal_id, event: { step_started: current.step } });

        let report: StepReport;
        try {
            report = await runStep(current, { resumed: leaseBefore !== 0n, fence, reserves: cyclesToBegin, persist, othersUseStore: () => othersUseStore(id) });
        } catch (error) {
            // In the IC's cleanup callback, or fenced out: write nothing, the owner (or the watchdog) goes on.
            if (error instanceof ContinuationCleanup || error instanceof Fenced) return stillInFlight(app);
            if (error instanceof CallNotSent) {
                // Synchronous: still this message, so the record is ours. Nothing was sent; keep the
                // step's earlier lease (a resumed step stays resumed) and wait for cycles.
                const mine = owned();
                if (mine === undefined) return stillInFlight(app);
                waitAtStep(mine, leaseBefore, `${CYCLES_WAIT}${error.message}; top the upgrader up with deposit_cycles`);
                return { waiting_for_cycles: { step: mine.step, balance: canisterCycleBalance(), required: cyclesToBegin() } };
            }
            throw error;
        }

        const after = owned();
        if (after === undefined) return stillInFlight(app);
        if (report.wait !== undefined) {
            report.update?.(after);
            waitAtStep(after, leaseBefore, `${CYCLES_WAIT}${report.wait.reason}`);
            return { waiting_for_cycles: { step: after.step, balance: report.wait.balance, required: report.wait.required } };
        }
        if (report.note !== undefined) {
            audit({ app, proposalId: after.proposal_id, event: { step_failed: { step: after.step, message: report.note } } });
        }
        // Decided on the record as the step found it, before the step's own changes.
        const decision = decide(after, report.edge);
        report.update?.(after);
        if (decision.retry) {
            after.retries += 1;
            waitAtStep(after, 0n, report.note ?? `${report.edge}: try again`);
            return { in_flight: after.step };
        }
        const { leg } = decision;
        const text = report.text ?? report.note ?? '';
        if (leg.records !== undefined && after.failure.length === 0) after.failure = [failureOutcome(leg.records, text)];
        if (leg.replaces !== undefined) after.failure = [failureOutcome(leg.replaces, text)];
        const staged = 'stage_module' in after.step && report.edge === 'ok';
        after.step = stepTo(leg.to, after.step);
        // The group's module is staged now: the members held back meanwhile may start.
        const part = after.rollout[0];
        if (staged && part !== undefined) advance(part.group, launchMember);
        after.lease_until = 0n;
        after.retries = 0;
        after.waiting = [];
        after.updated_at = time();
        current = after;
    }
    // The step budget is spent: persist the last transition, lease released, and go on in a fresh timer.
    executions.insert(app, current);
    schedule(app);
    return { in_flight: current.step };
}

/** Whether an execution other than `id` installs from the upgrader's own chunk store and is past its check. */
function othersUseStore(id: bigint): boolean {
    return executions.values(0, MAX_APPS).some((e) => e.id !== id && e.rollout[0]?.app_store === false && !('check' in e.step) && !('done' in e.step));
}

/** Leaves the execution at its step, lease as given, with the reason it waits; the watchdog retries it. */
function waitAtStep(execution: Execution, lease: bigint, reason: string): void {
    execution.lease_until = lease;
    execution.waiting = [reason];
    execution.updated_at = time();
    executions.insert(execution.app, execution);
}

/** The outcome `name` with its text (every failure outcome carries one). */
function failureOutcome(name: FailureOutcome, text: string): Outcome {
    return { [name]: text } as { [K in FailureOutcome]: { [N in K]: string } }[FailureOutcome];
}

function stillInFlight(app: Principal): ResumeResult {
    const found = executions.get(app);
    return found === undefined ? idle(app) : { in_flight: found.step };
}

/**
 * Ends an execution: reports its outcome on the proposal, frees the app, reclaims an installed
 * module; after a hand-over, forgets the app (it belongs to the successor now).
 */
function finish(execution: Execution): Outcome {
    const outcome: Outcome = execution.failure[0] ?? successOf(execution.kind);
    executions.remove(execution.app);
    const part = execution.rollout[0];
    if (part !== undefined) {
        memberEnded(part.group, part.index, execution.proposal_id, execution.app, outcome, launchMember);
        return outcome;
    }
    const proposal = findProposal(execution.proposal_id);
    if (proposal !== undefined) setStatus(proposal, { executed: outcome }, canisterSelf());
    if ('upgraded' in outcome && 'upgrade' in execution.kind) reclaim(execution.app, execution.kind.upgrade.module_hash);
    if ('handed_over' in outcome && 'hand_over' in execution.kind) closeHandedOver(execution.app, execution.kind.hand_over, execution.proposal_id);
    return outcome;
}

function successOf(kind: ExecutionKind): Outcome {
    if ('upgrade' in kind) return { upgraded: null };
    if ('hand_over' in kind) return { handed_over: kind.hand_over.successor };
    return { restored: null };
}
