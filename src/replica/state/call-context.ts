import { Principal } from '@dfinity/principal';

/** Where the answer to a call goes: an ingress message or a callback of a calling canister. */
export type ResponseTarget =
    | { kind: 'ingress'; messageId: string }
    | { kind: 'canister'; canister: Principal; callbackId: number; deadline: bigint | null }
    | { kind: 'system' };

/**
 * A call context (spec §2.2): one per method invocation or system task. Every call made
 * from it, or from its callbacks, belongs to it; it is removed once it has answered and has
 * nothing outstanding.
 */
export interface CallContext {
    readonly id: number;
    readonly origin: ResponseTarget;
    /** Who called (msg_caller in the method and its callbacks). */
    readonly caller: Principal;
    readonly methodName: string;
    needsToRespond: boolean;
    /** Set by uninstall: its callbacks will not run any more. */
    deleted: boolean;
    /** Cycles attached by the caller and not yet accepted. */
    availableCycles: bigint;
    /** Callbacks of this context still waiting for a response. */
    outstandingCallbacks: number;
    /** Instructions spent in this context so far (performance_counter type 1). */
    instructions: bigint;
    /** Deadline of a bounded-wait call into this context, or 0 (msg_deadline). */
    readonly deadline: bigint;
}

/** A function-table entry and its environment, as given to call_new / call_on_cleanup. */
export interface Closure {
    readonly fun: number;
    readonly env: number;
}

/** A callback waiting for the response to an outgoing call. */
export interface Callback {
    readonly id: number;
    readonly callContextId: number;
    readonly callee: Principal;
    readonly method: string;
    readonly onReply: Closure;
    readonly onReject: Closure;
    readonly onCleanup: Closure | null;
    /** Bounded-wait calls: the absolute deadline in ns; null for unbounded-wait calls. */
    readonly deadline: bigint | null;
    /** Set when the system already answered a bounded-wait call (deadline passed): a later real response is dropped. */
    answeredBySystem: boolean;
}
