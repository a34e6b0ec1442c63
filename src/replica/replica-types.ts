/**
 * The option and result types of `Replica`'s methods, shaped and named as @dfinity/pic's
 * (camelCase settings, Candid-form upgrade options), so that tests written for PocketIC
 * type-check here unchanged.
 */
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import type { Actor, ActorInterface } from './actor.js';
import type { ManagementResult } from './management/candid.js';
import type { SubnetOptions } from './subnet/index.js';

export interface ReplicaOptions extends SubnetOptions {
    /** Rounds an update call may take before it fails with CallTimeoutError. Default: 1,000. */
    maxRoundsPerCall?: number;
}

export type LogVisibility = { controllers: null } | { public: null } | { allowedViewers: Principal[] };

/** Canister settings as @dfinity/pic names them; every field is optional. */
export interface CanisterSettings {
    controllers?: Principal[];
    computeAllocation?: bigint;
    memoryAllocation?: bigint;
    freezingThreshold?: bigint;
    reservedCyclesLimit?: bigint;
    logVisibility?: LogVisibility;
    wasmMemoryLimit?: bigint;
    wasmMemoryThreshold?: bigint;
    environmentVariables?: Array<{ name: string; value: string }>;
}

export interface CreateCanisterOptions extends CanisterSettings {
    /** Cycles to give the canister. Default: 10^18. */
    cycles?: bigint;
    /** Who creates it; the default controller. Default: anonymous. */
    sender?: Principal;
    /** A specific id to create the canister with. Default: the next free id. */
    targetCanisterId?: Principal;
}

export interface InstallCodeOptions {
    canisterId: Principal;
    /** Module bytes (raw or gzipped), or a path to read them from. */
    wasm: Uint8Array | string;
    /** Candid-encoded init argument. Default: `()`. */
    arg?: Uint8Array;
    /** Who installs (must be a controller). Default: anonymous. */
    sender?: Principal;
}

export type ReinstallCodeOptions = InstallCodeOptions;

export interface UpgradeModeOptions {
    skip_pre_upgrade: [] | [boolean];
    wasm_memory_persistence: [] | [{ keep?: null; replace?: null }];
}

export interface UpgradeCanisterOptions extends InstallCodeOptions {
    /** skip_pre_upgrade and wasm_memory_persistence, in Candid form. Default: neither. */
    upgradeModeOptions?: UpgradeModeOptions;
}

export interface SetupCanisterOptions extends CreateCanisterOptions {
    idlFactory: IDL.InterfaceFactory;
    wasm: Uint8Array | string;
    arg?: Uint8Array;
}

export interface CanisterFixture<T extends ActorInterface<T> = ActorInterface> {
    actor: Actor<T>;
    canisterId: Principal;
}

export interface CallOptions {
    canisterId: Principal;
    method: string;
    /** Candid-encoded argument. Default: `()`. */
    arg?: Uint8Array;
    /** Default: anonymous. */
    sender?: Principal;
}

export interface CanisterIdOptions {
    canisterId: Principal;
    /** Default: anonymous. */
    sender?: Principal;
}

export interface UpdateCanisterSettingsOptions extends CanisterSettings {
    canisterId: Principal;
    sender?: Principal;
}

export interface CanisterStatusResult {
    status: { running: null } | { stopping: null } | { stopped: null };
    settings: Required<Omit<CanisterSettings, 'logVisibility'>> & { logVisibility: LogVisibility };
    moduleHash: Uint8Array | null;
    memorySize: bigint;
    cycles: bigint;
    reservedCycles: bigint;
    idleCyclesBurnedPerDay: bigint;
    queryStats: { numCallsTotal: bigint; numInstructionsTotal: bigint; requestPayloadBytesTotal: bigint; responsePayloadBytesTotal: bigint };
}

/** An ingress message's id (hex), as submitCall returns it. */
export type MessageId = string;

/** One record of a canister's log: its index, the time it was written (ns) and its bytes. */
export type CanisterLogRecord = ManagementResult<'fetch_canister_logs'>['canister_log_records'][number];
