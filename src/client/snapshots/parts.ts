/** The parts of a snapshot's data, and how many bytes one call may move. */

/** Bytes per read or upload call: the IC's (and dfx's, icp-cli's, PocketIC's) 2,000,000-byte slices. */
export const SLICE_BYTES = 2_000_000;

/** The three byte ranges of a snapshot; its chunk store is transferred chunk by chunk. */
export type SnapshotPart = 'wasm_module' | 'wasm_memory' | 'stable_memory';
export const SNAPSHOT_PARTS: readonly SnapshotPart[] = ['wasm_module', 'wasm_memory', 'stable_memory'];

/** How far a transfer has come, for a progress bar: bytes of all parts, and the part in flight. */
export interface TransferProgress {
    part: SnapshotPart | 'wasm_chunk';
    done: number;
    total: number;
}

export type OnProgress = (progress: TransferProgress) => void;
