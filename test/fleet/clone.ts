/**
 * Fleets in seconds: copies of one initialised canister made the way a controller can on the IC,
 * through the management canister's snapshots. The source's snapshot is downloaded once, then
 * for each new canister: create, stop, upload the snapshot, load it, delete the uploaded copy
 * (it would hold a snapshot slot and storage), start, hand it to the asked controllers.
 */
import type { Principal } from '@dfinity/principal';
import type { SnapshotManagement } from '../../src/client/snapshots/management.js';
import { downloadSnapshot } from '../../src/client/snapshots/download.js';
import { type SnapshotSource, sourceOf, uploadSnapshot } from '../../src/client/snapshots/upload.js';
import type * as ic from '../../src/replica/management/candid/generated.js';
import { replicaManagement } from '../../src/rehearsal/replica-management.js';
import type { Replica } from '../../src/replica/index.js';
import { toCandidSettings } from '../../src/replica/replica-convert.js';

/** The management canister's methods cloning calls: the snapshot transfer's, plus creating a canister and changing its settings. */
export interface FleetManagement extends SnapshotManagement {
    provisional_create_canister_with_cycles(args: ic.provisional_create_canister_with_cycles_args): Promise<ic.provisional_create_canister_with_cycles_result>;
    update_settings(args: ic.update_settings_args): Promise<undefined>;
}

export interface CloneOptions {
    /** Controllers of each copy once it runs. Default: the caller behind `mgmt` alone, as created. */
    controllers?: Principal[];
    /** Cycles each copy is created with. Default: 10^14 (100 T). */
    cycles?: bigint;
    /** Called after each copy runs under its controllers: `done` of `total`. */
    onProgress?: (done: number, total: number) => void;
}

const DEFAULT_CYCLES = 100_000_000_000_000n;

/** The management canister of an in-process replica, called by `caller`. */
export function fleetManagement(replica: Replica, caller: Principal): FleetManagement {
    return {
        ...replicaManagement(replica, caller),
        provisional_create_canister_with_cycles: (args) => replica.callManagement('provisional_create_canister_with_cycles', args, caller),
        update_settings: (args) => replica.callManagement('update_settings', args, caller)
    };
}

/**
 * Makes `count` new canisters with the module, memories, certified data and timer `source` has
 * now, running, controlled by `options.controllers`. The caller behind `mgmt` must control
 * `source`. Returns the copies' ids in creation order. `source` keeps running and keeps no
 * snapshot from this (the one taken is deleted again).
 * @throws Error naming the copy and the step that failed; the copies made before it stay.
 */
export async function cloneCanister(mgmt: FleetManagement, source: Principal, count: number, options: CloneOptions = {}): Promise<Principal[]> {
    if (!Number.isSafeInteger(count) || count < 0) throw new Error(`cloneCanister: count must be a whole number, 0 or more (got ${count})`);
    const snapshot = await downloadOnce(mgmt, source);
    const copies: Principal[] = [];
    for (let index = 0; index < count; index++) {
        copies.push(await makeCopy(mgmt, snapshot, index, count, options));
        options.onProgress?.(index + 1, count);
    }
    return copies;
}

/** The source's state now, in memory: a snapshot taken, downloaded and deleted. */
async function downloadOnce(mgmt: FleetManagement, source: Principal): Promise<SnapshotSource> {
    const { id } = await mgmt.take_canister_snapshot({ canister_id: source, replace_snapshot: [] });
    try {
        return sourceOf(await downloadSnapshot(mgmt, source, id));
    } finally {
        await mgmt.delete_canister_snapshot({ canister_id: source, snapshot_id: id });
    }
}

async function makeCopy(mgmt: FleetManagement, snapshot: SnapshotSource, index: number, count: number, options: CloneOptions): Promise<Principal> {
    let step = 'provisional_create_canister_with_cycles';
    let canisterId: Principal | undefined;
    try {
        // Without settings, the caller is the new canister's only controller.
        ({ canister_id: canisterId } = await mgmt.provisional_create_canister_with_cycles({ amount: [options.cycles ?? DEFAULT_CYCLES], settings: [], specified_id: [], sender_canister_version: [] }));
        const canister_id = canisterId;
        step = 'stop_canister';
        await mgmt.stop_canister({ canister_id });
        step = 'the snapshot upload';
        const snapshot_id = await uploadSnapshot(mgmt, canister_id, snapshot);
        step = 'load_canister_snapshot';
        await mgmt.load_canister_snapshot({ canister_id, snapshot_id, sender_canister_version: [] });
        step = 'delete_canister_snapshot';
        await mgmt.delete_canister_snapshot({ canister_id, snapshot_id });
        step = 'start_canister';
        await mgmt.start_canister({ canister_id });
        if (options.controllers !== undefined) {
            step = 'update_settings';
            await mgmt.update_settings({ canister_id, settings: toCandidSettings({ controllers: options.controllers }), sender_canister_version: [] });
        }
        return canister_id;
    } catch (error) {
        const which = canisterId === undefined ? '' : ` (canister ${canisterId.toText()})`;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`cloneCanister: copy ${index + 1} of ${count}${which} failed at ${step}: ${reason}. The copies made before it are left as they are.`, { cause: error });
    }
}
