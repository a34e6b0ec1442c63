import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';
import {
    DEFAULT_INSTRUCTION_LIMITS,
    DEFAULT_MAX_SNAPSHOTS_PER_CANISTER,
    DEFAULT_STOP_TIMEOUT_NS,
    InstructionLimits,
    MAX_INGRESS_PAYLOAD_BYTES,
    MAX_LOG_BYTES
} from './constants.js';
import { ContextKind, isReplicated } from './engine/contexts.js';
import { Cycles, CostSchedule } from './engine/cycles.js';
import { commitExecution, Entry, execute, ExecutionOutcome, rollbackExecution } from './engine/execute.js';
import { InstancePool } from './engine/instance-pool.js';
import { Invocation } from './engine/invocation.js';
import { TrapError } from './engine/trap.js';
import { PageStore, sharedPageStore } from './memory/page-store.js';
import { MANAGEMENT_CANISTER_ID, canisterIdFromIndex } from './principal.js';
import { CallResult, Reject, Rejects, canisterError, reject } from './reject.js';
import { CallContext, Callback, ResponseTarget } from './state/call-context.js';
import { Canister } from './state/canister.js';
import { IngressRecord, IngressStatus } from './state/ingress.js';
import { Message, RequestMessage, ResponseMessage, TaskMessage } from './state/messages.js';
import { FaultInjector } from './faults.js';
import { ManagementCanister } from './management/index.js';

/** Options of a subnet; every field has a default documented on it. */
export interface SubnetOptions {
    /** Instruction limits per message kind. Default: the IC's (40 B update, 5 B query, 300 B install, 200 M inspect). */
    instructionLimits?: Partial<InstructionLimits>;
    /** How long a stop_canister may wait for open call contexts, in ns. Default: 5 minutes. */
    stopTimeoutNs?: bigint;
    /** Snapshots a canister may keep. Default: 10. */
    maxSnapshotsPerCanister?: number;
    /** Canisters kept instantiated at once; others wait as shared pages. Default: 32. */
    maxLiveInstances?: number;
    /** Cycle costs: 'normal' (13-node application subnet prices) or 'free'. Default: 'normal'. */
    costSchedule?: CostSchedule;
    /** Initial time in ns since the epoch. Default: the wall clock at creation. */
    time?: bigint;
    /** Index of the first canister id handed out. Default: 0xffffffffffe00000, as PocketIC's application subnet. */
    firstCanisterIndex?: bigint;
    /** The subnet's id. Default: a fixed self-authenticating id. */
    subnetId?: Principal;
    /** DER root key exposed through ic0.root_key_*, when the replica has one. Default: none. */
    rootKey?: Uint8Array | null;
    /**
     * Produces the certificate a query call's target canister may read (data_certificate_copy):
     * a certificate of /canister/<id>/certified_data and /time. Called only when the canister
     * reads it. Default: none (data_certificate_present is 0); Replica.create provides one.
     */
    certifyQuery?: (canisterId: Principal) => Uint8Array;
    /** Called with every debug_print of a replicated execution. Default: none. */
    onDebugPrint?: (canisterId: Principal, text: string) => void;
    /** Seed of raw_rand. Default: fixed, so runs are reproducible. */
    randomSeed?: Uint8Array;
    /** Page store shared by canisters and snapshots. Default: the process-wide store. */
    pageStore?: PageStore;
    /** Called after every execution of canister code (benchmarks, tracing). Default: none. */
    onExecution?: (event: ExecutionEvent) => void;
}

/** One execution of canister code, as reported to `onExecution`. */
export interface ExecutionEvent {
    canisterId: Principal;
    kind: ContextKind;
    entry: string;
    instructions: bigint;
    trapped: boolean;
}

/** See `Subnet.exportCounters`. */
export interface SubnetCounters {
    nextCallContextId: number;
    nextCallbackId: number;
    nextIngressNonce: bigint;
    randomCounter: bigint;
    lastStorageCharge: bigint;
}

export const DEFAULT_FIRST_CANISTER_INDEX = 0xffffffffffe00000n;
const DEFAULT_SUBNET_ID = Principal.fromText('2vxsx-fae');

/** Answers with a reject, from the caller's point of view. */
function rejected(r: Reject): CallResult {
    return { kind: 'reject', reject: r };
}

/**
 * One IC subnet: its canisters, the queue of messages between them, time, and the rounds
 * that execute them. A pure state machine: no I/O, no timers; `tick()` runs one round.
 */
export class Subnet {
    readonly limits: InstructionLimits;
    readonly stopTimeoutNs: bigint;
    readonly maxSnapshots: number;
    readonly cycles: Cycles;
    readonly pool: InstancePool;
    readonly pageStore: PageStore;
    readonly subnetId: Principal;
    readonly rootKey: Uint8Array | null;
    readonly management: ManagementCanister;
    readonly canisters = new Map<string, Canister>();
    readonly ingress = new Map<string, IngressRecord>();
    /** Messages waiting for the next round, in the order they were produced. */
    queue: Message[] = [];
    /** Test hook: faults to inject into responses (see faults.ts). Nothing is armed by default. */
    readonly faults = new FaultInjector();

    /** Test hook: puts the responses held by `delay` faults back in the queue, for the next round. */
    releaseDelayedResponses(): number {
        const released = this.faults.releaseDelayed();
        this.queue.push(...released);
        return released.length;
    }
    /** Time of the next round, in ns. */
    time: bigint;
    /** Time of the last round, which queries see (PocketIC's "certified time"), in ns. */
    certifiedTime: bigint;
    nextCanisterIndex: bigint;
    #nextCallContextId = 1;
    #nextCallbackId = 1;
    #nextIngressNonce = 0n;
    #randomCounter = 0n;
    readonly #randomSeed: Uint8Array;
    readonly #options: SubnetOptions;

    constructor(options: SubnetOptions = {}) {
        this.#options = options;
        this.limits = { ...DEFAULT_INSTRUCTION_LIMITS, ...options.instructionLimits };
        this.stopTimeoutNs = options.stopTimeoutNs ?? DEFAULT_STOP_TIMEOUT_NS;
        this.maxSnapshots = options.maxSnapshotsPerCanister ?? DEFAULT_MAX_SNAPSHOTS_PER_CANISTER;
        this.cycles = new Cycles(options.costSchedule ?? 'normal');
        this.pageStore = options.pageStore ?? sharedPageStore;
        this.time = options.time ?? BigInt(Date.now()) * 1_000_000n;
        this.certifiedTime = this.time;
        this.nextCanisterIndex = options.firstCanisterIndex ?? DEFAULT_FIRST_CANISTER_INDEX;
        this.subnetId = options.subnetId ?? DEFAULT_SUBNET_ID;
        this.rootKey = options.rootKey ?? null;
        this.pool = new InstancePool(Math.max(8, options.maxLiveInstances ?? 32), this.pageStore, {
            subnetId: this.subnetId,
            rootKey: this.rootKey,
            freezingLimit: (canister) => this.cycles.freezingLimit(canister),
            costCall: (m, p) => this.cycles.callCost(m, p),
            costCreateCanister: () => this.cycles.canisterCreation()
        });
        this.#randomSeed = options.randomSeed ?? new TextEncoder().encode('embedded replica');
        this.management = new ManagementCanister(this);
    }

    /**
     * The counters no other state determines (call context, callback and ingress ids, the
     * raw_rand counter, the last storage charge). Persistence (src/replica/persistence)
     * saves them so that ids handed out after a restart never collide with restored ones.
     */
    exportCounters(): SubnetCounters {
        return {
            nextCallContextId: this.#nextCallContextId,
            nextCallbackId: this.#nextCallbackId,
            nextIngressNonce: this.#nextIngressNonce,
            randomCounter: this.#randomCounter,
            lastStorageCharge: this.#lastStorageCharge
        };
    }

    /** Restores what `exportCounters` returned (before the first round after a restart). */
    importCounters(counters: SubnetCounters): void {
        this.#nextCallContextId = counters.nextCallContextId;
        this.#nextCallbackId = counters.nextCallbackId;
        this.#nextIngressNonce = counters.nextIngressNonce;
        this.#randomCounter = counters.randomCounter;
        this.#lastStorageCharge = counters.lastStorageCharge;
    }

    // ----------------------------------------------------------------- canisters

    canister(id: Principal): Canister | undefined {
        return this.canisters.get(id.toText());
    }

    /** Allocates the next free canister id. */
    allocateCanisterId(): Principal {
        for (;;) {
            const id = canisterIdFromIndex(this.nextCanisterIndex++);
            if (!this.canisters.has(id.toText())) return id;
        }
    }

    /** 32 fresh random bytes for raw_rand: reproducible from the seed. */
    randomBytes(): Uint8Array {
        const digest = createHash('sha256').update(this.#randomSeed).update(String(this.#randomCounter++)).digest();
        return new Uint8Array(digest);
    }

    // ----------------------------------------------------------------- executing code

    /** Runs `entry` and, unless it trapped or the context never persists, commits it. */
    run(canister: Canister, invocation: Invocation, entry: Entry): ExecutionOutcome {
        const code = canister.code!;
        const outcome = execute(code, invocation, entry, this.pool);
        const keep = outcome.trap === null && persists(invocation.kind);
        if (keep) commitExecution(code, this.pool);
        else rollbackExecution(code, this.pool);
        if (isReplicated(invocation.kind)) this.#chargeExecution(canister, outcome.instructions);
        if (outcome.trap !== null && isReplicated(invocation.kind)) this.appendLog(canister, `[TRAP]: ${outcome.trap.detail}`);
        this.#options.onExecution?.({
            canisterId: canister.id,
            kind: invocation.kind,
            entry: entry.kind === 'export' ? entry.name : `table[${entry.fun}]`,
            instructions: outcome.instructions,
            trapped: outcome.trap !== null
        });
        return outcome;
    }

    #chargeExecution(canister: Canister, instructions: bigint): void {
        canister.cycles -= this.cycles.executionCost(instructions);
        if (canister.cycles < 0n) canister.cycles = 0n;
    }

    appendLog(canister: Canister, text: string | Uint8Array): void {
        const content = typeof text === 'string' ? new TextEncoder().encode(text) : text;
        canister.logs.push({ idx: canister.nextLogIdx++, timestampNanos: this.time, content });
        let total = canister.logs.reduce((n, r) => n + r.content.length, 0);
        while (total > MAX_LOG_BYTES && canister.logs.length > 0) total -= canister.logs.shift()!.content.length;
        if (this.#options.onDebugPrint && typeof text !== 'string') {
            this.#options.onDebugPrint(canister.id, new TextDecoder().decode(content));
        }
    }

    /**
     * Applies the effects of a committed execution: cycles, certified data, timer, logs,
     * version, outgoing calls and the response.
     */
    applyEffects(canister: Canister, inv: Invocation): void {
        // A call still under construction when the execution ends is discarded: its cycles go back.
        if (inv.pendingCall !== null) {
            inv.cyclesAttached -= inv.pendingCall.cycles;
            inv.pendingCall = null;
        }
        canister.cycles = inv.balance;
        if (inv.context !== null) inv.context.availableCycles -= inv.cyclesAccepted;
        if (inv.certifiedData !== null) canister.certifiedData = inv.certifiedData;
        if (inv.globalTimer !== null) canister.globalTimer = inv.globalTimer;
        for (const print of inv.debugPrints) this.appendLog(canister, print);
        canister.version++;
        const context = inv.context;
        for (const call of inv.queuedCalls) {
            const callbackId = this.#nextCallbackId++;
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
            this.queue.push({
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
        if (inv.response !== null && context !== null) this.respond(context, inv.response);
    }

    /** Answers a call context and refunds its unaccepted cycles to the caller. */
    respond(context: CallContext, result: CallResult): void {
        context.needsToRespond = false;
        const refund = context.availableCycles;
        context.availableCycles = 0n;
        this.deliver(context.origin, result, refund);
    }

    /** Sends a result to wherever a call came from. */
    deliver(target: ResponseTarget, result: CallResult, refund: bigint): void {
        if (target.kind === 'ingress') {
            const record = this.ingress.get(target.messageId);
            if (record !== undefined) {
                record.status = result.kind === 'reply' ? { status: 'replied', reply: result.payload } : { status: 'rejected', reject: result.reject };
                record.updatedAt = this.time;
            }
        } else if (target.kind === 'canister') {
            this.queue.push({ kind: 'response', receiver: target.canister, callbackId: target.callbackId, result, refund });
        }
    }

    /**
     * Closes a call context that has nothing outstanding: rejects it if it never answered
     * (with the last trap, or IC0506), then removes it.
     */
    settle(canister: Canister, context: CallContext, lastTrap: TrapError | null): void {
        if (context.outstandingCallbacks > 0) return;
        if (context.needsToRespond && !context.deleted) {
            const r = lastTrap !== null ? this.trapReject(canister, lastTrap) : Rejects.didNotReply(canister.idText);
            this.respond(context, rejected(r));
        }
        canister.callContexts.delete(context.id);
    }

    trapReject(canister: Canister, trap: TrapError): Reject {
        return reject(trap.errorCode, canisterError(canister.idText, trap.detail, trap.docAnchor, trap.suggestion));
    }

    newCallContext(canister: Canister, origin: ResponseTarget, caller: Principal, method: string, cycles: bigint, deadline: bigint, needsToRespond = true): CallContext {
        const context: CallContext = {
            id: this.#nextCallContextId++,
            origin,
            caller,
            methodName: method,
            needsToRespond,
            deleted: false,
            availableCycles: cycles,
            outstandingCallbacks: 0,
            instructions: 0n,
            deadline
        };
        canister.callContexts.set(context.id, context);
        return context;
    }

    // ----------------------------------------------------------------- rounds

    /** Runs one round: expiries, timers and heartbeats, then every message queued before it. */
    tick(): void {
        this.certifiedTime = this.time;
        this.#expireDeadlines();
        this.#scheduleTasks();
        const batch = this.queue;
        this.queue = [];
        for (const message of batch) {
            this.#handle(message);
            this.completeStops();
        }
        this.#chargeStorage();
        this.completeStops();
    }

    #handle(message: Message): void {
        switch (message.kind) {
            case 'request':
                if (message.receiver.toUint8Array().length === 0) this.management.handle(message);
                else this.#executeRequest(message);
                return;
            case 'response':
                this.#executeResponse(message);
                return;
            case 'task':
                this.#executeTask(message);
                return;
            default: {
                const unknown: never = message;
                throw new Error(`unknown message ${JSON.stringify(unknown)}`);
            }
        }
    }

    /** Why a canister cannot take a new call now, or null. */
    admissionReject(canister: Canister | undefined, id: Principal, method: string): Reject | null {
        if (canister === undefined) return Rejects.canisterNotFound(id.toText());
        if (canister.status === 'stopping') return Rejects.canisterStopping(canister.idText);
        if (canister.status === 'stopped') return Rejects.canisterStopped(canister.idText);
        const code = canister.code;
        if (code === null) return Rejects.canisterEmpty(canister.idText);
        const info = code.module.info;
        if (info.compositeQueryMethods.has(method)) return Rejects.compositeInReplicatedMode(canister.idText);
        if (!info.updateMethods.has(method) && !info.queryMethods.has(method)) return Rejects.methodNotFound(canister.idText, 'update', method);
        const needed = this.cycles.freezingLimit(canister) + this.cycles.executionCost(0n);
        if (canister.cycles < needed) return Rejects.outOfCycles(canister.idText, needed, canister.cycles);
        return null;
    }

    #executeRequest(message: RequestMessage): void {
        const canister = this.canister(message.receiver);
        const refusal = this.admissionReject(canister, message.receiver, message.method);
        if (refusal !== null) {
            this.deliver(message.replyTo, rejected(refusal), message.cycles);
            return;
        }
        const target = canister!;
        if (message.replyTo.kind === 'ingress') this.#setIngressStatus(message.replyTo.messageId, { status: 'processing' });
        const isUpdate = target.code!.module.info.updateMethods.has(message.method);
        const kind: ContextKind = isUpdate ? 'U' : 'RQ';
        const context = this.newCallContext(target, message.replyTo, message.sender, message.method, message.cycles, message.deadline);
        const inv = new Invocation({
            kind,
            canister: target,
            caller: message.sender,
            arg: message.arg,
            context,
            time: this.time,
            limit: isUpdate ? this.limits.update : this.limits.query
        });
        const outcome = this.run(target, inv, { kind: 'export', name: `canister_${isUpdate ? 'update' : 'query'} ${message.method}` });
        context.instructions += outcome.instructions;
        if (outcome.trap === null) {
            if (isUpdate) {
                this.applyEffects(target, inv);
            } else {
                // A replicated query keeps no state, but its reply, cycles and version count.
                target.version++;
                if (inv.response !== null) this.respond(context, inv.response);
            }
        }
        this.settle(target, context, outcome.trap);
    }

    #executeResponse(message: ResponseMessage): void {
        const canister = this.canister(message.receiver);
        if (canister === undefined) return;
        const callback = canister.callbacks.get(message.callbackId);
        if (callback === undefined) return;
        if (callback.answeredBySystem) {
            // The deadline already answered this bounded-wait call; the late response is dropped.
            canister.callbacks.delete(callback.id);
            return;
        }
        const fault = this.faults.take(message, callback.callee);
        if (fault === 'lose' || fault === 'delay') return;
        this.runCallback(canister, callback, message.result, message.refund, fault === 'trap');
    }

    /**
     * Delivers a response to a callback: runs it (or its cleanup) unless its context is gone.
     * `injectTrap` (fault injection only) makes the continuation trap instead of running.
     */
    runCallback(canister: Canister, callback: Callback, result: CallResult, refund: bigint, injectTrap = false): void {
        canister.callbacks.delete(callback.id);
        canister.cycles += refund;
        if (result.kind === 'reply') canister.cycles -= this.cycles.responseCost(result.payload.length);
        const context = canister.callContexts.get(callback.callContextId);
        if (context === undefined) return;
        context.outstandingCallbacks--;
        if (context.deleted || canister.code === null) {
            this.settle(canister, context, null);
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
            time: this.time,
            limit: this.limits.update
        });
        const closure = isReply ? callback.onReply : callback.onReject;
        const outcome = injectTrap ? this.#injectedTrap(canister) : this.run(canister, inv, { kind: 'table', fun: closure.fun, env: closure.env });
        context.instructions += outcome.instructions;
        let lastTrap = outcome.trap;
        if (outcome.trap === null) {
            this.applyEffects(canister, inv);
        } else if (callback.onCleanup !== null) {
            const cleanup = new Invocation({
                kind: 'C',
                canister,
                caller: context.caller,
                rejectCode: isReply ? 0 : result.reject.code,
                context,
                time: this.time,
                limit: this.limits.update
            });
            const cleanupOutcome = this.run(canister, cleanup, { kind: 'table', fun: callback.onCleanup.fun, env: callback.onCleanup.env });
            context.instructions += cleanupOutcome.instructions;
            if (cleanupOutcome.trap === null) {
                if (cleanup.globalTimer !== null) canister.globalTimer = cleanup.globalTimer;
                canister.cycles = cleanup.balance;
                for (const print of cleanup.debugPrints) this.appendLog(canister, print);
            } else {
                lastTrap = new TrapError(
                    cleanupOutcome.trap.errorCode,
                    `${outcome.trap.detail}\n\ncall_on_cleanup also failed:\n\n${cleanupOutcome.trap.detail}`,
                    cleanupOutcome.trap.docAnchor,
                    cleanupOutcome.trap.suggestion
                );
            }
        }
        this.settle(canister, context, lastTrap);
    }

    /** The outcome of a continuation made to trap by fault injection: nothing ran, nothing is kept. */
    #injectedTrap(canister: Canister): ExecutionOutcome {
        const trap = FaultInjector.injectedTrap();
        this.appendLog(canister, `[TRAP]: ${trap.detail}`);
        return { trap, instructions: 0n };
    }

    #executeTask(message: TaskMessage): void {
        const canister = this.canister(message.receiver);
        if (canister === undefined || canister.code === null || canister.status !== 'running') return;
        const context = this.newCallContext(canister, { kind: 'system' }, MANAGEMENT_CANISTER_ID, message.task, 0n, 0n, false);
        const inv = new Invocation({ kind: 'T', canister, caller: MANAGEMENT_CANISTER_ID, methodName: message.task, context, time: this.time, limit: this.limits.update });
        const outcome = this.run(canister, inv, { kind: 'export', name: `canister_${message.task}` });
        context.instructions += outcome.instructions;
        if (outcome.trap === null) this.applyEffects(canister, inv);
        this.settle(canister, context, outcome.trap);
    }

    /** Global timers that are due, and heartbeats, become tasks at the start of a round. */
    #scheduleTasks(): void {
        const tasks: TaskMessage[] = [];
        for (const canister of this.canisters.values()) {
            const info = canister.code?.module.info;
            if (info === undefined || canister.status !== 'running') continue;
            if (info.hasHeartbeat) tasks.push({ kind: 'task', receiver: canister.id, task: 'heartbeat' });
            if (canister.globalTimer !== 0n && this.time >= canister.globalTimer) {
                canister.globalTimer = 0n;
                if (info.hasGlobalTimer) tasks.push({ kind: 'task', receiver: canister.id, task: 'global_timer' });
            }
        }
        this.queue = [...tasks, ...this.queue];
    }

    /** Bounded-wait calls past their deadline get SYS_UNKNOWN; stops past their timeout are rejected. */
    #expireDeadlines(): void {
        for (const canister of this.canisters.values()) {
            for (const callback of canister.callbacks.values()) {
                if (callback.deadline !== null && !callback.answeredBySystem && this.time >= callback.deadline) {
                    callback.answeredBySystem = true;
                    const late = { ...callback };
                    this.runCallback(canister, late, rejected(Rejects.deadlineExpired()), 0n);
                    // Keep the entry so the real response, if it comes, is recognised and dropped.
                    canister.callbacks.set(callback.id, callback);
                }
            }
            if (canister.pendingStops.length > 0) {
                const [expired, waiting] = partition(canister.pendingStops, (s) => this.time >= s.deadline);
                canister.pendingStops = waiting;
                for (const stop of expired) this.deliver(stop.replyTo, rejected(Rejects.stopTimedOut(canister.idText)), 0n);
            }
        }
    }

    /** Canisters in the stopping state, checked after every message. */
    readonly stopping = new Set<Canister>();

    /** Stopping canisters with no call context left become stopped, answering their stops. */
    completeStops(): void {
        for (const canister of this.stopping) {
            if (canister.status !== 'stopping') {
                this.stopping.delete(canister);
                continue;
            }
            if (canister.hasOpenCallContexts) continue;
            this.stopping.delete(canister);
            canister.status = 'stopped';
            canister.version++;
            const stops = canister.pendingStops;
            canister.pendingStops = [];
            for (const stop of stops) this.deliver(stop.replyTo, { kind: 'reply', payload: EMPTY_CANDID }, 0n);
        }
    }

    #lastStorageCharge = 0n;
    #chargeStorage(): void {
        const elapsed = this.time - this.#lastStorageCharge;
        if (this.#lastStorageCharge === 0n || elapsed <= 0n) {
            this.#lastStorageCharge = this.time;
            return;
        }
        this.#lastStorageCharge = this.time;
        for (const canister of this.canisters.values()) {
            const cost = this.cycles.storageCost(canister, elapsed);
            canister.cycles = canister.cycles > cost ? canister.cycles - cost : 0n;
        }
    }

    // ----------------------------------------------------------------- ingress

    /**
     * Checks and queues an ingress update call. Returns the message id, or the reject that
     * refused it before execution (as the IC does for a non-replicated rejection).
     */
    submitIngress(request: {
        sender: Principal;
        canisterId: Principal;
        method: string;
        arg: Uint8Array;
        effectiveCanisterId?: Principal;
        messageId?: string;
    }): { ok: string } | { err: Reject } {
        const { sender, canisterId, method, arg } = request;
        if (arg.length + method.length > MAX_INGRESS_PAYLOAD_BYTES) {
            return { err: reject('IC0504', `Ingress message of ${arg.length} bytes is larger than the maximum of ${MAX_INGRESS_PAYLOAD_BYTES} bytes`) };
        }
        let effective = request.effectiveCanisterId ?? canisterId;
        if (canisterId.toUint8Array().length === 0) {
            const checked = this.management.checkIngress(sender, method, arg);
            if ('err' in checked) return checked;
            effective = request.effectiveCanisterId ?? checked.ok ?? canisterId;
        } else {
            const canister = this.canister(canisterId);
            const refusal = this.admissionReject(canister, canisterId, method);
            if (refusal !== null) return { err: refusal };
            const inspectRefusal = this.#inspectMessage(canister!, sender, method, arg);
            if (inspectRefusal !== null) return { err: inspectRefusal };
            canister!.cycles -= this.cycles.ingressInduction(arg.length + method.length);
        }
        const id = request.messageId ?? this.#newMessageId(sender, canisterId, method, arg);
        this.ingress.set(id, { id, sender, canisterId, method, effectiveCanisterId: effective, status: { status: 'received' }, updatedAt: this.time });
        this.queue.push({ kind: 'request', sender, receiver: canisterId, method, arg, cycles: 0n, replyTo: { kind: 'ingress', messageId: id }, deadline: 0n });
        return { ok: id };
    }

    #inspectMessage(canister: Canister, sender: Principal, method: string, arg: Uint8Array): Reject | null {
        if (!canister.code!.module.info.hasInspectMessage) return null;
        const inv = new Invocation({ kind: 'F', canister, caller: sender, arg, methodName: method, time: this.time, limit: this.limits.inspectMessage });
        const outcome = this.run(canister, inv, { kind: 'export', name: 'canister_inspect_message' });
        if (outcome.trap !== null) return this.trapReject(canister, outcome.trap);
        if (!inv.messageAccepted) {
            return reject('IC0406', canisterError(canister.idText, 'Canister rejected the message', 'ingress-message-not-accepted', 'Check the canister_inspect_message of the canister: it did not accept this message.'));
        }
        return null;
    }

    #newMessageId(sender: Principal, canisterId: Principal, method: string, arg: Uint8Array): string {
        return createHash('sha256')
            .update(sender.toUint8Array())
            .update(canisterId.toUint8Array())
            .update(method)
            .update(arg)
            .update(String(this.#nextIngressNonce++))
            .digest('hex');
    }

    #setIngressStatus(id: string, status: IngressStatus): void {
        const record = this.ingress.get(id);
        if (record !== undefined && (record.status.status === 'received' || record.status.status === 'processing')) {
            record.status = status;
            record.updatedAt = this.time;
        }
    }

    ingressStatus(id: string): IngressStatus | null {
        return this.ingress.get(id)?.status ?? null;
    }

    // ----------------------------------------------------------------- queries

    /** Executes a query call against the current state (non-replicated); nothing persists. */
    query(request: { sender: Principal; canisterId: Principal; method: string; arg: Uint8Array }): CallResult {
        const { sender, canisterId, method, arg } = request;
        if (canisterId.toUint8Array().length === 0) return this.management.query(sender, method, arg);
        const canister = this.canister(canisterId);
        if (canister === undefined) return rejected(Rejects.canisterNotFound(canisterId.toText()));
        if (canister.code === null) return rejected(Rejects.canisterEmpty(canister.idText));
        if (canister.status !== 'running') return rejected(canister.status === 'stopped' ? Rejects.canisterStopped(canister.idText) : Rejects.canisterStopping(canister.idText));
        const info = canister.code.module.info;
        const composite = info.compositeQueryMethods.has(method);
        if (!composite && !info.queryMethods.has(method)) return rejected(Rejects.methodNotFound(canister.idText, 'query', method));
        const context: CallContext = {
            id: 0,
            origin: { kind: 'system' },
            caller: sender,
            methodName: method,
            needsToRespond: true,
            deleted: false,
            availableCycles: 0n,
            outstandingCallbacks: 0,
            instructions: 0n,
            deadline: 0n
        };
        const certify = this.#options.certifyQuery;
        const inv = new Invocation({
            kind: composite ? 'CQ' : 'NRQ',
            canister,
            caller: sender,
            arg,
            context,
            time: this.certifiedTime,
            limit: this.limits.query,
            dataCertificate: certify === undefined ? null : () => certify(canister.id)
        });
        const outcome = this.run(canister, inv, { kind: 'export', name: `canister_${composite ? 'composite_query' : 'query'} ${method}` });
        canister.queryStats.calls++;
        canister.queryStats.instructions += outcome.instructions;
        canister.queryStats.requestBytes += BigInt(arg.length);
        if (outcome.trap !== null) return rejected(this.trapReject(canister, outcome.trap));
        if (inv.queuedCalls.length > 0) {
            return rejected(
                reject('IC0504', canisterError(canister.idText, 'Composite queries that call other canisters are not supported by the embedded replica', 'contract-violation', 'Run this test against a real replica or PocketIC.'))
            );
        }
        if (inv.response === null) return rejected(Rejects.didNotReply(canister.idText));
        if (inv.response.kind === 'reply') canister.queryStats.responseBytes += BigInt(inv.response.payload.length);
        return inv.response;
    }
}

/** Contexts whose heap and stable-memory changes are kept when they return normally. */
function persists(kind: ContextKind): boolean {
    return kind === 'I' || kind === 'G' || kind === 'U' || kind === 'Ry' || kind === 'Rt' || kind === 'C' || kind === 'T' || kind === 's';
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
    const yes: T[] = [];
    const no: T[] = [];
    for (const item of items) (test(item) ? yes : no).push(item);
    return [yes, no];
}

/** `DIDL\0\0`: the Candid encoding of `()`. */
export const EMPTY_CANDID = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]);

