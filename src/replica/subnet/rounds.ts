/**
 * Rounds: expiries, timers and heartbeats, then every message queued before the round,
 * each executed and its effects applied; storage is charged at the end.
 */
import { ContextKind } from '../engine/contexts.js';
import { ExecutionOutcome } from '../engine/execute.js';
import { Invocation } from '../engine/invocation.js';
import { TrapError } from '../engine/trap.js';
import { FaultInjector } from '../faults.js';
import { MANAGEMENT_CANISTER_ID } from '../principal.js';
import { CallResult, Rejects } from '../reject.js';
import { Callback } from '../state/call-context.js';
import { Canister } from '../state/canister.js';
import { Message, RequestMessage, ResponseMessage, TaskMessage } from '../state/messages.js';
import type { SubnetCore } from './core.js';
import { applyEffects, deliver, EMPTY_CANDID, rejected, respond, setIngressStatus, settle } from './effects.js';
import { admissionReject } from './ingress.js';

/** Runs one round: expiries, timers and heartbeats, then every message queued before it. */
export function tick(core: SubnetCore): void {
    core.certifiedTime = core.time;
    expireDeadlines(core);
    scheduleTasks(core);
    const batch = core.queue;
    core.queue = [];
    for (const message of batch) {
        handle(core, message);
        completeStops(core);
    }
    chargeStorage(core);
    completeStops(core);
}

/** When the next round has work without any new message; see `Subnet.nextWake`. */
export interface Wake {
    /** The earliest time (ns) a global timer, call deadline or stop timeout falls due; null if none. */
    at: bigint | null;
    /** Whether a running canister has a heartbeat (then every round has work). */
    heartbeat: boolean;
}

/** The rules of `scheduleTasks` and `expireDeadlines`, read without running them. */
export function nextWake(core: SubnetCore): Wake {
    let at: bigint | null = null;
    const consider = (t: bigint): void => {
        if (at === null || t < at) at = t;
    };
    let heartbeat = false;
    for (const canister of core.canisters.values()) {
        const info = canister.code?.module.info;
        if (info !== undefined && canister.status === 'running') {
            if (info.hasHeartbeat) heartbeat = true;
            if (canister.globalTimer !== 0n) consider(canister.globalTimer);
        }
        for (const callback of canister.callbacks.values()) if (callback.deadline !== null && !callback.answeredBySystem) consider(callback.deadline);
        for (const stop of canister.pendingStops) consider(stop.deadline);
    }
    return { at, heartbeat };
}

function handle(core: SubnetCore, message: Message): void {
    switch (message.kind) {
        case 'request':
            if (message.receiver.toUint8Array().length === 0) handleManagementCall(core, message);
            else executeRequest(core, message);
            return;
        case 'response':
            executeResponse(core, message);
            return;
        case 'task':
            executeTask(core, message);
            return;
        default: {
            const unknown: never = message;
            throw new Error(`unknown message ${JSON.stringify(unknown)}`);
        }
    }
}

function handleManagementCall(core: SubnetCore, message: RequestMessage): void {
    const report = core.options.onManagementCall;
    if (report === undefined) return core.management.handle(message);
    const started = performance.now();
    core.management.handle(message);
    report({ method: message.method, durationMs: performance.now() - started });
}

function executeRequest(core: SubnetCore, message: RequestMessage): void {
    const canister = core.canister(message.receiver);
    const refusal = admissionReject(core, canister, message.receiver, message.method);
    if (refusal !== null) {
        deliver(core, message.replyTo, rejected(refusal), message.cycles);
        return;
    }
    const target = canister!;
    if (message.replyTo.kind === 'ingress') setIngressStatus(core, message.replyTo.messageId, { status: 'processing' });
    const isUpdate = target.code!.module.info.updateMethods.has(message.method);
    const kind: ContextKind = isUpdate ? 'U' : 'RQ';
    const context = core.newCallContext(target, message.replyTo, message.sender, message.method, message.cycles, message.deadline);
    const inv = new Invocation({
        kind,
        canister: target,
        caller: message.sender,
        arg: message.arg,
        context,
        time: core.time,
        limit: isUpdate ? core.limits.update : core.limits.query
    });
    const outcome = core.run(target, inv, { kind: 'export', name: `canister_${isUpdate ? 'update' : 'query'} ${message.method}` });
    context.instructions += outcome.instructions;
    if (outcome.trap === null) {
        if (isUpdate) {
            applyEffects(core, target, inv);
        } else {
            // A replicated query keeps no state, but its reply, cycles and version count.
            target.version++;
            if (inv.response !== null) respond(core, context, inv.response);
        }
    }
    settle(core, target, context, outcome.trap);
}

function executeResponse(core: SubnetCore, message: ResponseMessage): void {
    const canister = core.canister(message.receiver);
    if (canister === undefined) return;
    const callback = canister.callbacks.get(message.callbackId);
    if (callback === undefined) return;
    if (callback.answeredBySystem) {
        // The deadline already answered this bounded-wait call; the late response is dropped.
        canister.callbacks.delete(callback.id);
        return;
    }
    const fault = core.faults.take(message, callback.callee);
    if (fault === 'lose' || fault === 'delay') return;
    runCallback(core, canister, callback, message.result, message.refund, fault === 'trap');
}

/**
 * Delivers a response to a callback: runs it (or its cleanup) unless its context is gone.
 * `injectTrap` (fault injection only) makes the continuation trap instead of running.
 */
function runCallback(core: SubnetCore, canister: Canister, callback: Callback, result: CallResult, refund: bigint, injectTrap = false): void {
    canister.callbacks.delete(callback.id);
    canister.cycles += refund;
    if (result.kind === 'reply') canister.cycles -= core.cycles.responseCost(result.payload.length);
    const context = canister.callContexts.get(callback.callContextId);
    if (context === undefined) return;
    context.outstandingCallbacks--;
    if (context.deleted || canister.code === null) {
        settle(core, canister, context, null);
        return;
    }
    const isReply = result.kind === 'reply';
    const inv = new Invocation({
        kind: isReply ? 'Ry' : 'Rt',
        canister,
        caller: context.caller,
        arg: isReply ? result.payload : new Uint8Array(0),
        rejectCode: isReply ? 0 : result.reject.code,
        rejectMessage: isReply ? '' : result.reject.message,
        context,
        refunded: refund,
        time: core.time,
        limit: core.limits.update
    });
    const closure = isReply ? callback.onReply : callback.onReject;
    const outcome = injectTrap ? injectedTrap(core, canister) : core.run(canister, inv, { kind: 'table', fun: closure.fun, env: closure.env });
    context.instructions += outcome.instructions;
    let lastTrap = outcome.trap;
    if (outcome.trap === null) {
        applyEffects(core, canister, inv);
    } else if (callback.onCleanup !== null) {
        const cleanup = new Invocation({
            kind: 'C',
            canister,
            caller: context.caller,
            rejectCode: isReply ? 0 : result.reject.code,
            context,
            time: core.time,
            limit: core.limits.update
        });
        const cleanupOutcome = core.run(canister, cleanup, { kind: 'table', fun: callback.onCleanup.fun, env: callback.onCleanup.env });
        context.instructions += cleanupOutcome.instructions;
        if (cleanupOutcome.trap === null) {
            applyEffects(core, canister, cleanup);
        } else {
            lastTrap = new TrapError(
                cleanupOutcome.trap.errorCode,
                `${outcome.trap.detail}\n\ncall_on_cleanup also failed:\n\n${cleanupOutcome.trap.detail}`,
                cleanupOutcome.trap.docAnchor,
                cleanupOutcome.trap.suggestion
            );
        }
    }
    settle(core, canister, context, lastTrap);
}

/** The outcome of a continuation made to trap by fault injection: nothing ran, nothing is kept. */
function injectedTrap(core: SubnetCore, canister: Canister): ExecutionOutcome {
    const trap = FaultInjector.injectedTrap();
    core.appendLog(canister, `[TRAP]: ${trap.detail}`);
    return { trap, instructions: 0n };
}

function executeTask(core: SubnetCore, message: TaskMessage): void {
    const canister = core.canister(message.receiver);
    if (canister === undefined || canister.code === null || canister.status !== 'running') return;
    const context = core.newCallContext(canister, { kind: 'system' }, MANAGEMENT_CANISTER_ID, message.task, 0n, 0n, false);
    const inv = new Invocation({ kind: 'T', canister, caller: MANAGEMENT_CANISTER_ID, methodName: message.task, context, time: core.time, limit: core.limits.update });
    const outcome = core.run(canister, inv, { kind: 'export', name: `canister_${message.task}` });
    context.instructions += outcome.instructions;
    if (outcome.trap === null) applyEffects(core, canister, inv);
    settle(core, canister, context, outcome.trap);
}

/** Global timers that are due, and heartbeats, become tasks at the start of a round. */
function scheduleTasks(core: SubnetCore): void {
    const tasks: TaskMessage[] = [];
    for (const canister of core.canisters.values()) {
        const info = canister.code?.module.info;
        if (info === undefined || canister.status !== 'running') continue;
        if (info.hasHeartbeat) tasks.push({ kind: 'task', receiver: canister.id, task: 'heartbeat' });
        if (canister.globalTimer !== 0n && core.time >= canister.globalTimer) {
            canister.globalTimer = 0n;
            if (info.hasGlobalTimer) tasks.push({ kind: 'task', receiver: canister.id, task: 'global_timer' });
        }
    }
    core.queue = [...tasks, ...core.queue];
}

/** Bounded-wait calls past their deadline get SYS_UNKNOWN; stops past their timeout are rejected. */
function expireDeadlines(core: SubnetCore): void {
    for (const canister of core.canisters.values()) {
        for (const callback of canister.callbacks.values()) {
            if (callback.deadline !== null && !callback.answeredBySystem && core.time >= callback.deadline) {
                callback.answeredBySystem = true;
                const late = { ...callback };
                runCallback(core, canister, late, rejected(Rejects.deadlineExpired()), 0n);
                // Keep the entry so the real response, if it comes, is recognised and dropped.
                canister.callbacks.set(callback.id, callback);
            }
        }
        if (canister.pendingStops.length > 0) {
            const [expired, waiting] = partition(canister.pendingStops, (s) => core.time >= s.deadline);
            canister.pendingStops = waiting;
            for (const stop of expired) deliver(core, stop.replyTo, rejected(Rejects.stopTimedOut(canister.idText)), 0n);
        }
    }
}

/** Stopping canisters with no call context left become stopped, answering their stops. */
function completeStops(core: SubnetCore): void {
    for (const canister of core.stopping) {
        if (canister.status !== 'stopping') {
            core.stopping.delete(canister);
            continue;
        }
        if (canister.hasOpenCallContexts) continue;
        core.stopping.delete(canister);
        canister.status = 'stopped';
        canister.version++;
        const stops = canister.pendingStops;
        canister.pendingStops = [];
        for (const stop of stops) deliver(core, stop.replyTo, { kind: 'reply', payload: EMPTY_CANDID }, 0n);
    }
}

function chargeStorage(core: SubnetCore): void {
    const elapsed = core.time - core.counters.lastStorageCharge;
    if (core.counters.lastStorageCharge === 0n || elapsed <= 0n) {
        core.counters.lastStorageCharge = core.time;
        return;
    }
    core.counters.lastStorageCharge = core.time;
    for (const canister of core.canisters.values()) {
        const cost = core.cycles.storageCost(canister, elapsed);
        canister.cycles = canister.cycles > cost ? canister.cycles - cost : 0n;
    }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
    const yes: T[] = [];
    const no: T[] = [];
    for (const item of items) (test(item) ? yes : no).push(item);
    return [yes, no];
}
