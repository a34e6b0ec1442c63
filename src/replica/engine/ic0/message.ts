/**
 * ic0: message data, the caller, and responding (spec §1.4 "Message data" and "Responding").
 * Contexts are the spec's; `*` is every context except `s`.
 */
import { RejectCode } from '../../reject.js';
import { TrapError } from '../trap.js';
import { blob, I32, I64, ic0, type Ic0Table } from './entry.js';
import { PER_BYTE_REPLY, STANDARD } from './instructions.js';
import { concat } from './scope.js';

const ARG_DATA = 'I U RQ NRQ CQ Ry CRy F';
const CALLER_INFO = 'U RQ NRQ CQ Ry Rt CRy CRt C CC F';
const RESPOND = 'U RQ NRQ CQ Ry Rt CRy CRt';
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

export const MESSAGE: Ic0Table = {
    ...blob('msg_arg_data', ARG_DATA, STANDARD, (s) => s.inv.arg),
    ...blob('msg_caller', '*', STANDARD, (s) => s.inv.callerBytes),
    // The replica carries no sender_info for ingress yet: both blobs are empty.
    ...blob('msg_caller_info_data', CALLER_INFO, STANDARD, () => EMPTY),
    ...blob('msg_caller_info_signer', CALLER_INFO, STANDARD, () => EMPTY),
    msg_reject_code: ic0({ params: [], results: [I32], contexts: 'Ry Rt CRy CRt C CC', overhead: STANDARD, impl: (s) => s.inv.rejectCode }),
    ...blob('msg_reject_msg', 'Rt CRt', STANDARD, (s) => encoder.encode(s.inv.rejectMessage)),
    msg_deadline: ic0({
        params: [],
        results: [I64],
        contexts: 'U RQ NRQ CQ Ry Rt CRy CRt',
        overhead: STANDARD,
        impl: (s) => s.inv.context?.deadline ?? 0n
    }),
    ...blob('msg_method_name', 'F', STANDARD, (s) => encoder.encode(s.inv.methodName)),
    accept_message: ic0({
        params: [],
        results: [],
        contexts: 'F',
        overhead: STANDARD,
        impl: (s) => {
            if (s.inv.messageAccepted) throw TrapError.contract('ic0.accept_message: the message was already accepted');
            s.inv.messageAccepted = true;
        }
    }),

    msg_reply_data_append: ic0({
        params: [I32, I32],
        results: [],
        contexts: RESPOND,
        overhead: STANDARD,
        impl: (s, src, size) => {
            const inv = s.inv;
            if (inv.responded) throw TrapError.contract('ic0.msg_reply_data_append: the call has already been replied to or rejected');
            if (inv.replySize + size > s.replyLimit) {
                throw TrapError.contract(`ic0.msg_reply_data_append: the reply would exceed the maximum of ${s.replyLimit} bytes`);
            }
            s.charge(BigInt(size) * PER_BYTE_REPLY);
            inv.replyParts.push(s.live.read(src, size));
            inv.replySize += size;
        }
    }),
    msg_reply: ic0({
        params: [],
        results: [],
        contexts: RESPOND,
        overhead: STANDARD,
        impl: (s) => {
            const inv = s.inv;
            if (inv.responded) throw TrapError.contract('ic0.msg_reply: the call has already been replied to or rejected');
            inv.response = { kind: 'reply', payload: concat(inv.replyParts, inv.replySize) };
            inv.replyParts = [];
        }
    }),
    msg_reject: ic0({
        params: [I32, I32],
        results: [],
        contexts: RESPOND,
        overhead: STANDARD,
        impl: (s, src, size) => {
            const inv = s.inv;
            if (inv.responded) throw TrapError.contract('ic0.msg_reject: the call has already been replied to or rejected');
            s.charge(BigInt(size) * PER_BYTE_REPLY);
            const message = s.readUtf8(src, size, 'ic0.msg_reject: the reject message');
            inv.response = { kind: 'reject', reject: { code: RejectCode.CanisterReject, message, errorCode: 'IC0406' } };
            inv.replyParts = [];
        }
    })
};
