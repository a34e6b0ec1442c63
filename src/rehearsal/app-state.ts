/**
 * An app's live state as the rehearsal loads it: a snapshot in memory (downloaded with
 * read_canister_snapshot_*, or read from a backup folder) plus who the app is.
 */
import type { Principal } from '@dfinity/principal';
import type { DownloadedSnapshot } from '../client/snapshots/download.js';

export interface AppState {
    canisterId: Principal;
    controllers: Principal[];
    snapshot: DownloadedSnapshot;
    /** The app's wasm_memory_limit setting in bytes, when known (0: none). */
    wasmMemoryLimit?: bigint;
}
