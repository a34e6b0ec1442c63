/**
 * Puts an app's state into a fresh embedded replica the way a controller would on the IC:
 * a canister with the app's own id and controllers (provisional create with a specified id),
 * then upload_canister_snapshot_metadata, upload_canister_snapshot_data for every part, and
 * load_canister_snapshot.
 */
import type { Principal } from '@dfinity/principal';
import type { Replica } from '../replica/index.js';
import type { AppState } from './app-state.js';

/** Bytes per upload_canister_snapshot_data call: what the IC accepts, and dfx and PocketIC send. */
export const UPLOAD_SLICE_BYTES = 2_000_000;

/** Cycles the rehearsal canister starts with: plenty for two upgrades and a health check at any size. */
const REHEARSAL_CYCLES = 10n ** 18n;

/** Loads `app` into `replica`; returns the principal the rehearsal acts as (a controller of the app). */
export async function loadAppState(replica: Replica, app: AppState): Promise<Principal> {
    const operator = app.controllers[0];
    if (operator === undefined) throw new Error(`the app ${app.canisterId.toText()} has no controllers: nobody could upgrade it, so there is nothing to rehearse`);
    const canisterId = app.canisterId;
    await replica.createCanister({
        targetCanisterId: canisterId,
        controllers: app.controllers,
        sender: operator,
        cycles: REHEARSAL_CYCLES,
        ...(app.wasmMemoryLimit === undefined ? {} : { wasmMemoryLimit: app.wasmMemoryLimit })
    });
    const { snapshot } = app;
    const { snapshot_id } = await replica.callManagement(
        'upload_canister_snapshot_metadata',
        {
            canister_id: canisterId,
            replace_snapshot: [],
            wasm_module_size: BigInt(snapshot.module.length),
            globals: snapshot.metadata.globals,
            wasm_memory_size: BigInt(snapshot.heap.length),
            stable_memory_size: BigInt(snapshot.stable.length),
            certified_data: snapshot.metadata.certifiedData,
            global_timer: [snapshot.metadata.globalTimer === null ? { inactive: null } : { active: snapshot.metadata.globalTimer }],
            on_low_wasm_memory_hook_status: []
        },
        operator
    );
    const upload = async (kind: 'wasm_module' | 'wasm_memory' | 'stable_memory', bytes: Uint8Array): Promise<void> => {
        for (let at = 0; at < bytes.length; at += UPLOAD_SLICE_BYTES) {
            const chunk = bytes.subarray(at, at + UPLOAD_SLICE_BYTES);
            const offset = { offset: BigInt(at) };
            const slice = kind === 'wasm_module' ? { wasm_module: offset } : kind === 'wasm_memory' ? { wasm_memory: offset } : { stable_memory: offset };
            await replica.callManagement('upload_canister_snapshot_data', { canister_id: canisterId, snapshot_id, kind: slice, chunk }, operator);
        }
    };
    await upload('wasm_module', snapshot.module);
    await upload('wasm_memory', snapshot.heap);
    await upload('stable_memory', snapshot.stable);
    for (const chunk of snapshot.chunks) {
        await replica.callManagement('upload_canister_snapshot_data', { canister_id: canisterId, snapshot_id, kind: { wasm_chunk: null }, chunk }, operator);
    }
    await replica.callManagement('load_canister_snapshot', { canister_id: canisterId, snapshot_id, sender_canister_version: [] }, operator);
    return operator;
}
