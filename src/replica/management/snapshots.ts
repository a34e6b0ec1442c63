import { MAX_CHUNK_BYTES } from '../constants.js';
import { GlobalValue } from '../memory/heap.js';
import { fromHex, toHex } from '../../encoding/hex.js';
import { reject, Reject } from '../reject.js';
import { Canister, newCodeState, Snapshot } from '../state/canister.js';
import { changeOrigin, controlled, err, Handler, isReject, ManagementCall, ok } from './call.js';
import { SnapshotGlobal } from './candid.js';
import { recordChange } from './history.js';

/** Snapshot ids: an 8-byte big-endian counter of the canister, then the canister id. */
function newSnapshotId(canister: Canister, counter: bigint): Uint8Array {
    const id = new Uint8Array(8 + canister.id.toUint8Array().length);
    new DataView(id.buffer).setBigUint64(0, counter);
    id.set(canister.id.toUint8Array(), 8);
    return id;
}

function sizeOf(snapshot: Snapshot): bigint {
    return BigInt(snapshot.heap.sizeBytes) + snapshot.stable.sizeBytes + BigInt(snapshot.module.wasm.length);
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

function findSnapshot(call: ManagementCall, canisterId: Canister['id'], snapshotId: Uint8Array): [Canister, Snapshot] | Reject {
    const canister = controlled(call, canisterId);
    if (isReject(canister)) return canister;
    const snapshot = canister.snapshots.get(toHex(snapshotId));
    if (snapshot === undefined) return missing(call, canister, snapshotId);
    return [canister, snapshot];
}

export const take_canister_snapshot: Handler<'take_canister_snapshot'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    const code = canister.code;
    if (code === null) return err(reject('IC0406', `Failed to create snapshot for empty canister ${canister.idText}. Install code first.`));
    const replacing = args.replace_snapshot[0];
    if (replacing !== undefined && !canister.snapshots.has(toHex(replacing))) return err(missing(call, canister, replacing));
    if (replacing === undefined && canister.snapshots.size >= call.subnet.maxSnapshots) {
        return err(
            reject('IC0406', `Canister ${canister.idText} has reached the maximum number of snapshots allowed: ${call.subnet.maxSnapshots}. Delete one, or name one in replace_snapshot.`)
        );
    }
    // Snapshots share the committed pages: a page is copied only when it is next written.
    const counter = canister.nextSnapshotIndex++;
    const snapshot: Snapshot = {
        id: newSnapshotId(canister, counter),
        takenAt: call.subnet.time,
        module: code.module,
        heap: code.heap.clone(),
        stable: code.stable.clone(),
        certifiedData: canister.certifiedData,
        chunkStore: new Map(canister.chunkStore),
        canisterVersion: canister.version,
        globalTimer: canister.globalTimer
    };
    if (replacing !== undefined) canister.snapshots.delete(toHex(replacing));
    canister.snapshots.set(toHex(snapshot.id), snapshot);
    return ok({ id: snapshot.id, taken_at_timestamp: snapshot.takenAt, total_size: sizeOf(snapshot) });
};

export const load_canister_snapshot: Handler<'load_canister_snapshot'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    const [canister, snapshot] = found;
    if (canister.code !== null) call.subnet.releaseInstance(canister.code);
    const code = newCodeState(snapshot.module);
    code.heap = snapshot.heap.clone();
    code.stable = snapshot.stable.clone();
    canister.code = code;
    canister.certifiedData = snapshot.certifiedData;
    canister.chunkStore = new Map(snapshot.chunkStore);
    canister.globalTimer = snapshot.globalTimer;
    canister.version++;
    recordChange(canister, call.subnet.time, changeOrigin(call), {
        kind: 'load_snapshot',
        canisterVersion: snapshot.canisterVersion,
        snapshotId: snapshot.id,
        takenAt: snapshot.takenAt
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

export const read_canister_snapshot_metadata: Handler<'read_canister_snapshot_metadata'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    const snapshot = found[1];
    return ok({
        source: { taken_from_canister: null },
        taken_at_timestamp: snapshot.takenAt,
        wasm_module_size: BigInt(snapshot.module.wasm.length),
        globals: snapshot.heap.globals.map((g, i) => toSnapshotGlobal(g, snapshot.module.info.mutableGlobals[i]?.valueType ?? 'i32')),
        wasm_memory_size: BigInt(snapshot.heap.sizeBytes),
        stable_memory_size: snapshot.stable.sizeBytes,
        wasm_chunk_store: [...snapshot.chunkStore.keys()].map((hex) => ({ hash: fromHex(hex) })),
        canister_version: snapshot.canisterVersion,
        certified_data: snapshot.certifiedData,
        global_timer: [snapshot.globalTimer === 0n ? { inactive: null } : { active: snapshot.globalTimer }],
        on_low_wasm_memory_hook_status: [{ condition_not_satisfied: null }]
    });
};

export const read_canister_snapshot_data: Handler<'read_canister_snapshot_data'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    const snapshot = found[1];
    const kind = args.kind;
    if ('wasm_chunk' in kind) {
        const chunk = snapshot.chunkStore.get(toHex(kind.wasm_chunk.hash));
        if (chunk === undefined) return err(reject('IC0504', `The snapshot has no chunk with hash ${toHex(kind.wasm_chunk.hash)}`));
        return ok({ chunk });
    }
    const [slice, whole] =
        'wasm_module' in kind
            ? [kind.wasm_module, () => snapshot.module.wasm]
            : 'wasm_memory' in kind
              ? [kind.wasm_memory, () => snapshot.heap.toBytes()]
              : [kind.stable_memory, () => snapshot.stable.toBytes()];
    if (slice.size > BigInt(MAX_CHUNK_BYTES)) return err(reject('IC0504', `A slice may be at most ${MAX_CHUNK_BYTES} bytes; ${slice.size} were asked`));
    const bytes = whole();
    if (slice.offset + slice.size > BigInt(bytes.length)) {
        return err(reject('IC0504', `Slice [${slice.offset}, ${slice.offset + slice.size}) is out of bounds of ${bytes.length} bytes`));
    }
    return ok({ chunk: bytes.slice(Number(slice.offset), Number(slice.offset + slice.size)) });
};

function toSnapshotGlobal(value: GlobalValue, type: 'i32' | 'i64' | 'f32' | 'f64' | 'v128'): SnapshotGlobal {
    switch (type) {
        case 'i32':
            return { i32: Number(value) };
        case 'i64':
            return { i64: BigInt(value) };
        case 'f32':
            return { f32: Number(value) };
        case 'f64':
            return { f64: Number(value) };
        case 'v128':
            return { v128: BigInt(value) };
    }
}

function isRejectValue<T>(value: T | Reject): value is Reject {
    return typeof value === 'object' && value !== null && 'errorCode' in value;
}
