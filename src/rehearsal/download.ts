/**
 * Reads an app's live state as a controller may on the IC: its controllers and memory limit
 * (canister_status), a snapshot (the newest it has, or one taken now and deleted after the
 * download), and that snapshot's metadata and data in slices (read_canister_snapshot_*).
 * Works through any management-canister caller: an agent's actor, or the embedded replica.
 */
import type { Principal } from '@dfinity/principal';
import type { ManagementArgs, ManagementMethod, ManagementResult } from '../replica/management/candid.js';
import type { AppSnapshot, AppState } from './app-state.js';

/** One management canister call, as the caller (a controller of the app). */
export type ManagementCall = <M extends ManagementMethod>(method: M, args: ManagementArgs<M>) => Promise<ManagementResult<M>>;

/** Bytes per read_canister_snapshot_data call: what the IC serves, and dfx and PocketIC ask for. */
export const READ_SLICE_BYTES = 2_000_000;

export interface DownloadProgress {
    /** Bytes read so far and in all. */
    done: number;
    total: number;
}

export interface DownloadOptions {
    onProgress?: (progress: DownloadProgress) => void;
}

/** The app's state, read through `call`; takes a snapshot only when the app has none, and deletes it again. */
export async function downloadAppState(call: ManagementCall, canisterId: Principal, options: DownloadOptions = {}): Promise<AppState & { snapshotTaken: boolean }> {
    const status = await call('canister_status', { canister_id: canisterId });
    const existing = await call('list_canister_snapshots', { canister_id: canisterId });
    const newest = [...existing].sort((a, b) => (a.taken_at_timestamp < b.taken_at_timestamp ? 1 : -1))[0];
    const taken = newest === undefined ? await call('take_canister_snapshot', { canister_id: canisterId, replace_snapshot: [] }) : undefined;
    const snapshotId = (newest ?? taken)!.id;
    try {
        const snapshot = await downloadSnapshot(call, canisterId, snapshotId, options);
        return { canisterId, controllers: status.settings.controllers, wasmMemoryLimit: status.settings.wasm_memory_limit, snapshot, snapshotTaken: taken !== undefined };
    } finally {
        if (taken !== undefined) await call('delete_canister_snapshot', { canister_id: canisterId, snapshot_id: taken.id });
    }
}

/** Every part of one snapshot, in memory. */
export async function downloadSnapshot(call: ManagementCall, canisterId: Principal, snapshotId: Uint8Array, options: DownloadOptions = {}): Promise<AppSnapshot> {
    const meta = await call('read_canister_snapshot_metadata', { canister_id: canisterId, snapshot_id: snapshotId });
    const sizes = { wasm_module: meta.wasm_module_size, wasm_memory: meta.wasm_memory_size, stable_memory: meta.stable_memory_size };
    const total = Number(sizes.wasm_module + sizes.wasm_memory + sizes.stable_memory);
    let done = 0;
    const read = async (kind: keyof typeof sizes): Promise<Uint8Array> => {
        const size = Number(sizes[kind]);
        const out = new Uint8Array(size);
        for (let at = 0; at < size; at += READ_SLICE_BYTES) {
            const slice = { offset: BigInt(at), size: BigInt(Math.min(READ_SLICE_BYTES, size - at)) };
            const kindArg = kind === 'wasm_module' ? { wasm_module: slice } : kind === 'wasm_memory' ? { wasm_memory: slice } : { stable_memory: slice };
            const { chunk } = await call('read_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind: kindArg });
            if (chunk.length !== Number(slice.size)) throw new Error(`read_canister_snapshot_data returned ${chunk.length} bytes of ${kind} at ${at}, not the ${slice.size} asked for`);
            out.set(chunk, at);
            done += chunk.length;
            options.onProgress?.({ done, total });
        }
        return out;
    };
    const module = await read('wasm_module');
    const heap = await read('wasm_memory');
    const stable = await read('stable_memory');
    const chunks: Uint8Array[] = [];
    for (const { hash } of meta.wasm_chunk_store) {
        chunks.push((await call('read_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind: { wasm_chunk: { hash } } })).chunk);
    }
    const timer = meta.global_timer[0];
    return {
        metadata: {
            globals: meta.globals,
            certifiedData: meta.certified_data,
            globalTimer: timer === undefined || 'inactive' in timer ? null : timer.active,
            takenAt: meta.taken_at_timestamp
        },
        module,
        heap,
        stable,
        chunks
    };
}
