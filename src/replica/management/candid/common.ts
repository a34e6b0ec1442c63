/**
 * Candid types shared by several management-canister methods (ic.did 0.45).
 *
 * Every IDL value is declared next to a TypeScript type of the same name that
 * describes the JavaScript value `@dfinity/candid` produces when decoding it
 * (and accepts when encoding it): `opt T` is `[] | [T]`, `nat`/`nat64`/`int64`
 * are `bigint`, `nat32`/`int32`/floats are `number`, `blob` is `Uint8Array`,
 * `principal` is `Principal`, `reserved` is `null` and a variant is a union of
 * single-key objects.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

/**
 * Marker for an empty Candid value sequence `()`, used where a method takes no
 * argument (`raw_rand`) or returns nothing (`install_code`, ...). The matching
 * TypeScript value is `undefined`.
 */
export const EmptyTuple = Object.freeze({ kind: 'empty-tuple' as const });
export type EmptyTuple = typeof EmptyTuple;

/** One slot of a method signature: a single Candid type or `()`. */
export type CandidSlot = IDL.Type | EmptyTuple;

export function isEmptyTuple(slot: CandidSlot): slot is EmptyTuple {
    return slot === EmptyTuple;
}

/** Candid types listed by a slot, as `IDL.encode` / `IDL.decode` / `IDL.Func` expect them. */
export function slotTypes(slot: CandidSlot): [] | [IDL.Type] {
    return isEmptyTuple(slot) ? [] : [slot];
}

/** `blob`, i.e. `vec nat8` (decoded as a `Uint8Array`). */
export const CandidBlob = IDL.Vec(IDL.Nat8);

export const CanisterId = IDL.Principal;
export type CanisterId = Principal;

export const SnapshotId = CandidBlob;
export type SnapshotId = Uint8Array;

export const LogVisibility = IDL.Variant({
    controllers: IDL.Null,
    public: IDL.Null,
    allowed_viewers: IDL.Vec(IDL.Principal)
});
export type LogVisibility = { controllers: null } | { public: null } | { allowed_viewers: Principal[] };

export const EnvironmentVariable = IDL.Record({ name: IDL.Text, value: IDL.Text });
export interface EnvironmentVariable {
    name: string;
    value: string;
}

export const CanisterSettings = IDL.Record({
    controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
    compute_allocation: IDL.Opt(IDL.Nat),
    memory_allocation: IDL.Opt(IDL.Nat),
    freezing_threshold: IDL.Opt(IDL.Nat),
    reserved_cycles_limit: IDL.Opt(IDL.Nat),
    log_visibility: IDL.Opt(LogVisibility),
    wasm_memory_limit: IDL.Opt(IDL.Nat),
    wasm_memory_threshold: IDL.Opt(IDL.Nat),
    environment_variables: IDL.Opt(IDL.Vec(EnvironmentVariable))
});
export interface CanisterSettings {
    controllers: [] | [Principal[]];
    compute_allocation: [] | [bigint];
    memory_allocation: [] | [bigint];
    freezing_threshold: [] | [bigint];
    reserved_cycles_limit: [] | [bigint];
    log_visibility: [] | [LogVisibility];
    wasm_memory_limit: [] | [bigint];
    wasm_memory_threshold: [] | [bigint];
    environment_variables: [] | [EnvironmentVariable[]];
}

/** Settings that change nothing: every field absent. */
export const NO_SETTINGS: Readonly<CanisterSettings> = Object.freeze<CanisterSettings>({
    controllers: [],
    compute_allocation: [],
    memory_allocation: [],
    freezing_threshold: [],
    reserved_cycles_limit: [],
    log_visibility: [],
    wasm_memory_limit: [],
    wasm_memory_threshold: [],
    environment_variables: []
});

export const DefiniteCanisterSettings = IDL.Record({
    controllers: IDL.Vec(IDL.Principal),
    compute_allocation: IDL.Nat,
    memory_allocation: IDL.Nat,
    freezing_threshold: IDL.Nat,
    reserved_cycles_limit: IDL.Nat,
    log_visibility: LogVisibility,
    wasm_memory_limit: IDL.Nat,
    wasm_memory_threshold: IDL.Nat,
    environment_variables: IDL.Vec(EnvironmentVariable)
});
export interface DefiniteCanisterSettings {
    controllers: Principal[];
    compute_allocation: bigint;
    memory_allocation: bigint;
    freezing_threshold: bigint;
    reserved_cycles_limit: bigint;
    log_visibility: LogVisibility;
    wasm_memory_limit: bigint;
    wasm_memory_threshold: bigint;
    environment_variables: EnvironmentVariable[];
}

export const WasmMemoryPersistence = IDL.Variant({ keep: IDL.Null, replace: IDL.Null });
export type WasmMemoryPersistence = { keep: null } | { replace: null };

export const UpgradeOptions = IDL.Record({
    skip_pre_upgrade: IDL.Opt(IDL.Bool),
    wasm_memory_persistence: IDL.Opt(WasmMemoryPersistence)
});
export interface UpgradeOptions {
    skip_pre_upgrade: [] | [boolean];
    wasm_memory_persistence: [] | [WasmMemoryPersistence];
}

export const CanisterInstallMode = IDL.Variant({
    install: IDL.Null,
    reinstall: IDL.Null,
    upgrade: IDL.Opt(UpgradeOptions)
});
export type CanisterInstallMode = { install: null } | { reinstall: null } | { upgrade: [] | [UpgradeOptions] };

export const ChunkHash = IDL.Record({ hash: CandidBlob });
export interface ChunkHash {
    hash: Uint8Array;
}

/** `record { canister_id : canister_id }`, the argument of several lifecycle methods. */
export const CanisterIdRecord = IDL.Record({ canister_id: CanisterId });
export interface CanisterIdRecord {
    canister_id: CanisterId;
}

/** Where a snapshot came from (also used in `load_snapshot` history entries). */
export const SnapshotSource = IDL.Variant({
    taken_from_canister: IDL.Reserved,
    metadata_upload: IDL.Reserved
});
export type SnapshotSource = { taken_from_canister: null } | { metadata_upload: null };
