import { Principal } from '@dfinity/principal';
import {
    DEFAULT_FREEZING_THRESHOLD_SECONDS,
    DEFAULT_RESERVED_CYCLES_LIMIT,
    DEFAULT_WASM_MEMORY_LIMIT_BYTES
} from '../constants.js';
import { HeapImage } from '../memory/heap.js';
import { StableMemory } from '../memory/stable-memory.js';
import type { GlobalValueType, PreparedModule } from '../wasm/index.js';
import { Callback, CallContext, ResponseTarget } from './call-context.js';

export type CanisterStatus = 'running' | 'stopping' | 'stopped';

export type LogVisibility = { kind: 'controllers' } | { kind: 'public' } | { kind: 'allowed_viewers'; viewers: Principal[] };

export interface CanisterSettings {
    controllers: Principal[];
    computeAllocation: bigint;
    memoryAllocation: bigint;
    freezingThreshold: bigint;
    reservedCyclesLimit: bigint;
    logVisibility: LogVisibility;
    wasmMemoryLimit: bigint;
    wasmMemoryThreshold: bigint;
    environmentVariables: Array<{ name: string; value: string }>;
}

function defaultSettings(controllers: Principal[]): CanisterSettings {
    return {
        controllers,
        computeAllocation: 0n,
        memoryAllocation: 0n,
        freezingThreshold: DEFAULT_FREEZING_THRESHOLD_SECONDS,
        reservedCyclesLimit: DEFAULT_RESERVED_CYCLES_LIMIT,
        logVisibility: { kind: 'controllers' },
        wasmMemoryLimit: DEFAULT_WASM_MEMORY_LIMIT_BYTES,
        wasmMemoryThreshold: 0n,
        environmentVariables: []
    };
}

/** Who caused a change in the canister's history. */
export type ChangeOrigin = { kind: 'user'; user: Principal } | { kind: 'canister'; canister: Principal; version: bigint | null };

export type ChangeDetails =
    | { kind: 'creation'; controllers: Principal[] }
    | { kind: 'code_uninstall' }
    | { kind: 'code_deployment'; mode: 'install' | 'reinstall' | 'upgrade'; moduleHash: Uint8Array }
    | { kind: 'load_snapshot'; canisterVersion: bigint; snapshotId: Uint8Array; takenAt: bigint; source: Snapshot['source'] }
    | { kind: 'controllers_change'; controllers: Principal[] };

export interface Change {
    timestampNanos: bigint;
    canisterVersion: bigint;
    origin: ChangeOrigin;
    details: ChangeDetails;
}

/**
 * The code and memories of a non-empty canister: plain data. A running instance of it,
 * when there is one, belongs to the engine's instance pool.
 */
export interface CodeState {
    module: PreparedModule;
    /** The committed heap and globals. */
    heap: HeapImage;
    stable: StableMemory;
}

/** Code state for `module` with an empty heap and stable memory. */
export function newCodeState(module: PreparedModule, heap: HeapImage = HeapImage.empty(), stable: StableMemory = new StableMemory()): CodeState {
    return { module, heap, stable };
}

/** The low-Wasm-memory hook's status a snapshot records. */
export type LowMemoryHookStatus = 'condition_not_satisfied' | 'ready' | 'executed';

export interface Snapshot {
    id: Uint8Array;
    takenAt: bigint;
    /** taken_from_canister, or metadata_upload (created by upload_canister_snapshot_metadata, filled by upload_canister_snapshot_data). */
    source: 'taken' | 'uploaded';
    /** The Wasm module as installed (gzipped if it was); an uploaded snapshot's fills as its data arrives. */
    wasm: Uint8Array;
    /** The prepared module: a taken snapshot's from the canister; an uploaded one's when first loaded (null until then, and after each write). */
    module: PreparedModule | null;
    heap: HeapImage;
    /** Types of `heap.globals`, in order (the module's mutable globals). */
    globalTypes: GlobalValueType[];
    stable: StableMemory;
    certifiedData: Uint8Array;
    chunkStore: Map<string, Uint8Array>;
    canisterVersion: bigint;
    /** 0 = inactive, else when it fires (ns); null when an upload gave none. Only uploaded snapshots restore it (as on the IC). */
    globalTimer: bigint | null;
    lowMemoryHook: LowMemoryHookStatus | null;
    /** Bumped by every upload write, so persistence saves the snapshot again. */
    revision: number;
}

export interface LogRecord {
    idx: bigint;
    timestampNanos: bigint;
    content: Uint8Array;
}

/** A canister and everything the system keeps about it. */
export class Canister {
    settings: CanisterSettings;
    status: CanisterStatus = 'running';
    /** stop_canister calls waiting for the canister to stop, with their deadlines. */
    pendingStops: Array<{ replyTo: ResponseTarget; deadline: bigint }> = [];
    version = 0n;
    cycles: bigint;
    code: CodeState | null = null;
    certifiedData: Uint8Array = new Uint8Array(0);
    /** 0 = inactive, else the time (ns) at which the timer fires. */
    globalTimer = 0n;
    history: Change[] = [];
    totalChanges = 0n;
    chunkStore = new Map<string, Uint8Array>();
    snapshots = new Map<string, Snapshot>();
    /** Counter of the canister's snapshot ids, so a new id never repeats a deleted one. */
    nextSnapshotIndex = 0n;
    callContexts = new Map<number, CallContext>();
    callbacks = new Map<number, Callback>();
    logs: LogRecord[] = [];
    nextLogIdx = 0n;
    /** Cycles charged for storage up to this time (ns). */
    storageChargedUntil: bigint;
    /** Instructions and calls served by queries (query_stats). */
    queryStats = { calls: 0n, instructions: 0n, requestBytes: 0n, responseBytes: 0n };

    constructor(
        readonly id: Principal,
        controllers: Principal[],
        cycles: bigint,
        now: bigint
    ) {
        this.settings = defaultSettings(controllers);
        this.cycles = cycles;
        this.storageChargedUntil = now;
    }

    get idText(): string {
        return this.id.toText();
    }

    isController(principal: Principal): boolean {
        const text = principal.toText();
        return this.settings.controllers.some((c) => c.toText() === text);
    }

    /** Whether no call context is open (deleted ones included): the condition to become stopped. */
    get hasOpenCallContexts(): boolean {
        return this.callContexts.size > 0;
    }
}
