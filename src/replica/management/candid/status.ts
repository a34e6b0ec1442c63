/** Candid for `canister_status`, `canister_info` (with the history types) and `fetch_canister_logs` (ic.did 0.45). */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import {
    CandidBlob,
    CanisterId,
    CanisterIdRecord,
    DefiniteCanisterSettings,
    SnapshotId,
    SnapshotSource
} from './common.js';

// canister_status : (canister_status_args) -> (canister_status_result)
export const CanisterStatusArgs = CanisterIdRecord;
export type CanisterStatusArgs = CanisterIdRecord;

export const CanisterStatus = IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null });
export type CanisterStatus = { running: null } | { stopping: null } | { stopped: null };

export const MemoryMetrics = IDL.Record({
    wasm_memory_size: IDL.Nat,
    stable_memory_size: IDL.Nat,
    global_memory_size: IDL.Nat,
    wasm_binary_size: IDL.Nat,
    custom_sections_size: IDL.Nat,
    canister_history_size: IDL.Nat,
    wasm_chunk_store_size: IDL.Nat,
    snapshots_size: IDL.Nat
});
export interface MemoryMetrics {
    wasm_memory_size: bigint;
    stable_memory_size: bigint;
    global_memory_size: bigint;
    wasm_binary_size: bigint;
    custom_sections_size: bigint;
    canister_history_size: bigint;
    wasm_chunk_store_size: bigint;
    snapshots_size: bigint;
}

export const QueryStats = IDL.Record({
    num_calls_total: IDL.Nat,
    num_instructions_total: IDL.Nat,
    request_payload_bytes_total: IDL.Nat,
    response_payload_bytes_total: IDL.Nat
});
export interface QueryStats {
    num_calls_total: bigint;
    num_instructions_total: bigint;
    request_payload_bytes_total: bigint;
    response_payload_bytes_total: bigint;
}

export const CanisterStatusResult = IDL.Record({
    status: CanisterStatus,
    ready_for_migration: IDL.Bool,
    version: IDL.Nat64,
    settings: DefiniteCanisterSettings,
    module_hash: IDL.Opt(CandidBlob),
    memory_size: IDL.Nat,
    memory_metrics: MemoryMetrics,
    cycles: IDL.Nat,
    reserved_cycles: IDL.Nat,
    idle_cycles_burned_per_day: IDL.Nat,
    query_stats: QueryStats
});
export interface CanisterStatusResult {
    status: CanisterStatus;
    ready_for_migration: boolean;
    version: bigint;
    settings: DefiniteCanisterSettings;
    module_hash: [] | [Uint8Array];
    memory_size: bigint;
    memory_metrics: MemoryMetrics;
    cycles: bigint;
    reserved_cycles: bigint;
    idle_cycles_burned_per_day: bigint;
    query_stats: QueryStats;
}

// canister history, as reported by canister_info
export const ChangeOrigin = IDL.Variant({
    from_user: IDL.Record({ user_id: IDL.Principal }),
    from_canister: IDL.Record({ canister_id: IDL.Principal, canister_version: IDL.Opt(IDL.Nat64) })
});
export type ChangeOrigin =
    | { from_user: { user_id: Principal } }
    | { from_canister: { canister_id: Principal; canister_version: [] | [bigint] } };

export const CodeDeploymentMode = IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Null });
export type CodeDeploymentMode = { install: null } | { reinstall: null } | { upgrade: null };

export const ChangeDetails = IDL.Variant({
    creation: IDL.Record({
        controllers: IDL.Vec(IDL.Principal),
        environment_variables_hash: IDL.Opt(CandidBlob)
    }),
    code_uninstall: IDL.Null,
    code_deployment: IDL.Record({ mode: CodeDeploymentMode, module_hash: CandidBlob }),
    load_snapshot: IDL.Record({
        canister_version: IDL.Nat64,
        snapshot_id: SnapshotId,
        taken_at_timestamp: IDL.Nat64,
        source: SnapshotSource
    }),
    controllers_change: IDL.Record({ controllers: IDL.Vec(IDL.Principal) })
});
export type ChangeDetails =
    | { creation: { controllers: Principal[]; environment_variables_hash: [] | [Uint8Array] } }
    | { code_uninstall: null }
    | { code_deployment: { mode: CodeDeploymentMode; module_hash: Uint8Array } }
    | {
          load_snapshot: {
              canister_version: bigint;
              snapshot_id: SnapshotId;
              taken_at_timestamp: bigint;
              source: SnapshotSource;
          };
      }
    | { controllers_change: { controllers: Principal[] } };

export const Change = IDL.Record({
    timestamp_nanos: IDL.Nat64,
    canister_version: IDL.Nat64,
    origin: ChangeOrigin,
    details: ChangeDetails
});
export interface Change {
    timestamp_nanos: bigint;
    canister_version: bigint;
    origin: ChangeOrigin;
    details: ChangeDetails;
}

// canister_info : (canister_info_args) -> (canister_info_result)
export const CanisterInfoArgs = IDL.Record({
    canister_id: CanisterId,
    num_requested_changes: IDL.Opt(IDL.Nat64)
});
export interface CanisterInfoArgs {
    canister_id: CanisterId;
    num_requested_changes: [] | [bigint];
}
export const CanisterInfoResult = IDL.Record({
    total_num_changes: IDL.Nat64,
    recent_changes: IDL.Vec(Change),
    module_hash: IDL.Opt(CandidBlob),
    controllers: IDL.Vec(IDL.Principal)
});
export interface CanisterInfoResult {
    total_num_changes: bigint;
    recent_changes: Change[];
    module_hash: [] | [Uint8Array];
    controllers: Principal[];
}

// fetch_canister_logs : (fetch_canister_logs_args) -> (fetch_canister_logs_result) query
export const FetchCanisterLogsArgs = CanisterIdRecord;
export type FetchCanisterLogsArgs = CanisterIdRecord;

export const CanisterLogRecord = IDL.Record({
    idx: IDL.Nat64,
    timestamp_nanos: IDL.Nat64,
    content: CandidBlob
});
export interface CanisterLogRecord {
    idx: bigint;
    timestamp_nanos: bigint;
    content: Uint8Array;
}
export const FetchCanisterLogsResult = IDL.Record({ canister_log_records: IDL.Vec(CanisterLogRecord) });
export interface FetchCanisterLogsResult {
    canister_log_records: CanisterLogRecord[];
}
