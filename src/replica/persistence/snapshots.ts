/** Saving and restoring a canister snapshot in full: module, memories (as page hashes), chunk store. */
import { Snapshot } from '../state/canister.js';
import { BlobSink, BlobSource, chunkStoreRecord, heapRecord, moduleRecord, restoreChunkStore, restoreHeap, restoreModule, restoreStable, stableRecord } from './memories.js';
import { Stored, StoredRecord, big, bytes, field, rec } from './values.js';

/** A snapshot in full (its pages as hashes). */
export function snapshotRecord(s: Snapshot, sink: BlobSink): StoredRecord {
    return {
        id: s.id,
        takenAt: s.takenAt,
        module: moduleRecord(s.module, sink),
        heap: heapRecord(s.heap, sink),
        stable: stableRecord(s.stable, sink),
        certifiedData: s.certifiedData,
        chunkStore: chunkStoreRecord(s.chunkStore, sink),
        canisterVersion: s.canisterVersion,
        globalTimer: s.globalTimer
    };
}

export function restoreSnapshot(stored: Stored, source: BlobSource): Snapshot {
    const r = rec(stored);
    return {
        id: bytes(field(r, 'id')),
        takenAt: big(field(r, 'takenAt')),
        module: restoreModule(field(r, 'module'), source),
        heap: restoreHeap(field(r, 'heap'), source),
        stable: restoreStable(field(r, 'stable'), source),
        certifiedData: bytes(field(r, 'certifiedData')),
        chunkStore: restoreChunkStore(field(r, 'chunkStore'), source),
        canisterVersion: big(field(r, 'canisterVersion')),
        globalTimer: big(field(r, 'globalTimer'))
    };
}
