/**
 * The state of one subnet and the primitive operations on it. Internal to this folder:
 * `Subnet` (index.ts) holds it privately, and the management canister sees it only through
 * `ManagementPort` (port.ts).
 */
import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';
import { DEFAULT_INSTRUCTION_LIMITS, DEFAULT_MAX_SNAPSHOTS_PER_CANISTER, DEFAULT_STOP_TIMEOUT_NS, InstructionLimits, MAX_LOG_BYTES } from '../constants.js';
import { isReplicated } from '../engine/contexts.js';
import { Cycles } from '../engine/cycles.js';
import { commitExecution, Entry, execute, ExecutionOutcome, rollbackExecution } from '../engine/execute.js';
import { InstancePool } from '../engine/instance-pool.js';
import { Invocation } from '../engine/invocation.js';
import { TrapError } from '../engine/trap.js';
import { FaultInjector } from '../faults.js';
import type { ManagementCanister } from '../management/index.js';
import { PageStore, sharedPageStore } from '../memory/page-store.js';
import { canisterIdFromIndex } from '../principal.js';
import { canisterError, reject, Reject } from '../reject.js';
import { CallContext, ResponseTarget } from '../state/call-context.js';
import { Canister } from '../state/canister.js';
import { IngressRecord } from '../state/ingress.js';
import { Message } from '../state/messages.js';
import { ExecutionEvent, SubnetCounters, SubnetOptions } from './options.js';
import type { InstallReport } from '../management/install-report.js';

const DEFAULT_FIRST_CANISTER_INDEX = 0xffffffffffe00000n;
const DEFAULT_SUBNET_ID = Principal.fromText('2vxsx-fae');

/** Contexts whose heap and stable-memory changes are kept when they return normally. */
function persists(kind: Invocation['kind']): boolean {
    return kind === 'I' || kind === 'G' || kind === 'U' || kind === 'Ry' || kind === 'Rt' || kind === 'C' || kind === 'T' || kind === 's';
}

export class SubnetCore {
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
    /** Canisters in the stopping state, checked after every message. */
    readonly stopping = new Set<Canister>();
    readonly faults = new FaultInjector();
    /** The last install_code cascade of each canister, by id text (observation only, never persisted). */
    readonly lastInstalls = new Map<string, InstallReport>();
    time: bigint;
    certifiedTime: bigint;
    nextCanisterIndex: bigint;
    counters: SubnetCounters = { nextCallContextId: 1, nextCallbackId: 1, nextIngressNonce: 0n, randomCounter: 0n, lastStorageCharge: 0n };
    readonly options: SubnetOptions;
    readonly #randomSeed: Uint8Array;

    constructor(options: SubnetOptions, management: (core: SubnetCore) => ManagementCanister) {
        this.options = options;
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
        this.management = management(this);
    }

    canister(id: Principal): Canister | undefined {
        return this.canisters.get(id.toText());
    }

    allocateCanisterId(): Principal {
        for (;;) {
            const id = canisterIdFromIndex(this.nextCanisterIndex++);
            if (!this.canisters.has(id.toText())) return id;
        }
    }

    /** 32 fresh random bytes for raw_rand: reproducible from the seed. */
    randomBytes(): Uint8Array {
        const digest = createHash('sha256').update(this.#randomSeed).update(String(this.counters.randomCounter++)).digest();
        return new Uint8Array(digest);
    }

    /** Runs `entry` and, unless it trapped or the context never persists, commits its memory. */
    run(canister: Canister, invocation: Invocation, entry: Entry): ExecutionOutcome {
        const code = canister.code!;
        const started = this.options.onExecution === undefined ? 0 : performance.now();
        const outcome = execute(code, invocation, entry, this.pool);
        const keep = outcome.trap === null && persists(invocation.kind);
        if (keep) commitExecution(code, this.pool);
        else rollbackExecution(code, this.pool);
        if (isReplicated(invocation.kind)) this.chargeExecution(canister, outcome.instructions);
        if (outcome.trap !== null && isReplicated(invocation.kind)) this.appendLog(canister, `[TRAP]: ${outcome.trap.detail}`);
        if (this.options.onExecution !== undefined) this.#report(canister, invocation, entry, outcome, performance.now() - started);
        return outcome;
    }

    #report(canister: Canister, invocation: Invocation, entry: Entry, outcome: ExecutionOutcome, durationMs: number): void {
        const event: ExecutionEvent = {
            canisterId: canister.id,
            kind: invocation.kind,
            entry: entry.kind === 'export' ? entry.name : `table[${entry.fun}]`,
            instructions: outcome.instructions,
            trapped: outcome.trap !== null,
            durationMs
        };
        this.options.onExecution?.(event);
    }

    chargeExecution(canister: Canister, instructions: bigint): void {
        canister.cycles -= this.cycles.executionCost(instructions);
        if (canister.cycles < 0n) canister.cycles = 0n;
    }

    appendLog(canister: Canister, text: string | Uint8Array): void {
        const content = typeof text === 'string' ? new TextEncoder().encode(text) : text;
        canister.logs.push({ idx: canister.nextLogIdx++, timestampNanos: this.time, content });
        let total = canister.logs.reduce((n, r) => n + r.content.length, 0);
        while (total > MAX_LOG_BYTES && canister.logs.length > 0) total -= canister.logs.shift()!.content.length;
        if (this.options.onDebugPrint && typeof text !== 'string') {
            this.options.onDebugPrint(canister.id, new TextDecoder().decode(content));
        }
    }

    trapReject(canister: Canister, trap: TrapError): Reject {
        return reject(trap.errorCode, canisterError(canister.idText, trap.detail, trap.docAnchor, trap.suggestion));
    }

    newCallContext(canister: Canister, origin: ResponseTarget, caller: Principal, method: string, cycles: bigint, deadline: bigint, needsToRespond = true): CallContext {
        const context: CallContext = {
            id: this.counters.nextCallContextId++,
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
}
