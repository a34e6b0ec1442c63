/**
 * Snapshot download and upload (interface spec: read_canister_snapshot_metadata/data,
 * upload_canister_snapshot_metadata/data). An upload creates a snapshot with the sizes its
 * metadata fixes, all zeros, and each data call fills a slice of it; nothing marks it
 * complete: loading it prepares the module then, and an unfinished module fails as invalid.
 */
import { fromHex, toHex } from '../../encoding/hex.js';
import { MAX_CERTIFIED_DATA_BYTES, MAX_SNAPSHOT_GLOBALS, MAX_SNAPSHOT_SLICE_BYTES, MAX_STABLE_PAGES, MAX_WASM32_MEMORY_BYTES, MAX_WASM_MODULE_BYTES, WASM_PAGE_BYTES } from '../constants.js';
import { memoryUsage } from '../engine/cycles.js';
import { GlobalValue, HeapImage } from '../memory/heap.js';
import { StableMemory } from '../memory/stable-memory.js';
import { reject, Reject } from '../reject.js';
import { LowMemoryHookStatus, Snapshot } from '../state/canister.js';
import type { GlobalValueType } from '../wasm/index.js';
import { controlled, err, Handler, isReject, ok } from './call.js';
import { ManagementArgs, SnapshotGlobal } from './candid.js';
import { insertChunk } from './chunks.js';
import { checkRoomForSnapshot, findSnapshot, isRejectValue, newSnapshotId, sizeOf } from './snapshots.js';

const PAGE = BigInt(WASM_PAGE_BYTES);

function invalidSlice(offset: bigint, size: bigint): Reject {
    return reject(
        'IC0408',
        `Invalid subslice into wasm module / main memory / stable memory: offset: ${offset}, size: ${size}\nUse the snapshot metadata API to learn the size of the wasm module / main memory / stable memory.`
    );
}

export const read_canister_snapshot_metadata: Handler<'read_canister_snapshot_metadata'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    const snapshot = found[1];
    return ok({
        source: snapshot.source === 'uploaded' ? { metadata_upload: null } : { taken_from_canister: null },
        taken_at_timestamp: snapshot.takenAt,
        wasm_module_size: BigInt(snapshot.wasm.length),
        globals: snapshot.heap.globals.map((g, i) => toSnapshotGlobal(g, snapshot.globalTypes[i] ?? 'i32')),
        wasm_memory_size: BigInt(snapshot.heap.sizeBytes),
        stable_memory_size: snapshot.stable.sizeBytes,
        wasm_chunk_store: [...snapshot.chunkStore.keys()].map((hex) => ({ hash: fromHex(hex) })),
        canister_version: snapshot.canisterVersion,
        certified_data: snapshot.certifiedData,
        global_timer: snapshot.globalTimer === null ? [] : [snapshot.globalTimer === 0n ? { inactive: null } : { active: snapshot.globalTimer }],
        on_low_wasm_memory_hook_status: snapshot.lowMemoryHook === null ? [] : [{ [snapshot.lowMemoryHook]: null } as Record<LowMemoryHookStatus, null>]
    });
};

export const read_canister_snapshot_data: Handler<'read_canister_snapshot_data'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    const snapshot = found[1];
    const kind = args.kind;
    if ('wasm_chunk' in kind) {
        const chunk = snapshot.chunkStore.get(toHex(kind.wasm_chunk.hash));
        if (chunk === undefined) return err(reject('IC0504', `Error from Wasm chunk store: WasmChunkHash ${toHex(kind.wasm_chunk.hash)} not found. Read the snapshot's metadata for the hashes of its chunk store.`));
        return ok({ chunk });
    }
    const { offset, size } = 'wasm_module' in kind ? kind.wasm_module : 'wasm_memory' in kind ? kind.wasm_memory : kind.stable_memory;
    if (size > BigInt(MAX_SNAPSHOT_SLICE_BYTES)) {
        return err(reject('IC0408', `Requested slice too large: ${size} > ${MAX_SNAPSHOT_SLICE_BYTES}\nUse a slice size at most ${MAX_SNAPSHOT_SLICE_BYTES}`));
    }
    const total = 'wasm_module' in kind ? BigInt(snapshot.wasm.length) : 'wasm_memory' in kind ? BigInt(snapshot.heap.sizeBytes) : snapshot.stable.sizeBytes;
    if (offset + size > total) return err(invalidSlice(offset, size));
    const chunk = new Uint8Array(Number(size));
    if ('wasm_module' in kind) chunk.set(snapshot.wasm.subarray(Number(offset), Number(offset + size)));
    else if ('wasm_memory' in kind) snapshot.heap.read(Number(offset), chunk);
    else snapshot.stable.read(Number(offset), chunk);
    return ok({ chunk });
};

type UploadMetadata = ManagementArgs<'upload_canister_snapshot_metadata'>;

/** The IC's metadata checks, named as the IC names them. */
function metadataProblem(args: UploadMetadata): string | null {
    if (args.wasm_module_size === 0n) return 'WasmModuleEmpty';
    if (args.wasm_module_size > BigInt(MAX_WASM_MODULE_BYTES)) return 'WasmModuleTooLarge';
    if (args.wasm_memory_size % PAGE !== 0n) return 'WasmMemoryNotPageAligned';
    if (args.wasm_memory_size > MAX_WASM32_MEMORY_BYTES) return 'WasmMemoryTooLarge';
    if (args.stable_memory_size % PAGE !== 0n) return 'StableMemoryNotPageAligned';
    if (args.stable_memory_size > MAX_STABLE_PAGES * PAGE) return 'StableMemoryTooLarge';
    if (args.globals.length > MAX_SNAPSHOT_GLOBALS) return 'ExportedGlobalsTooLarge';
    if (args.certified_data.length > MAX_CERTIFIED_DATA_BYTES) return 'CertifiedDataTooLarge';
    return null;
}

export const upload_canister_snapshot_metadata: Handler<'upload_canister_snapshot_metadata'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    const problem = metadataProblem(args);
    if (problem !== null) {
        return err(
            reject(
                'IC0408',
                `Snapshot Metadata contains invalid data: ${problem}. Sizes must be page-aligned (64 KiB) and within the IC's limits: a module of 1 to ${MAX_WASM_MODULE_BYTES} bytes, a heap of at most 4 GiB, at most ${MAX_SNAPSHOT_GLOBALS} globals, certified data of at most ${MAX_CERTIFIED_DATA_BYTES} bytes.`
            )
        );
    }
    const replacing = args.replace_snapshot[0];
    const full = checkRoomForSnapshot(call, canister, replacing);
    if (full !== null) return err(full);
    const newSize = args.wasm_module_size + args.wasm_memory_size + args.stable_memory_size;
    const allocation = canister.settings.memoryAllocation;
    const replacedSize = replacing === undefined ? 0n : sizeOf(canister.snapshots.get(toHex(replacing))!);
    const needed = memoryUsage(canister) + newSize - replacedSize;
    if (allocation > 0n && needed > allocation) {
        return err(reject('IC0402', `Canister was given ${allocation} memory allocation but at least ${needed} of memory is needed. Raise the canister's memory_allocation, or delete a snapshot first.`));
    }
    const timer = args.global_timer[0];
    const hook = args.on_low_wasm_memory_hook_status[0];
    const snapshot: Snapshot = {
        id: newSnapshotId(canister),
        takenAt: call.subnet.time,
        source: 'uploaded',
        wasm: new Uint8Array(Number(args.wasm_module_size)),
        module: null,
        heap: new HeapImage([], Number(args.wasm_memory_size / PAGE), args.globals.map(fromSnapshotGlobal)),
        globalTypes: args.globals.map(typeOf),
        stable: new StableMemory(new Map(), args.stable_memory_size / PAGE),
        certifiedData: args.certified_data.slice(),
        chunkStore: new Map(),
        canisterVersion: canister.version,
        globalTimer: timer === undefined ? null : 'active' in timer ? timer.active : 0n,
        lowMemoryHook: hook === undefined ? null : (Object.keys(hook)[0] as LowMemoryHookStatus),
        revision: 0
    };
    if (replacing !== undefined) canister.snapshots.delete(toHex(replacing));
    canister.snapshots.set(toHex(snapshot.id), snapshot);
    return ok({ snapshot_id: snapshot.id });
};

export const upload_canister_snapshot_data: Handler<'upload_canister_snapshot_data'> = (call, args) => {
    const found = findSnapshot(call, args.canister_id, args.snapshot_id);
    if (isRejectValue(found)) return err(found);
    const [canister, snapshot] = found;
    if (snapshot.source !== 'uploaded') {
        return err(reject('IC0409', 'Only canister snapshots created by metadata upload can be mutated. Create one with upload_canister_snapshot_metadata, then upload its data.'));
    }
    const { kind, chunk } = args;
    if ('wasm_chunk' in kind) {
        const hash = insertChunk(snapshot.chunkStore, chunk, `snapshot ${toHex(snapshot.id)} of canister ${canister.idText}`);
        if (!(hash instanceof Uint8Array)) return err(hash);
    } else {
        const offset = 'wasm_module' in kind ? kind.wasm_module.offset : 'wasm_memory' in kind ? kind.wasm_memory.offset : kind.stable_memory.offset;
        const total = 'wasm_module' in kind ? BigInt(snapshot.wasm.length) : 'wasm_memory' in kind ? BigInt(snapshot.heap.sizeBytes) : snapshot.stable.sizeBytes;
        if (offset + BigInt(chunk.length) > total) return err(invalidSlice(offset, BigInt(chunk.length)));
        if ('wasm_module' in kind) {
            snapshot.wasm.set(chunk, Number(offset));
            snapshot.module = null;
        } else if ('wasm_memory' in kind) {
            snapshot.heap.write(Number(offset), chunk);
        } else {
            snapshot.stable.begin();
            snapshot.stable.write(Number(offset), chunk);
            snapshot.stable.commit();
        }
    }
    snapshot.revision++;
    return ok(undefined);
};

function typeOf(global: SnapshotGlobal): GlobalValueType {
    return Object.keys(global)[0] as GlobalValueType;
}

function fromSnapshotGlobal(global: SnapshotGlobal): GlobalValue {
    if ('i32' in global) return global.i32;
    if ('i64' in global) return global.i64;
    if ('f32' in global) return global.f32;
    if ('f64' in global) return global.f64;
    return global.v128;
}

function toSnapshotGlobal(value: GlobalValue, type: GlobalValueType): SnapshotGlobal {
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
