/**
 * Downloading a snapshot: its metadata, then each part in slices of at most 2,000,000 bytes
 * (read_canister_snapshot_data), then its chunk store chunk by chunk. Part-level functions let
 * a caller write to files and resume; `downloadSnapshot` keeps everything in memory.
 */
import type { Principal } from '@dfinity/principal';

import type { SnapshotManagement, SnapshotMetadata } from './management.js';
import { type OnProgress, SLICE_BYTES, SNAPSHOT_PARTS, type SnapshotPart } from './parts.js';

/** A snapshot held in memory. */
export interface DownloadedSnapshot {
    metadata: SnapshotMetadata;
    parts: Record<SnapshotPart, Uint8Array>;
    /** The chunk store's chunks, in the order of `metadata.wasm_chunk_store`. */
    chunks: Uint8Array[];
}

/** The size of each part, as the metadata gives it. */
export function partSizes(metadata: SnapshotMetadata): Record<SnapshotPart, number> {
    return { wasm_module: Number(metadata.wasm_module_size), wasm_memory: Number(metadata.wasm_memory_size), stable_memory: Number(metadata.stable_memory_size) };
}

export function readMetadata(mgmt: SnapshotManagement, canisterId: Principal, snapshotId: Uint8Array): Promise<SnapshotMetadata> {
    return mgmt.read_canister_snapshot_metadata({ canister_id: canisterId, snapshot_id: snapshotId });
}

/**
 * Reads bytes [from, size) of a part, slice by slice, handing each to `write` before the next is
 * asked for (so a writer that persists them makes the download resumable at any slice).
 */
export async function downloadPart(
    mgmt: SnapshotManagement,
    target: { canisterId: Principal; snapshotId: Uint8Array },
    part: SnapshotPart,
    size: number,
    write: (offset: number, bytes: Uint8Array) => Promise<void> | void,
    options: { from?: number; onSlice?: (bytes: number) => void } = {}
): Promise<void> {
    for (let offset = options.from ?? 0; offset < size; offset += SLICE_BYTES) {
        const length = Math.min(SLICE_BYTES, size - offset);
        const kind = { [part]: { offset: BigInt(offset), size: BigInt(length) } } as { wasm_module: { offset: bigint; size: bigint } };
        const { chunk } = await mgmt.read_canister_snapshot_data({ canister_id: target.canisterId, snapshot_id: target.snapshotId, kind });
        if (chunk.length !== length) throw new Error(`read_canister_snapshot_data returned ${chunk.length} bytes of ${part} at ${offset}, not the ${length} asked for`);
        await write(offset, chunk);
        options.onSlice?.(length);
    }
}

export async function downloadChunk(mgmt: SnapshotManagement, target: { canisterId: Principal; snapshotId: Uint8Array }, hash: Uint8Array): Promise<Uint8Array> {
    return (await mgmt.read_canister_snapshot_data({ canister_id: target.canisterId, snapshot_id: target.snapshotId, kind: { wasm_chunk: { hash } } })).chunk;
}

/** Downloads a whole snapshot into memory. The caller behind `mgmt` must control the canister. */
export async function downloadSnapshot(mgmt: SnapshotManagement, canisterId: Principal, snapshotId: Uint8Array, onProgress?: OnProgress): Promise<DownloadedSnapshot> {
    const target = { canisterId, snapshotId };
    const metadata = await readMetadata(mgmt, canisterId, snapshotId);
    const sizes = partSizes(metadata);
    const total = sizes.wasm_module + sizes.wasm_memory + sizes.stable_memory;
    let done = 0;
    const parts = {} as Record<SnapshotPart, Uint8Array>;
    for (const part of SNAPSHOT_PARTS) {
        const bytes = new Uint8Array(sizes[part]);
        await downloadPart(mgmt, target, part, sizes[part], (offset, slice) => bytes.set(slice, offset), {
            onSlice: (n) => {
                done += n;
                onProgress?.({ part, done, total });
            }
        });
        parts[part] = bytes;
    }
    const chunks: Uint8Array[] = [];
    for (const { hash } of metadata.wasm_chunk_store) {
        chunks.push(await downloadChunk(mgmt, target, hash));
        onProgress?.({ part: 'wasm_chunk', done, total });
    }
    return { metadata, parts, chunks };
}
