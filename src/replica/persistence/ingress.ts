/** Saving and restoring ingress records: who sent which message, and its status. */
import { RejectCode } from '../reject.js';
import { IngressRecord, IngressStatus } from '../state/ingress.js';
import { CorruptStateError, Stored, StoredRecord, big, bytes, field, num, pid, principal, rec, str } from './values.js';

function statusRecord(s: IngressStatus): StoredRecord {
    switch (s.status) {
        case 'replied':
            return { status: 'replied', reply: s.reply };
        case 'rejected':
            return { status: 'rejected', code: s.reject.code, message: s.reject.message, errorCode: s.reject.errorCode };
        default:
            return { status: s.status };
    }
}

function restoreStatus(stored: Stored): IngressStatus {
    const r = rec(stored);
    const status = str(field(r, 'status'));
    switch (status) {
        case 'received':
        case 'processing':
        case 'done':
            return { status };
        case 'replied':
            return { status, reply: bytes(field(r, 'reply')) };
        case 'rejected':
            return { status, reject: { code: num(field(r, 'code')) as RejectCode, message: str(field(r, 'message')), errorCode: str(field(r, 'errorCode')) } };
        default:
            throw new CorruptStateError(`Saved replica state is corrupt: unknown ingress status ${status}`);
    }
}

export function ingressRecord(r: IngressRecord): StoredRecord {
    return {
        id: r.id,
        sender: pid(r.sender),
        canisterId: pid(r.canisterId),
        method: r.method,
        effectiveCanisterId: pid(r.effectiveCanisterId),
        status: statusRecord(r.status),
        updatedAt: r.updatedAt
    };
}

export function restoreIngress(stored: Stored): IngressRecord {
    const r = rec(stored);
    return {
        id: str(field(r, 'id')),
        sender: principal(field(r, 'sender')),
        canisterId: principal(field(r, 'canisterId')),
        method: str(field(r, 'method')),
        effectiveCanisterId: principal(field(r, 'effectiveCanisterId')),
        status: restoreStatus(field(r, 'status')),
        updatedAt: big(field(r, 'updatedAt'))
    };
}
