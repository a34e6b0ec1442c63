/**
 * Saving and restoring queued messages (requests, responses, tasks), their results and the
 * targets their answers go to (also used by call contexts and pending stops).
 */
import { CallResult, RejectCode } from '../reject.js';
import { ResponseTarget } from '../state/call-context.js';
import { Message } from '../state/messages.js';
import { CorruptStateError, Stored, StoredRecord, big, bytes, field, num, optional, pid, principal, rec, str } from './values.js';

export function targetRecord(t: ResponseTarget): StoredRecord {
    switch (t.kind) {
        case 'ingress':
            return { kind: 'ingress', messageId: t.messageId };
        case 'canister':
            return { kind: 'canister', canister: pid(t.canister), callbackId: t.callbackId, deadline: t.deadline };
        case 'system':
            return { kind: 'system' };
    }
}

export function restoreTarget(stored: Stored): ResponseTarget {
    const r = rec(stored);
    const kind = str(field(r, 'kind'));
    if (kind === 'ingress') return { kind: 'ingress', messageId: str(field(r, 'messageId')) };
    if (kind === 'canister') return { kind: 'canister', canister: principal(field(r, 'canister')), callbackId: num(field(r, 'callbackId')), deadline: optional(r.deadline, big) };
    if (kind === 'system') return { kind: 'system' };
    throw new CorruptStateError(`Saved replica state is corrupt: unknown response target ${kind}`);
}

function resultRecord(result: CallResult): StoredRecord {
    if (result.kind === 'reply') return { kind: 'reply', payload: result.payload };
    return { kind: 'reject', code: result.reject.code, message: result.reject.message, errorCode: result.reject.errorCode };
}

function restoreResult(stored: Stored): CallResult {
    const r = rec(stored);
    if (str(field(r, 'kind')) === 'reply') return { kind: 'reply', payload: bytes(field(r, 'payload')) };
    return { kind: 'reject', reject: { code: num(field(r, 'code')) as RejectCode, message: str(field(r, 'message')), errorCode: str(field(r, 'errorCode')) } };
}

export function messageRecord(m: Message): StoredRecord {
    switch (m.kind) {
        case 'request':
            return {
                kind: 'request',
                sender: pid(m.sender),
                receiver: pid(m.receiver),
                method: m.method,
                arg: m.arg,
                cycles: m.cycles,
                replyTo: targetRecord(m.replyTo),
                deadline: m.deadline
            };
        case 'response':
            return { kind: 'response', receiver: pid(m.receiver), callbackId: m.callbackId, result: resultRecord(m.result), refund: m.refund };
        case 'task':
            return { kind: 'task', receiver: pid(m.receiver), task: m.task };
    }
}

export function restoreMessage(stored: Stored): Message {
    const r = rec(stored);
    const kind = str(field(r, 'kind'));
    if (kind === 'request') {
        return {
            kind: 'request',
            sender: principal(field(r, 'sender')),
            receiver: principal(field(r, 'receiver')),
            method: str(field(r, 'method')),
            arg: bytes(field(r, 'arg')),
            cycles: big(field(r, 'cycles')),
            replyTo: restoreTarget(field(r, 'replyTo')),
            deadline: big(field(r, 'deadline'))
        };
    }
    if (kind === 'response') {
        return { kind: 'response', receiver: principal(field(r, 'receiver')), callbackId: num(field(r, 'callbackId')), result: restoreResult(field(r, 'result')), refund: big(field(r, 'refund')) };
    }
    if (kind === 'task') {
        const task = str(field(r, 'task'));
        if (task !== 'global_timer' && task !== 'heartbeat' && task !== 'on_low_wasm_memory') throw new CorruptStateError(`Saved replica state is corrupt: unknown task ${task}`);
        return { kind: 'task', receiver: principal(field(r, 'receiver')), task };
    }
    throw new CorruptStateError(`Saved replica state is corrupt: unknown message kind ${kind}`);
}
