/**
 * Puts an app's state into a fresh embedded replica the way a controller would on the IC:
 * a canister with the app's own id and controllers (provisional create with a specified id),
 * then upload_canister_snapshot_metadata, upload_canister_snapshot_data for every part, and
 * load_canister_snapshot.
 */
import type { Principal } from '@dfinity/principal';
import { SLICE_BYTES, SNAPSHOT_PARTS } from '../client/snapshots/parts.js';
import type { Replica } from '../replica/index.js';
import type { AppState } from './app-state.js';

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
    const { metadata } = snapshot;
    const { snapshot_id } = await replica.callManagement(
        'upload_canister_snapshot_metadata',
        {
            canister_id: canisterId,
            replace_snapshot: [],
            wasm_module_size: metadata.wasm_module_size,
            globals: metadata.globals,
            wasm_memory_size: metadata.wasm_memory_size,
            stable_memory_size: metadata.stable_memory_size,
            certified_data: metadata.certified_data,
            global_timer: metadata.global_timer,
            on_low_wasm_memory_hook_status: metadata.on_low_wasm_memory_hook_status
        },
        operator
    );
    for (const part of SNAPSHOT_PARTS) {
        const bytes = snapshot.parts[part];
        for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
            const kind = { [part]: { offset: BigInt(at) } } as { wasm_module: { offset: bigint } };
            await replica.callManagement('upload_canister_snapshot_data', { canister_id: canisterId, snapshot_id, kind, chunk: bytes.subarray(at, at + SLICE_BYTES) }, operator);
        }
    }
    for (const chunk of snapshot.chunks) {
        await replica.callManagement('upload_canister_snapshot_data', { canister_id: canisterId, snapshot_id, kind: { wasm_chunk: null }, chunk }, operator);
    }
    await replica.callManagement('load_canister_snapshot', { canister_id: canisterId, snapshot_id, sender_canister_version: [] }, operator);
    return operator;
}
