/**
 * Uploading a snapshot: upload_canister_snapshot_metadata creates an empty one of the given
 * sizes, then upload_canister_snapshot_data fills each part in slices of at most 2,000,000 bytes
 * and adds the chunk store's chunks. Reading goes through `PartReader`s, so parts may come from
 * memory or from files without holding them whole.
 */
import type { Principal } from '@dfinity/principal';

import type { DownloadedSnapshot } from './download.js';
import type { SnapshotManagement, SnapshotMetadata, UploadMetadataArgs } from './management.js';
import { type OnProgress, SLICE_BYTES, SNAPSHOT_PARTS, type SnapshotPart } from './parts.js';

/** Where a part's bytes come from. */
export interface PartReader {
    size: number;
    read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
}

/** What to upload: the metadata (from read_canister_snapshot_metadata), the parts, the chunks. */
export interface SnapshotSource {
    metadata: SnapshotMetadata;
    parts: Record<SnapshotPart, PartReader>;
    chunks: Array<() => Promise<Uint8Array> | Uint8Array>;
}

function bytesReader(bytes: Uint8Array): PartReader {
    return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** A snapshot held in memory, as an upload source. */
export function sourceOf(snapshot: DownloadedSnapshot): SnapshotSource {
    return {
        metadata: snapshot.metadata,
        parts: { wasm_module: bytesReader(snapshot.parts.wasm_module), wasm_memory: bytesReader(snapshot.parts.wasm_memory), stable_memory: bytesReader(snapshot.parts.stable_memory) },
        chunks: snapshot.chunks.map((chunk) => () => chunk)
    };
}

/** upload_canister_snapshot_metadata's argument from a downloaded snapshot's metadata. */
function uploadMetadataArgs(canisterId: Principal, metadata: SnapshotMetadata, replace?: Uint8Array): UploadMetadataArgs {
    return {
        canister_id: canisterId,
        replace_snapshot: replace === undefined ? [] : [replace],
        wasm_module_size: metadata.wasm_module_size,
        globals: metadata.globals,
        wasm_memory_size: metadata.wasm_memory_size,
        stable_memory_size: metadata.stable_memory_size,
        certified_data: metadata.certified_data,
        global_timer: metadata.global_timer,
        on_low_wasm_memory_hook_status: metadata.on_low_wasm_memory_hook_status
    };
}

/**
 * Uploads `source` as a new snapshot of `canisterId` (replacing `replace` if given) and returns
 * its id; load it with load_canister_snapshot. If a data call fails, the new snapshot is deleted
 * again. The caller behind `mgmt` must control the canister.
 */
export async function uploadSnapshot(mgmt: SnapshotManagement, canisterId: Principal, source: SnapshotSource, options: { replace?: Uint8Array; onProgress?: OnProgress } = {}): Promise<Uint8Array> {
    const sizes = SNAPSHOT_PARTS.map((part) => source.parts[part].size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const { snapshot_id } = await mgmt.upload_canister_snapshot_metadata(uploadMetadataArgs(canisterId, source.metadata, options.replace));
    try {
        await uploadData(mgmt, canisterId, snapshot_id, source, total, options.onProgress);
    } catch (error) {
        // An upload that fails leaves no half-filled snapshot holding one of the canister's slots.
        await mgmt.delete_canister_snapshot({ canister_id: canisterId, snapshot_id }).catch(() => undefined);
        throw error;
    }
    return snapshot_id;
}

async function uploadData(mgmt: SnapshotManagement, canisterId: Principal, snapshot_id: Uint8Array, source: SnapshotSource, total: number, onProgress: OnProgress | undefined): Promise<void> {
    let done = 0;
    for (const part of SNAPSHOT_PARTS) {
        const reader = source.parts[part];
        for (let offset = 0; offset < reader.size; offset += SLICE_BYTES) {
            const chunk = await reader.read(offset, Math.min(SLICE_BYTES, reader.size - offset));
            const kind = { [part]: { offset: BigInt(offset) } } as { wasm_module: { offset: bigint } };
            await mgmt.upload_canister_snapshot_data({ canister_id: canisterId, snapshot_id, kind, chunk });
            done += chunk.length;
            onProgress?.({ part, done, total });
        }
    }
    for (const next of source.chunks) {
        await mgmt.upload_canister_snapshot_data({ canister_id: canisterId, snapshot_id, kind: { wasm_chunk: null }, chunk: await next() });
        onProgress?.({ part: 'wasm_chunk', done, total });
    }
}
