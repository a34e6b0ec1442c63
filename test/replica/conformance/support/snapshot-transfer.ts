/** Downloading a snapshot whole and uploading it again, through the management canister, in the slices the IC allows. */
import { Principal } from '@dfinity/principal';
import { MAX_SNAPSHOT_SLICE_BYTES } from '../../../../src/replica/constants.js';
import { Replica } from '../../../../src/replica/index.js';
import { ManagementResult } from '../../../../src/replica/management/candid.js';

export type SnapshotMetadata = ManagementResult<'read_canister_snapshot_metadata'>;

export interface DownloadedSnapshot {
    metadata: SnapshotMetadata;
    wasm: Uint8Array;
    heap: Uint8Array;
    stable: Uint8Array;
    chunks: Uint8Array[];
}

type Part = 'wasm_module' | 'wasm_memory' | 'stable_memory';

async function readPart(replica: Replica, canisterId: Principal, snapshotId: Uint8Array, part: Part, total: bigint, sender: Principal): Promise<Uint8Array> {
    const out = new Uint8Array(Number(total));
    for (let offset = 0n; offset < total; offset += BigInt(MAX_SNAPSHOT_SLICE_BYTES)) {
        const size = total - offset < BigInt(MAX_SNAPSHOT_SLICE_BYTES) ? total - offset : BigInt(MAX_SNAPSHOT_SLICE_BYTES);
        const kind = { [part]: { offset, size } } as { wasm_module: { offset: bigint; size: bigint } };
        const { chunk } = await replica.callManagement('read_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind }, sender);
        out.set(chunk, Number(offset));
    }
    return out;
}

export async function downloadSnapshot(replica: Replica, canisterId: Principal, snapshotId: Uint8Array, sender: Principal): Promise<DownloadedSnapshot> {
    const metadata = await replica.callManagement('read_canister_snapshot_metadata', { canister_id: canisterId, snapshot_id: snapshotId }, sender);
    const chunks: Uint8Array[] = [];
    for (const { hash } of metadata.wasm_chunk_store) {
        const { chunk } = await replica.callManagement('read_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind: { wasm_chunk: { hash } } }, sender);
        chunks.push(chunk);
    }
    return {
        metadata,
        wasm: await readPart(replica, canisterId, snapshotId, 'wasm_module', metadata.wasm_module_size, sender),
        heap: await readPart(replica, canisterId, snapshotId, 'wasm_memory', metadata.wasm_memory_size, sender),
        stable: await readPart(replica, canisterId, snapshotId, 'stable_memory', metadata.stable_memory_size, sender),
        chunks
    };
}

async function writePart(replica: Replica, canisterId: Principal, snapshotId: Uint8Array, part: Part, bytes: Uint8Array, sender: Principal): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += MAX_SNAPSHOT_SLICE_BYTES) {
        const kind = { [part]: { offset: BigInt(offset) } } as { wasm_module: { offset: bigint } };
        const chunk = bytes.subarray(offset, offset + MAX_SNAPSHOT_SLICE_BYTES);
        await replica.callManagement('upload_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind, chunk }, sender);
    }
}

/** Uploads `snapshot` as a new snapshot of `canisterId`; its id. */
export async function uploadSnapshot(replica: Replica, canisterId: Principal, snapshot: DownloadedSnapshot, sender: Principal, replace?: Uint8Array): Promise<Uint8Array> {
    const m = snapshot.metadata;
    const { snapshot_id } = await replica.callManagement(
        'upload_canister_snapshot_metadata',
        {
            canister_id: canisterId,
            replace_snapshot: replace === undefined ? [] : [replace],
            wasm_module_size: m.wasm_module_size,
            globals: m.globals,
            wasm_memory_size: m.wasm_memory_size,
            stable_memory_size: m.stable_memory_size,
            certified_data: m.certified_data,
            global_timer: m.global_timer,
            on_low_wasm_memory_hook_status: m.on_low_wasm_memory_hook_status
        },
        sender
    );
    await writePart(replica, canisterId, snapshot_id, 'wasm_module', snapshot.wasm, sender);
    await writePart(replica, canisterId, snapshot_id, 'wasm_memory', snapshot.heap, sender);
    await writePart(replica, canisterId, snapshot_id, 'stable_memory', snapshot.stable, sender);
    for (const chunk of snapshot.chunks) {
        await replica.callManagement('upload_canister_snapshot_data', { canister_id: canisterId, snapshot_id, kind: { wasm_chunk: null }, chunk }, sender);
    }
    return snapshot_id;
}
