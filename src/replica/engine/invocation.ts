import { Principal } from '@dfinity/principal';
import { CallResult } from '../reject.js';
import { Canister } from '../state/canister.js';
import { CallContext, Closure } from '../state/call-context.js';
import { ContextKind } from './contexts.js';

/** A call being assembled between call_new and call_perform. */
export interface CallUnderConstruction {
    callee: Principal;
    method: string;
    argParts: Uint8Array[];
    argSize: number;
    cycles: bigint;
    onReply: Closure;
    onReject: Closure;
    onCleanup: Closure | null;
    timeoutSeconds: number | null;
}

/** A call that call_perform queued; it is sent only if the execution commits. */
export interface QueuedCall {
    callee: Principal;
    method: string;
    arg: Uint8Array;
    cycles: bigint;
    onReply: Closure;
    onReject: Closure;
    onCleanup: Closure | null;
    /** Absolute deadline (ns) of a bounded-wait call, or null. */
    deadline: bigint | null;
}

export interface InvocationInit {
    kind: ContextKind;
    canister: Canister;
    caller: Principal;
    arg?: Uint8Array;
    methodName?: string;
    /** Reject code and text seen by a reject callback (and code 0 for a reply callback). */
    rejectCode?: number;
    rejectMessage?: string;
    context?: CallContext | null;
    refunded?: bigint;
    time: bigint;
    /** The instruction limit of this kind of message. */
    limit: bigint;
    /**
     * Produces the certificate the canister can read with data_certificate_copy, when one is
     * present. Called at most once, and only if the canister asks for the bytes (signing costs).
     */
    dataCertificate?: (() => Uint8Array) | null;
}

/**
 * One run of one Wasm entry point, and the effects it has accumulated. Nothing here
 * touches the canister until the engine commits it; a trap simply drops the object.
 */
export class Invocation {
    readonly kind: ContextKind;
    readonly canister: Canister;
    readonly caller: Principal;
    readonly callerBytes: Uint8Array;
    readonly arg: Uint8Array;
    readonly methodName: string;
    readonly rejectCode: number;
    readonly rejectMessage: string;
    readonly context: CallContext | null;
    readonly refunded: bigint;
    readonly time: bigint;
    readonly limit: bigint;
    readonly #makeCertificate: (() => Uint8Array) | null;
    #certificate: Uint8Array | null = null;

    replyParts: Uint8Array[] = [];
    replySize = 0;
    response: CallResult | null = null;
    cyclesAccepted = 0n;
    /** Cycles moved from the balance onto queued calls or the call being built. */
    cyclesAttached = 0n;
    cyclesBurned = 0n;
    /** Fees of calls performed in this execution. */
    cyclesForCallFees = 0n;
    pendingCall: CallUnderConstruction | null = null;
    queuedCalls: QueuedCall[] = [];
    certifiedData: Uint8Array | null = null;
    globalTimer: bigint | null = null;
    messageAccepted = false;
    debugPrints: Uint8Array[] = [];
    /** Instruction budget at the start (the counter counts down from it). */
    startBudget = 0n;

    constructor(init: InvocationInit) {
        this.kind = init.kind;
        this.canister = init.canister;
        this.caller = init.caller;
        this.callerBytes = init.caller.toUint8Array();
        this.arg = init.arg ?? new Uint8Array(0);
        this.methodName = init.methodName ?? '';
        this.rejectCode = init.rejectCode ?? 0;
        this.rejectMessage = init.rejectMessage ?? '';
        this.context = init.context ?? null;
        this.refunded = init.refunded ?? 0n;
        this.time = init.time;
        this.limit = init.limit;
        this.#makeCertificate = init.dataCertificate ?? null;
    }

    /** Whether a data certificate is available (data_certificate_present). */
    get hasDataCertificate(): boolean {
        return this.#makeCertificate !== null;
    }

    /** The data certificate, made on first use; null when none is present. */
    get dataCertificate(): Uint8Array | null {
        if (this.#certificate === null && this.#makeCertificate !== null) this.#certificate = this.#makeCertificate();
        return this.#certificate;
    }

    /** Whether the call context has been answered, before or during this execution. */
    get responded(): boolean {
        return this.response !== null || (this.context !== null && !this.context.needsToRespond);
    }

    /** Cycles the caller attached that are still unaccepted (msg_cycles_available). */
    get cyclesAvailable(): bigint {
        if (this.context === null || this.response !== null) return 0n;
        return this.context.availableCycles - this.cyclesAccepted;
    }

    /** The canister's balance as this execution sees it. */
    get balance(): bigint {
        return this.canister.cycles + this.cyclesAccepted - this.cyclesAttached - this.cyclesBurned - this.cyclesForCallFees;
    }
}
