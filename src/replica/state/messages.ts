import { Principal } from '@dfinity/principal';
import { CallResult } from '../reject.js';
import { ResponseTarget } from './call-context.js';

/** A request to a canister (or to the management canister) waiting in the queue. */
export interface RequestMessage {
    readonly kind: 'request';
    readonly sender: Principal;
    readonly receiver: Principal;
    readonly method: string;
    readonly arg: Uint8Array;
    readonly cycles: bigint;
    /** Where the result goes: the sending canister's callback, or an ingress message. */
    readonly replyTo: ResponseTarget;
    /** Bounded-wait deadline (ns) or 0. */
    readonly deadline: bigint;
}

/** A response on its way to a calling canister's callback. */
export interface ResponseMessage {
    readonly kind: 'response';
    readonly receiver: Principal;
    readonly callbackId: number;
    readonly result: CallResult;
    readonly refund: bigint;
}

/** A system task (global timer or heartbeat) scheduled for a canister. */
export interface TaskMessage {
    readonly kind: 'task';
    readonly receiver: Principal;
    readonly task: 'global_timer' | 'heartbeat' | 'on_low_wasm_memory';
}

export type Message = RequestMessage | ResponseMessage | TaskMessage;
