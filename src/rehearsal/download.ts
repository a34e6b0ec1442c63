/**
 * Reads an app's live state as a controller may on the IC: its controllers and memory limit
 * (canister_status), a snapshot taken now (deleted after the download), and that snapshot's metadata and data in slices (read_canister_snapshot_*).
 * Works through any management-canister caller: the agent's actor of src/client/snapshots
 * (the CLI), or the embedded replica in-process (tests, bench).
 */
import type { Principal } from '@dfinity/principal';
import type { DownloadedSnapshot } from '../client/snapshots/download.js';
import { type OnProgress, SLICE_BYTES, SNAPSHOT_PARTS } from '../client/snapshots/parts.js';
import type { SnapshotManagement } from '../client/snapshots/management.js';
import type { Replica } from '../replica/index.js';
import type { AppState } from './app-state.js';

/** One management canister call, as a controller of the app. */
export type ManagementCall = <M extends keyof SnapshotManagement>(method: M, args: Parameters<SnapshotManagement[M]>[0]) => ReturnType<SnapshotManagement[M]>;

/** The management canister of an in-process replica as `sender` (tests and the bench; the CLI uses an agent). */
export function replicaManagement(replica: Replica, sender: Principal): ManagementCall {
    // The replica's typed caller and SnapshotManagement describe the same Candid methods.
    return ((method: keyof SnapshotManagement, args: never) => replica.callManagement(method, args, sender)) as ManagementCall;
}

/** Which snapshot the state came from. */
export type StateSource = { kind: 'taken' } | { kind: 'newest'; takenAt: bigint; why: string };

/**
 * The app's state now, read through `call`: a snapshot taken for the purpose (the app keeps
 * running) and deleted after the download. When the app cannot take one more snapshot (at
 * the IC's limit), its newest existing snapshot instead, and `source` says why.
 */
export async function downloadAppState(call: ManagementCall, canisterId: Principal, onProgress?: OnProgress): Promise<AppState & { source: StateSource }> {
    const status = await call('canister_status', { canister_id: canisterId });
    let taken: Uint8Array | undefined;
    let source: StateSource = { kind: 'taken' };
    try {
        taken = (await call('take_canister_snapshot', { canister_id: canisterId, replace_snapshot: [] })).id;
    } catch (error) {
        const existing = await call('list_canister_snapshots', { canister_id: canisterId });
        const newest = [...existing].sort((a, b) => (a.taken_at_timestamp < b.taken_at_timestamp ? 1 : -1))[0];
        if (newest === undefined) throw error;
        source = { kind: 'newest', takenAt: newest.taken_at_timestamp, why: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
        taken = undefined;
        const snapshot = await downloadWhole(call, canisterId, newest.id, onProgress);
        return { canisterId, controllers: status.settings.controllers, wasmMemoryLimit: status.settings.wasm_memory_limit, snapshot, source };
    }
    try {
        const snapshot = await downloadWhole(call, canisterId, taken, onProgress);
        return { canisterId, controllers: status.settings.controllers, wasmMemoryLimit: status.settings.wasm_memory_limit, snapshot, source };
    } finally {
        await call('delete_canister_snapshot', { canister_id: canisterId, snapshot_id: taken });
    }
}

async function downloadWhole(call: ManagementCall, canisterId: Principal, snapshotId: Uint8Array, onProgress?: OnProgress): Promise<DownloadedSnapshot> {
    const metadata = await call('read_canister_snapshot_metadata', { canister_id: canisterId, snapshot_id: snapshotId });
    const sizes = { wasm_module: Number(metadata.wasm_module_size), wasm_memory: Number(metadata.wasm_memory_size), stable_memory: Number(metadata.stable_memory_size) };
    const total = sizes.wasm_module + sizes.wasm_memory + sizes.stable_memory;
    let done = 0;
    const parts = { wasm_module: new Uint8Array(sizes.wasm_module), wasm_memory: new Uint8Array(sizes.wasm_memory), stable_memory: new Uint8Array(sizes.stable_memory) };
    for (const part of SNAPSHOT_PARTS) {
        for (let at = 0; at < sizes[part]; at += SLICE_BYTES) {
            const size = Math.min(SLICE_BYTES, sizes[part] - at);
            const kind = { [part]: { offset: BigInt(at), size: BigInt(size) } } as { wasm_module: { offset: bigint; size: bigint } };
            const { chunk } = await call('read_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind });
            if (chunk.length !== size) throw new Error(`read_canister_snapshot_data returned ${chunk.length} bytes of ${part} at ${at}, not the ${size} asked for`);
            parts[part].set(chunk, at);
            done += size;
            onProgress?.({ part, done, total });
        }
    }
    const chunks: Uint8Array[] = [];
    for (const { hash } of metadata.wasm_chunk_store) {
        chunks.push((await call('read_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind: { wasm_chunk: { hash } } })).chunk);
    }
    return { metadata, parts, chunks };
}
