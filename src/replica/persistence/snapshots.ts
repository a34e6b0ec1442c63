/** Saving and restoring a canister snapshot in full: module, memories (as page hashes), chunk store. */
import { LowMemoryHookStatus, Snapshot } from '../state/canister.js';
import type { GlobalValueType } from '../wasm/index.js';
import { BlobSink, BlobSource, chunkStoreRecord, heapRecord, moduleRecord, restoreChunkStore, restoreHeap, restoreModule, restoreStable, stableRecord } from './memories.js';
import { CorruptStateError, Stored, StoredRecord, big, bytes, field, list, optional, rec, str } from './values.js';

const GLOBAL_TYPES: readonly string[] = ['i32', 'i64', 'f32', 'f64', 'v128'];
const HOOK_STATUSES: readonly string[] = ['condition_not_satisfied', 'ready', 'executed'];

/** A snapshot in full (its pages as hashes). */
export function snapshotRecord(s: Snapshot, sink: BlobSink): StoredRecord {
    return {
        id: s.id,
        takenAt: s.takenAt,
        source: s.source,
        module: s.module === null ? null : moduleRecord(s.module, sink),
        wasm: sink.blob(s.wasm),
        heap: heapRecord(s.heap, sink),
        globalTypes: s.globalTypes,
        stable: stableRecord(s.stable, sink),
        certifiedData: s.certifiedData,
        chunkStore: chunkStoreRecord(s.chunkStore, sink),
        canisterVersion: s.canisterVersion,
        globalTimer: s.globalTimer,
        lowMemoryHook: s.lowMemoryHook
    };
}

function oneOf<T extends string>(value: Stored, allowed: readonly string[]): T {
    const text = str(value);
    if (!allowed.includes(text)) throw new CorruptStateError(`Saved replica state is corrupt: unexpected snapshot value ${text}`);
    return text as T;
}

export function restoreSnapshot(stored: Stored, source: BlobSource): Snapshot {
    const r = rec(stored);
    const module = optional(r.module, (m) => restoreModule(m, source));
    // States saved before snapshot uploads existed hold taken snapshots only, with a module.
    const wasm = r.wasm === undefined ? module?.given : source.blob(bytes(r.wasm));
    if (wasm === undefined) throw new CorruptStateError('Saved replica state is corrupt: a snapshot has no Wasm module');
    const globalTypes = r.globalTypes === undefined ? (module?.info.mutableGlobals.map((g) => g.valueType) ?? []) : list(r.globalTypes).map((t) => oneOf<GlobalValueType>(t, GLOBAL_TYPES));
    return {
        id: bytes(field(r, 'id')),
        takenAt: big(field(r, 'takenAt')),
        source: r.source === undefined ? 'taken' : oneOf<'taken' | 'uploaded'>(r.source, ['taken', 'uploaded']),
        wasm,
        module,
        heap: restoreHeap(field(r, 'heap'), source),
        globalTypes,
        stable: restoreStable(field(r, 'stable'), source),
        certifiedData: bytes(field(r, 'certifiedData')),
        chunkStore: restoreChunkStore(field(r, 'chunkStore'), source),
        canisterVersion: big(field(r, 'canisterVersion')),
        globalTimer: optional(r.globalTimer, big),
        lowMemoryHook: optional(r.lowMemoryHook ?? null, (h) => oneOf<LowMemoryHookStatus>(h, HOOK_STATUSES)),
        revision: 0
    };
}
