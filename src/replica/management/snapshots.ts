import { toHex } from '../../encoding/hex.js';
import { reject, Reject } from '../reject.js';
import { Canister, newCodeState, Snapshot } from '../state/canister.js';
import type { PreparedModule } from '../wasm/index.js';
import { changeOrigin, controlled, err, Handler, isReject, ManagementCall, ok } from './call.js';
import { recordChange } from './history.js';
import { prepare } from './install.js';

/** Snapshot ids: an 8-byte big-endian counter of the canister, then the canister id. */
export function newSnapshotId(canister: Canister): Uint8Array {
    const counter = canister.nextSnapshotIndex++;
    const id = new Uint8Array(8 + canister.id.toUint8Array().length);
    new DataView(id.buffer).setBigUint64(0, counter);
    id.set(canister.id.toUint8Array(), 8);
    return id;
}

export function sizeOf(snapshot: Snapshot): bigint {
    return BigInt(snapshot.heap.sizeBytes) + snapshot.stable.sizeBytes + BigInt(snapshot.wasm.length);
}

function notFound(canister: Canister, id: Uint8Array): Reject {
    return reject('IC0305', `Could not find the snapshot ID ${toHex(id)} for canister ${canister.idText}. List the canister's snapshots with list_canister_snapshots.`);
}

/** A snapshot id that exists but belongs to another canister is refused as such (IC0406), else as not found (IC0305). */
function missing(call: ManagementCall, canister: Canister, id: Uint8Array): Reject {
    const key = toHex(id);
    for (const other of call.subnet.canisters.values()) {
        if (other !== canister && other.snapshots.has(key)) return reject('IC0406', `The snapshot ${key} does not belong to canister ${canister.idText}.`);
    }
    return notFound(canister, id);
}

/** The controlled canister and its snapshot `snapshotId`, or why not. */
export function findSnapshot(call: ManagementCall, canisterId: Canister['id'], snapshotId: Uint8Array): [Canister, Snapshot] | Reject {
    const canister = controlled(call, canisterId);
    if (isReject(canister)) return canister;
    const snapshot = canister.snapshots.get(toHex(snapshotId));
    if (snapshot === undefined) return missing(call, canister, snapshotId);
    return [canister, snapshot];
}

/**
 * Checks that `canister` may get one more snapshot: `replacing` (if given) must be one of its
 * snapshots, else it must be under the limit.
 */
export function checkRoomForSnapshot(call: ManagementCall, canister: Canister, replacing: Uint8Array | undefined): Reject | null {
    if (replacing !== undefined) return canister.snapshots.has(toHex(replacing)) ? null : missing(call, canister, replacing);
    if (canister.snapshots.size >= call.subnet.maxSnapshots) {
        return reject('IC0406', `Canister ${canister.idText} has reached the maximum number of snapshots allowed: ${call.subnet.maxSnapshots}. Delete one, or name one in replace_snapshot.`);
    }
    return null;
}

export const take_canister_snapshot: Handler<'take_canister_snapshot'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    const code = canister.code;
    if (code === null) return err(reject('IC0406', `Failed to create snapshot for empty canister ${canister.idText}. Install code first.`));
    const replacing = args.replace_snapshot[0];
    const full = checkRoomForSnapshot(call, canister, replacing);
    if (full !== null) return err(full);
    // Snapshots share the committed pages: a page is copied only when it is next written.
    const snapshot: Snapshot = {
        id: newSnapshotId(canister),
        takenAt: call.subnet.time,
        source: 'taken',
        wasm: code.module.given,
        module: code.module,
        heap: code.heap.clone(),
        globalTypes: code.module.info.mutableGlobals.map((g) => g.valueType),
        stable: code.stable.clone(),
        certifiedData: canister.certifiedData,
        chunkStore: new Map(canister.chunkStore),
        canisterVersion: canister.version,
        globalTimer: canister.globalTimer,
        lowMemoryHook: 'condition_not_satisfied',
        revision: 0
    };
    if (replacing !== undefined) canister.snapshots.delete(toHex(replacing));
    canister.snapshots.set(toHex(snapshot.id), snapshot);
    return ok({ id: snapshot.id, taken_at_timestamp: snapshot.takenAt, total_size: sizeOf(snapshot) });
};

/** The snapshot's module, prepared (an uploaded snapshot's on first load), or the IC0505 reject of an invalid one. */
function loadableModule(canister: Canister, snapshot: Snapshot): PreparedModule | Reject {
    if (snapshot.module !== null) return snapshot.module;
    const module = prepare(canister, snapshot.wasm.slice());
    if ('errorCode' in module) return module;
    snapshot.module = module;
    return module;
}

/** Whether an uploaded snapshot's globals are those the module declares (number and types). */
function globalsMatch(module: PreparedModule, snapshot: Snapshot): boolean {
    const declared = module.info.mutableGlobals;
    return declared.length === snapshot.globalTypes.length && declared.every((g, i) => g.valueType === snapshot.globalTypes[i]);
}

export const load_canister_snapshot: Handler<'load_canister_snapshot'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    const [canister, snapshot] = found;
    const module = loadableModule(canister, snapshot);
    if ('errorCode' in module) return err(module);
    if (snapshot.source === 'uploaded' && !globalsMatch(module, snapshot)) {
        return err(
            reject(
                'IC0408',
                'Wasm exported globals of canister module and snapshot metadata do not match.\nMake sure to upload a complete and valid snapshot. Compare with snapshot metadata from the endpoint `read_canister_snapshot_metadata`'
            )
        );
    }
    if (snapshot.source === 'uploaded') {
        // The uploaded pages are this snapshot's own copies: share them, as committed pages are, so
        // a thousand canisters loaded from one state hold its pages once (and no all-zero page).
        snapshot.heap.compact(call.subnet.pageStore);
        snapshot.stable.compact(call.subnet.pageStore);
    }
    if (canister.code !== null) call.subnet.releaseInstance(canister.code);
    const code = newCodeState(module);
    code.heap = snapshot.heap.clone();
    code.stable = snapshot.stable.clone();
    canister.code = code;
    canister.certifiedData = snapshot.certifiedData;
    canister.chunkStore = new Map(snapshot.chunkStore);
    // As on the IC, only uploaded snapshots carry the timer back (restoring a taken one's would change old behaviour there).
    if (snapshot.source === 'uploaded' && snapshot.globalTimer !== null) canister.globalTimer = snapshot.globalTimer;
    canister.version++;
    recordChange(canister, call.subnet.time, changeOrigin(call), {
        kind: 'load_snapshot',
        canisterVersion: snapshot.canisterVersion,
        snapshotId: snapshot.id,
        takenAt: snapshot.takenAt,
        source: snapshot.source
    });
    return ok(undefined);
};

export const list_canister_snapshots: Handler<'list_canister_snapshots'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    return ok([...canister.snapshots.values()].map((s) => ({ id: s.id, taken_at_timestamp: s.takenAt, total_size: sizeOf(s) })));
};

export const delete_canister_snapshot: Handler<'delete_canister_snapshot'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    found[0].snapshots.delete(toHex(args.snapshot_id));
    return ok(undefined);
};

export function isRejectValue<T>(value: T | Reject): value is Reject {
    return typeof value === 'object' && value !== null && 'errorCode' in value;
}
