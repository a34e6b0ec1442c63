/**
 * Puts an app's state into a fresh embedded replica the way a controller would on the IC:
 * a canister with the app's own id and controllers (provisional create with a specified id),
 * then upload_canister_snapshot_metadata, upload_canister_snapshot_data for every part, and
 * load_canister_snapshot.
 */
import type { Principal } from '@dfinity/principal';
import { sourceOf, uploadSnapshot } from '../client/snapshots/upload.js';
import type { Replica } from '../replica/index.js';
import type { AppState } from './app-state.js';
import { replicaManagement } from './replica-management.js';

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
    const snapshot_id = await uploadSnapshot(replicaManagement(replica, operator), canisterId, sourceOf(app.snapshot));
    await replica.callManagement('load_canister_snapshot', { canister_id: canisterId, snapshot_id, sender_canister_version: [] }, operator);
    return operator;
}
