/**
 * Saving and restoring a canister: everything but its memories and snapshots, which the
 * server's store saves apart (they are large) and hands back to `restoreCanister`.
 * Relies on `Subnet.restoreCanister`; everything else is public state of `Canister`.
 */
import { HeapImage } from '../memory/heap.js';
import { StableMemory } from '../memory/stable-memory.js';
import { Canister, CanisterStatus, Change, newCodeState, Snapshot } from '../state/canister.js';
import type { Subnet } from '../subnet/index.js';
import { callbackRecord, contextRecord, restoreCallback, restoreContext } from './call-contexts.js';
import { BlobSink, BlobSource, chunkStoreRecord, moduleRecord, restoreChunkStore, restoreModule } from './memories.js';
import { restoreTarget, targetRecord } from './messages.js';
import { detailsRecord, originRecord, restoreDetails, restoreOrigin, restoreSettings, settingsRecord } from './settings.js';
import { CorruptStateError, Stored, StoredRecord, big, bytes, field, list, pid, principal, rec, str } from './values.js';

/**
 * Everything about a canister except its memories and snapshots (saved separately, as they
 * are large): settings, status, cycles, version, certified data, timer, history, chunk store,
 * logs, open call contexts and callbacks, the module, and the ids of its snapshots.
 */
export function canisterRecord(c: Canister, sink: BlobSink): StoredRecord {
    return {
        id: pid(c.id),
        settings: settingsRecord(c.settings),
        status: c.status,
        pendingStops: c.pendingStops.map((s) => ({ replyTo: targetRecord(s.replyTo), deadline: s.deadline })),
        version: c.version,
        cycles: c.cycles,
        certifiedData: c.certifiedData,
        globalTimer: c.globalTimer,
        history: c.history.map((h) => ({ timestampNanos: h.timestampNanos, canisterVersion: h.canisterVersion, origin: originRecord(h.origin), details: detailsRecord(h.details) })),
        totalChanges: c.totalChanges,
        chunkStore: chunkStoreRecord(c.chunkStore, sink),
        logs: c.logs.map((l) => ({ idx: l.idx, timestampNanos: l.timestampNanos, content: l.content })),
        nextLogIdx: c.nextLogIdx,
        storageChargedUntil: c.storageChargedUntil,
        queryStats: { calls: c.queryStats.calls, instructions: c.queryStats.instructions, requestBytes: c.queryStats.requestBytes, responseBytes: c.queryStats.responseBytes },
        callContexts: [...c.callContexts.values()].map(contextRecord),
        callbacks: [...c.callbacks.values()].map(callbackRecord),
        module: c.code === null ? null : moduleRecord(c.code.module, sink),
        snapshotCounter: c.nextSnapshotIndex,
        snapshots: [...c.snapshots.keys()]
    };
}

/**
 * Rebuilds a canister from `canisterRecord` plus its memories (when it has a module) and
 * snapshots, and adds it to the subnet.
 */
export function restoreCanister(
    subnet: Subnet,
    stored: Stored,
    source: BlobSource,
    memories: { heap: HeapImage; stable: StableMemory } | null,
    snapshots: Map<string, Snapshot>
): Canister {
    const r = rec(stored);
    const settings = restoreSettings(field(r, 'settings'));
    const c = new Canister(principal(field(r, 'id')), settings.controllers, big(field(r, 'cycles')), big(field(r, 'storageChargedUntil')));
    c.settings = settings;
    const status = str(field(r, 'status'));
    if (status !== 'running' && status !== 'stopping' && status !== 'stopped') throw new CorruptStateError(`Saved replica state is corrupt: unknown canister status ${status}`);
    c.status = status as CanisterStatus;
    c.pendingStops = list(field(r, 'pendingStops')).map((s) => ({ replyTo: restoreTarget(field(rec(s), 'replyTo')), deadline: big(field(rec(s), 'deadline')) }));
    c.version = big(field(r, 'version'));
    c.certifiedData = bytes(field(r, 'certifiedData'));
    c.globalTimer = big(field(r, 'globalTimer'));
    c.history = list(field(r, 'history')).map((h): Change => {
        const e = rec(h);
        return { timestampNanos: big(field(e, 'timestampNanos')), canisterVersion: big(field(e, 'canisterVersion')), origin: restoreOrigin(field(e, 'origin')), details: restoreDetails(field(e, 'details')) };
    });
    c.totalChanges = big(field(r, 'totalChanges'));
    c.chunkStore = restoreChunkStore(field(r, 'chunkStore'), source);
    c.logs = list(field(r, 'logs')).map((l) => {
        const e = rec(l);
        return { idx: big(field(e, 'idx')), timestampNanos: big(field(e, 'timestampNanos')), content: bytes(field(e, 'content')) };
    });
    c.nextLogIdx = big(field(r, 'nextLogIdx'));
    const stats = rec(field(r, 'queryStats'));
    c.queryStats = { calls: big(field(stats, 'calls')), instructions: big(field(stats, 'instructions')), requestBytes: big(field(stats, 'requestBytes')), responseBytes: big(field(stats, 'responseBytes')) };
    for (const context of list(field(r, 'callContexts')).map(restoreContext)) c.callContexts.set(context.id, context);
    for (const callback of list(field(r, 'callbacks')).map(restoreCallback)) c.callbacks.set(callback.id, callback);
    const module = r.module === null || r.module === undefined ? null : restoreModule(r.module, source);
    if (module !== null) {
        if (memories === null) throw new CorruptStateError(`Saved replica state is corrupt: canister ${c.idText} has a module but no memories`);
        c.code = newCodeState(module, memories.heap, memories.stable);
    }
    c.snapshots = snapshots;
    c.nextSnapshotIndex = big(field(r, 'snapshotCounter'));
    subnet.restoreCanister(c);
    return c;
}
