/**
 * What a committed execution changes besides memory, in one place for every kind of
 * execution (update, callback, cleanup, task, and each step of an install), and how
 * answers travel back to callers.
 */
import type { ContextKind } from '../engine/contexts.js';
import type { Invocation } from '../engine/invocation.js';
import type { TrapError } from '../engine/trap.js';
import { CallResult, Reject, Rejects } from '../reject.js';
import type { CallContext, ResponseTarget } from '../state/call-context.js';
import type { Canister } from '../state/canister.js';
import type { IngressStatus } from '../state/ingress.js';
import type { SubnetCore } from './core.js';

/** `DIDL\0\0`: the Candid encoding of `()`. */
export const EMPTY_CANDID = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]);

/** Answers with a reject, from the caller's point of view. */
export function rejected(r: Reject): CallResult {
    return { kind: 'reject', reject: r };
}

/**
 * Executions that bump the canister version when they succeed (spec §2.9): a message or a
 * task. An install bumps it once for all its steps (management/deploy.ts); a cleanup never.
 */
function bumpsVersion(kind: ContextKind): boolean {
    return kind === 'U' || kind === 'Ry' || kind === 'Rt' || kind === 'T';
}

/**
 * Applies the effects of a committed execution (spec §2.3): the cycle balance, certified
 * data, timer, logs, version, outgoing calls and the response.
 *
 * The one cycle rule: the balance becomes what the execution saw at its end, i.e. the
 * balance it started with plus the cycles it accepted, minus those it attached to calls,
 * burned, and paid in call fees. (Execution fees are charged by whoever ran it.) Effects a
 * context may not produce (calls in an install step, a reply in a cleanup) are absent from
 * its invocation, because the System API refuses them there.
 */
export function applyEffects(core: SubnetCore, canister: Canister, inv: Invocation): void {
    // A call still under construction when the execution ends is discarded: its cycles go back.
    if (inv.pendingCall !== null) {
        inv.cyclesAttached -= inv.pendingCall.cycles;
        inv.pendingCall = null;
    }
    canister.cycles = inv.balance;
    const context = inv.context;
    if (context !== null) context.availableCycles -= inv.cyclesAccepted;
    if (inv.certifiedData !== null) canister.certifiedData = inv.certifiedData;
    if (inv.globalTimer !== null) canister.globalTimer = inv.globalTimer;
    for (const print of inv.debugPrints) core.appendLog(canister, print);
    if (bumpsVersion(inv.kind)) canister.version++;
    if (inv.queuedCalls.length > 0 && context === null) throw new Error(`internal: a ${inv.kind} execution queued calls without a call context`);
    for (const call of inv.queuedCalls) {
        const callbackId = core.counters.nextCallbackId++;
        canister.callbacks.set(callbackId, {
            id: callbackId,
            callContextId: context!.id,
            callee: call.callee,
            method: call.method,
            onReply: call.onReply,
            onReject: call.onReject,
            onCleanup: call.onCleanup,
            deadline: call.deadline,
            answeredBySystem: false
        });
        context!.outstandingCallbacks++;
        core.queue.push({
            kind: 'request',
            sender: canister.id,
            receiver: call.callee,
            method: call.method,
            arg: call.arg,
            cycles: call.cycles,
            replyTo: { kind: 'canister', canister: canister.id, callbackId, deadline: call.deadline },
            deadline: call.deadline ?? 0n
        });
    }
    if (inv.response !== null && context !== null) respond(core, context, inv.response);
}

/** Answers a call context and refunds its unaccepted cycles to the caller. */
export function respond(core: SubnetCore, context: CallContext, result: CallResult): void {
    context.needsToRespond = false;
    const refund = context.availableCycles;
    context.availableCycles = 0n;
    deliver(core, context.origin, result, refund);
}

/** Sends a result to wherever a call came from. */
export function deliver(core: SubnetCore, target: ResponseTarget, result: CallResult, refund: bigint): void {
    if (target.kind === 'ingress') {
        const record = core.ingress.get(target.messageId);
        if (record !== undefined) {
            record.status = result.kind === 'reply' ? { status: 'replied', reply: result.payload } : { status: 'rejected', reject: result.reject };
            record.updatedAt = core.time;
        }
    } else if (target.kind === 'canister') {
        core.queue.push({ kind: 'response', receiver: target.canister, callbackId: target.callbackId, result, refund });
    }
}

/**
 * Closes a call context that has nothing outstanding: rejects it if it never answered
 * (with the last trap, or IC0506), then removes it.
 */
export function settle(core: SubnetCore, canister: Canister, context: CallContext, lastTrap: TrapError | null): void {
    if (context.outstandingCallbacks > 0) return;
    if (context.needsToRespond && !context.deleted) {
        const r = lastTrap !== null ? core.trapReject(canister, lastTrap) : Rejects.didNotReply(canister.idText);
        respond(core, context, rejected(r));
    }
    canister.callContexts.delete(context.id);
}

/** Moves an ingress message on to `status`, unless it is already answered. */
export function setIngressStatus(core: SubnetCore, id: string, status: IngressStatus): void {
    const record = core.ingress.get(id);
    if (record !== undefined && (record.status.status === 'received' || record.status.status === 'processing')) {
        record.status = status;
        record.updatedAt = core.time;
    }
}
