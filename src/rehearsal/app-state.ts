/**
 * An app's live state as the rehearsal loads it: a canister snapshot (as read with
 * read_canister_snapshot_metadata / _data, or from a backup folder) plus who the app is.
 */
import type { Principal } from '@dfinity/principal';

/** A mutable Wasm global of the snapshot, in the management canister's Candid form. */
export type SnapshotGlobal = { i32: number } | { i64: bigint } | { f32: number } | { f64: number } | { v128: bigint };

/** The snapshot metadata the IC returns (read_canister_snapshot_metadata) and takes back (upload_canister_snapshot_metadata). */
export interface SnapshotMetadata {
    globals: SnapshotGlobal[];
    certifiedData: Uint8Array;
    /** The global timer's deadline in ns, or null when inactive. */
    globalTimer: bigint | null;
    /** Time the snapshot was taken, in ns since the epoch. */
    takenAt: bigint;
}

/** Everything a snapshot holds, in memory. */
export interface AppSnapshot {
    metadata: SnapshotMetadata;
    /** The installed module, exactly as installed (raw or gzipped). */
    module: Uint8Array;
    /** The Wasm heap. */
    heap: Uint8Array;
    stable: Uint8Array;
    /** The chunk store's chunks. */
    chunks: Uint8Array[];
}

export interface AppState {
    canisterId: Principal;
    controllers: Principal[];
    snapshot: AppSnapshot;
    /** The app's wasm_memory_limit setting in bytes, when known (0: none). */
    wasmMemoryLimit?: bigint;
}
