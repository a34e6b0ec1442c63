/** Candid for the canister snapshot methods (ic.did 0.45). */
import { IDL } from '@dfinity/candid';
import { CandidBlob, CanisterId, ChunkHash, SnapshotId, SnapshotSource } from './common.js';

export const Snapshot = IDL.Record({
    id: SnapshotId,
    taken_at_timestamp: IDL.Nat64,
    total_size: IDL.Nat64
});
export interface Snapshot {
    id: SnapshotId;
    taken_at_timestamp: bigint;
    total_size: bigint;
}

/** A Wasm global as stored in a snapshot: `v128` is carried as a `nat`. */
export const SnapshotGlobal = IDL.Variant({
    i32: IDL.Int32,
    i64: IDL.Int64,
    f32: IDL.Float32,
    f64: IDL.Float64,
    v128: IDL.Nat
});
export type SnapshotGlobal = { i32: number } | { i64: bigint } | { f32: number } | { f64: number } | { v128: bigint };

export const GlobalTimer = IDL.Variant({ inactive: IDL.Null, active: IDL.Nat64 });
export type GlobalTimer = { inactive: null } | { active: bigint };

export const OnLowWasmMemoryHookStatus = IDL.Variant({
    condition_not_satisfied: IDL.Null,
    ready: IDL.Null,
    executed: IDL.Null
});
export type OnLowWasmMemoryHookStatus = { condition_not_satisfied: null } | { ready: null } | { executed: null };

// take_canister_snapshot : (take_canister_snapshot_args) -> (take_canister_snapshot_result)
export const TakeCanisterSnapshotArgs = IDL.Record({
    canister_id: CanisterId,
    replace_snapshot: IDL.Opt(SnapshotId)
});
export interface TakeCanisterSnapshotArgs {
    canister_id: CanisterId;
    replace_snapshot: [] | [SnapshotId];
}
export const TakeCanisterSnapshotResult = Snapshot;
export type TakeCanisterSnapshotResult = Snapshot;

// load_canister_snapshot : (load_canister_snapshot_args) -> ()
export const LoadCanisterSnapshotArgs = IDL.Record({
    canister_id: CanisterId,
    snapshot_id: SnapshotId,
    sender_canister_version: IDL.Opt(IDL.Nat64)
});
export interface LoadCanisterSnapshotArgs {
    canister_id: CanisterId;
    snapshot_id: SnapshotId;
    sender_canister_version: [] | [bigint];
}

// list_canister_snapshots : (list_canister_snapshots_args) -> (list_canister_snapshots_result)
export const ListCanisterSnapshotsArgs = IDL.Record({ canister_id: CanisterId });
export interface ListCanisterSnapshotsArgs {
    canister_id: CanisterId;
}
export const ListCanisterSnapshotsResult = IDL.Vec(Snapshot);
export type ListCanisterSnapshotsResult = Snapshot[];

// delete_canister_snapshot : (delete_canister_snapshot_args) -> ()
export const DeleteCanisterSnapshotArgs = IDL.Record({ canister_id: CanisterId, snapshot_id: SnapshotId });
export interface DeleteCanisterSnapshotArgs {
    canister_id: CanisterId;
    snapshot_id: SnapshotId;
}

// read_canister_snapshot_metadata : (..._args) -> (read_canister_snapshot_metadata_response)
export const ReadCanisterSnapshotMetadataArgs = IDL.Record({ canister_id: CanisterId, snapshot_id: SnapshotId });
export interface ReadCanisterSnapshotMetadataArgs {
    canister_id: CanisterId;
    snapshot_id: SnapshotId;
}
export const ReadCanisterSnapshotMetadataResult = IDL.Record({
    source: SnapshotSource,
    taken_at_timestamp: IDL.Nat64,
    wasm_module_size: IDL.Nat64,
    globals: IDL.Vec(SnapshotGlobal),
    wasm_memory_size: IDL.Nat64,
    stable_memory_size: IDL.Nat64,
    wasm_chunk_store: IDL.Vec(ChunkHash),
    canister_version: IDL.Nat64,
    certified_data: CandidBlob,
    global_timer: IDL.Opt(GlobalTimer),
    on_low_wasm_memory_hook_status: IDL.Opt(OnLowWasmMemoryHookStatus)
});
export interface ReadCanisterSnapshotMetadataResult {
    source: SnapshotSource;
    taken_at_timestamp: bigint;
    wasm_module_size: bigint;
    globals: SnapshotGlobal[];
    wasm_memory_size: bigint;
    stable_memory_size: bigint;
    wasm_chunk_store: ChunkHash[];
    canister_version: bigint;
    certified_data: Uint8Array;
    global_timer: [] | [GlobalTimer];
    on_low_wasm_memory_hook_status: [] | [OnLowWasmMemoryHookStatus];
}

// read_canister_snapshot_data : (..._args) -> (read_canister_snapshot_data_response)
export const SnapshotDataSlice = IDL.Record({ offset: IDL.Nat64, size: IDL.Nat64 });
export interface SnapshotDataSlice {
    offset: bigint;
    size: bigint;
}
export const ReadSnapshotDataKind = IDL.Variant({
    wasm_module: SnapshotDataSlice,
    wasm_memory: SnapshotDataSlice,
    stable_memory: SnapshotDataSlice,
    wasm_chunk: ChunkHash
});
export type ReadSnapshotDataKind =
    | { wasm_module: SnapshotDataSlice }
    | { wasm_memory: SnapshotDataSlice }
    | { stable_memory: SnapshotDataSlice }
    | { wasm_chunk: ChunkHash };
export const ReadCanisterSnapshotDataArgs = IDL.Record({
    canister_id: CanisterId,
    snapshot_id: SnapshotId,
    kind: ReadSnapshotDataKind
});
export interface ReadCanisterSnapshotDataArgs {
    canister_id: CanisterId;
    snapshot_id: SnapshotId;
    kind: ReadSnapshotDataKind;
}
export const ReadCanisterSnapshotDataResult = IDL.Record({ chunk: CandidBlob });
export interface ReadCanisterSnapshotDataResult {
    chunk: Uint8Array;
}

// upload_canister_snapshot_metadata : (..._args) -> (upload_canister_snapshot_metadata_response)
export const UploadCanisterSnapshotMetadataArgs = IDL.Record({
    canister_id: CanisterId,
    replace_snapshot: IDL.Opt(SnapshotId),
    wasm_module_size: IDL.Nat64,
    globals: IDL.Vec(SnapshotGlobal),
    wasm_memory_size: IDL.Nat64,
    stable_memory_size: IDL.Nat64,
    certified_data: CandidBlob,
    global_timer: IDL.Opt(GlobalTimer),
    on_low_wasm_memory_hook_status: IDL.Opt(OnLowWasmMemoryHookStatus)
});
export interface UploadCanisterSnapshotMetadataArgs {
    canister_id: CanisterId;
    replace_snapshot: [] | [SnapshotId];
    wasm_module_size: bigint;
    globals: SnapshotGlobal[];
    wasm_memory_size: bigint;
    stable_memory_size: bigint;
    certified_data: Uint8Array;
    global_timer: [] | [GlobalTimer];
    on_low_wasm_memory_hook_status: [] | [OnLowWasmMemoryHookStatus];
}
export const UploadCanisterSnapshotMetadataResult = IDL.Record({ snapshot_id: SnapshotId });
export interface UploadCanisterSnapshotMetadataResult {
    snapshot_id: SnapshotId;
}

// upload_canister_snapshot_data : (upload_canister_snapshot_data_args) -> ()
export const SnapshotDataOffset = IDL.Record({ offset: IDL.Nat64 });
export interface SnapshotDataOffset {
    offset: bigint;
}
export const UploadSnapshotDataKind = IDL.Variant({
    wasm_module: SnapshotDataOffset,
    wasm_memory: SnapshotDataOffset,
    stable_memory: SnapshotDataOffset,
    wasm_chunk: IDL.Null
});
export type UploadSnapshotDataKind =
    | { wasm_module: SnapshotDataOffset }
    | { wasm_memory: SnapshotDataOffset }
    | { stable_memory: SnapshotDataOffset }
    | { wasm_chunk: null };
export const UploadCanisterSnapshotDataArgs = IDL.Record({
    canister_id: CanisterId,
    snapshot_id: SnapshotId,
    kind: UploadSnapshotDataKind,
    chunk: CandidBlob
});
export interface UploadCanisterSnapshotDataArgs {
    canister_id: CanisterId;
    snapshot_id: SnapshotId;
    kind: UploadSnapshotDataKind;
    chunk: Uint8Array;
}
