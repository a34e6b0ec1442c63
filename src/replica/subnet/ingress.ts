/** Ingress messages: the checks before one is queued, and admission of calls to a canister. */
import { createHash } from 'node:crypto';
import type { Principal } from '@dfinity/principal';
import { MAX_INGRESS_PAYLOAD_BYTES } from '../constants.js';
import { Invocation } from '../engine/invocation.js';
import { canisterError, Reject, Rejects, reject } from '../reject.js';
import type { Canister } from '../state/canister.js';
import type { SubnetCore } from './core.js';

/** An ingress update call as submitted. */
export interface IngressRequest {
    sender: Principal;
    canisterId: Principal;
    method: string;
    arg: Uint8Array;
    effectiveCanisterId?: Principal;
    messageId?: string;
}

/**
 * Checks and queues an ingress update call. Returns the message id, or the reject that
 * refused it before execution (as the IC does for a non-replicated rejection).
 */
export function submitIngress(core: SubnetCore, request: IngressRequest): { ok: string } | { err: Reject } {
    const { sender, canisterId, method, arg } = request;
    if (arg.length + method.length > MAX_INGRESS_PAYLOAD_BYTES) {
        return { err: reject('IC0504', `Ingress message of ${arg.length} bytes is larger than the maximum of ${MAX_INGRESS_PAYLOAD_BYTES} bytes`) };
    }
    let effective = request.effectiveCanisterId ?? canisterId;
    if (canisterId.toUint8Array().length === 0) {
        const checked = core.management.checkIngress(sender, method, arg);
        if ('err' in checked) return checked;
        effective = request.effectiveCanisterId ?? checked.ok ?? canisterId;
    } else {
        const canister = core.canister(canisterId);
        const refusal = admissionReject(core, canister, canisterId, method);
        if (refusal !== null) return { err: refusal };
        const inspectRefusal = inspectMessage(core, canister!, sender, method, arg);
        if (inspectRefusal !== null) return { err: inspectRefusal };
        canister!.cycles -= core.cycles.ingressInduction(arg.length + method.length);
    }
    const id = request.messageId ?? newMessageId(core, sender, canisterId, method, arg);
    core.ingress.set(id, { id, sender, canisterId, method, effectiveCanisterId: effective, status: { status: 'received' }, updatedAt: core.time });
    core.queue.push({ kind: 'request', sender, receiver: canisterId, method, arg, cycles: 0n, replyTo: { kind: 'ingress', messageId: id }, deadline: 0n });
    return { ok: id };
}

/** Why a canister cannot take a new call now, or null. */
export function admissionReject(core: SubnetCore, canister: Canister | undefined, id: Principal, method: string): Reject | null {
    if (canister === undefined) return Rejects.canisterNotFound(id.toText());
    if (canister.status === 'stopping') return Rejects.canisterStopping(canister.idText);
    if (canister.status === 'stopped') return Rejects.canisterStopped(canister.idText);
    const code = canister.code;
    if (code === null) return Rejects.canisterEmpty(canister.idText);
    const info = code.module.info;
    if (info.compositeQueryMethods.has(method)) return Rejects.compositeInReplicatedMode(canister.idText);
    if (!info.updateMethods.has(method) && !info.queryMethods.has(method)) return Rejects.methodNotFound(canister.idText, 'update', method);
    const needed = core.cycles.freezingLimit(canister) + core.cycles.executionCost(0n);
    if (canister.cycles < needed) return Rejects.outOfCycles(canister.idText, needed, canister.cycles);
    return null;
}

function inspectMessage(core: SubnetCore, canister: Canister, sender: Principal, method: string, arg: Uint8Array): Reject | null {
    if (!canister.code!.module.info.hasInspectMessage) return null;
    const inv = new Invocation({ kind: 'F', canister, caller: sender, arg, methodName: method, time: core.time, limit: core.limits.inspectMessage });
    const outcome = core.run(canister, inv, { kind: 'export', name: 'canister_inspect_message' });
    if (outcome.trap !== null) return core.trapReject(canister, outcome.trap);
    if (!inv.messageAccepted) {
        return reject('IC0406', canisterError(canister.idText, 'Canister rejected the message', 'ingress-message-not-accepted', 'Check the canister_inspect_message of the canister: it did not accept this message.'));
    }
    return null;
}

function newMessageId(core: SubnetCore, sender: Principal, canisterId: Principal, method: string, arg: Uint8Array): string {
    return createHash('sha256')
        .update(sender.toUint8Array())
        .update(canisterId.toUint8Array())
        .update(method)
        .update(arg)
        .update(String(core.counters.nextIngressNonce++))
        .digest('hex');
}
