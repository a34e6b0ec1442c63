/**
 * Reads an app's live state as a controller may on the IC: its controllers and memory limit
 * (canister_status), a snapshot taken now (deleted after the download), and that snapshot's metadata and data in slices (read_canister_snapshot_*).
 * Works through any management canister: the agent's actor of src/client/snapshots (the CLI),
 * or an embedded replica in-process (replica-management.ts: tests, bench).
 */
import type { Principal } from '@dfinity/principal';
import { downloadSnapshot } from '../client/snapshots/download.js';
import type { SnapshotManagement } from '../client/snapshots/management.js';
import type { OnProgress } from '../client/snapshots/parts.js';
import type { AppState } from './app-state.js';

/** Which snapshot the state came from. */
export type StateSource = { kind: 'taken' } | { kind: 'newest'; takenAt: bigint; why: string };

/**
 * The app's state now, read through `call`: a snapshot taken for the purpose (the app keeps
 * running) and deleted after the download. When the app cannot take one more snapshot (at
 * the IC's limit), its newest existing snapshot instead, and `source` says why.
 */
export async function downloadAppState(mgmt: SnapshotManagement, canisterId: Principal, onProgress?: OnProgress): Promise<AppState & { source: StateSource }> {
    const status = await mgmt.canister_status({ canister_id: canisterId });
    let taken: Uint8Array | undefined;
    let source: StateSource = { kind: 'taken' };
    try {
        taken = (await mgmt.take_canister_snapshot({ canister_id: canisterId, replace_snapshot: [] })).id;
    } catch (error) {
        const existing = await mgmt.list_canister_snapshots({ canister_id: canisterId });
        const newest = [...existing].sort((a, b) => (a.taken_at_timestamp < b.taken_at_timestamp ? 1 : -1))[0];
        if (newest === undefined) throw error;
        source = { kind: 'newest', takenAt: newest.taken_at_timestamp, why: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
        taken = undefined;
        const snapshot = await downloadSnapshot(mgmt, canisterId, newest.id, onProgress);
        return { canisterId, controllers: status.settings.controllers, wasmMemoryLimit: status.settings.wasm_memory_limit, snapshot, source };
    }
    try {
        const snapshot = await downloadSnapshot(mgmt, canisterId, taken, onProgress);
        return { canisterId, controllers: status.settings.controllers, wasmMemoryLimit: status.settings.wasm_memory_limit, snapshot, source };
    } finally {
        await mgmt.delete_canister_snapshot({ canister_id: canisterId, snapshot_id: taken });
    }
}
