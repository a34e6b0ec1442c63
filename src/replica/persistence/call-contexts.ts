/** Saving and restoring a canister's open call contexts and the callbacks awaiting answers. */
import { Callback, CallContext, Closure } from '../state/call-context.js';
import { restoreTarget, targetRecord } from './messages.js';
import { Stored, StoredRecord, big, bool, field, num, optional, pid, principal, rec, str } from './values.js';

function closureRecord(c: Closure): StoredRecord {
    return { fun: c.fun, env: c.env };
}

function restoreClosure(stored: Stored): Closure {
    const r = rec(stored);
    return { fun: num(field(r, 'fun')), env: num(field(r, 'env')) };
}

export function contextRecord(c: CallContext): StoredRecord {
    return {
        id: c.id,
        origin: targetRecord(c.origin),
        caller: pid(c.caller),
        methodName: c.methodName,
        needsToRespond: c.needsToRespond,
        deleted: c.deleted,
        availableCycles: c.availableCycles,
        outstandingCallbacks: c.outstandingCallbacks,
        instructions: c.instructions,
        deadline: c.deadline
    };
}

export function restoreContext(stored: Stored): CallContext {
    const r = rec(stored);
    return {
        id: num(field(r, 'id')),
        origin: restoreTarget(field(r, 'origin')),
        caller: principal(field(r, 'caller')),
        methodName: str(field(r, 'methodName')),
        needsToRespond: bool(field(r, 'needsToRespond')),
        deleted: bool(field(r, 'deleted')),
        availableCycles: big(field(r, 'availableCycles')),
        outstandingCallbacks: num(field(r, 'outstandingCallbacks')),
        instructions: big(field(r, 'instructions')),
        deadline: big(field(r, 'deadline'))
    };
}

export function callbackRecord(c: Callback): StoredRecord {
    return {
        id: c.id,
        callContextId: c.callContextId,
        callee: pid(c.callee),
        method: c.method,
        onReply: closureRecord(c.onReply),
        onReject: closureRecord(c.onReject),
        onCleanup: c.onCleanup === null ? null : closureRecord(c.onCleanup),
        deadline: c.deadline,
        answeredBySystem: c.answeredBySystem
    };
}

export function restoreCallback(stored: Stored): Callback {
    const r = rec(stored);
    return {
        id: num(field(r, 'id')),
        callContextId: num(field(r, 'callContextId')),
        callee: principal(field(r, 'callee')),
        method: str(field(r, 'method')),
        onReply: restoreClosure(field(r, 'onReply')),
        onReject: restoreClosure(field(r, 'onReject')),
        onCleanup: optional(r.onCleanup, restoreClosure),
        deadline: optional(r.deadline, big),
        answeredBySystem: bool(field(r, 'answeredBySystem'))
    };
}
