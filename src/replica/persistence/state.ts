/**
 * Saving and restoring the state of a subnet, piece by piece: canisters (settings, status,
 * cycles, version, certified data, timer, history, chunk store, logs, call contexts and
 * callbacks, module, memories, snapshots), the message queue, ingress records, time and
 * the id counters. The server's store (src/server/persistence.ts) decides when to save
 * which piece and how to write it.
 *
 * Large contents (modules, memory pages, chunks) are not stored inline: a `BlobSink` turns
 * them into content hashes and a `BlobSource` gives them back, so identical pages and
 * modules are stored once.
 *
 * Internals this relies on (added for it): `Subnet.exportCounters/importCounters`,
 * `Subnet.restoreCanister/restoreQueue` and `StableMemory.pages`. Everything else is public
 * state of `Subnet` and `Canister`.
 */
import { Principal } from '@dfinity/principal';
import { toHex } from '../../encoding/hex.js';
import { HeapImage } from '../memory/heap.js';
import { Page } from '../memory/page-store.js';
import { StableMemory } from '../memory/stable-memory.js';
import { CallResult, RejectCode } from '../reject.js';
import { Callback, CallContext, Closure, ResponseTarget } from '../state/call-context.js';
import { Canister, CanisterSettings, CanisterStatus, Change, ChangeDetails, ChangeOrigin, LogVisibility, newCodeState, Snapshot } from '../state/canister.js';
import { IngressRecord, IngressStatus } from '../state/ingress.js';
import { Message } from '../state/messages.js';
import type { Subnet } from '../subnet/index.js';
import { PreparedModule, prepareModule } from '../wasm/index.js';
import { CorruptStateError, Stored, StoredRecord, big, bool, bytes, field, list, loadNumber, num, optional, principal, rec, storeNumber, str } from './values.js';
import { IC0_SIGNATURES } from '../engine/ic0/index.js';

/** Turns contents into hashes (storing them). */
export interface BlobSink {
    blob(content: Uint8Array): Uint8Array;
    page(page: Page): Uint8Array;
}

/** Gives contents back by hash. */
export interface BlobSource {
    blob(hash: Uint8Array): Uint8Array;
    /** The page with this hash, interned in the subnet's page store (null for an all-zero page). */
    page(hash: Uint8Array): Page | null;
}

const pid = (p: Principal): Uint8Array => p.toUint8Array();

// ------------------------------------------------------------------ subnet

export function subnetRecord(subnet: Subnet): StoredRecord {
    const c = subnet.exportCounters();
    return {
        time: subnet.time,
        certifiedTime: subnet.certifiedTime,
        nextCanisterIndex: subnet.nextCanisterIndex,
        nextCallContextId: c.nextCallContextId,
        nextCallbackId: c.nextCallbackId,
        nextIngressNonce: c.nextIngressNonce,
        randomCounter: c.randomCounter,
        lastStorageCharge: c.lastStorageCharge,
        queue: subnet.queuedMessages.map(messageRecord)
    };
}

export function restoreSubnet(subnet: Subnet, stored: Stored): void {
    const r = rec(stored);
    subnet.time = big(field(r, 'time'));
    subnet.certifiedTime = big(field(r, 'certifiedTime'));
    subnet.nextCanisterIndex = big(field(r, 'nextCanisterIndex'));
    subnet.importCounters({
        nextCallContextId: num(field(r, 'nextCallContextId')),
        nextCallbackId: num(field(r, 'nextCallbackId')),
        nextIngressNonce: big(field(r, 'nextIngressNonce')),
        randomCounter: big(field(r, 'randomCounter')),
        lastStorageCharge: big(field(r, 'lastStorageCharge'))
    });
    subnet.restoreQueue(list(field(r, 'queue')).map(restoreMessage));
}

// ------------------------------------------------------------------ messages

function targetRecord(t: ResponseTarget): StoredRecord {
    switch (t.kind) {
        case 'ingress':
            return { kind: 'ingress', messageId: t.messageId };
        case 'canister':
            return { kind: 'canister', canister: pid(t.canister), callbackId: t.callbackId, deadline: t.deadline };
        case 'system':
            return { kind: 'system' };
    }
}

function restoreTarget(stored: Stored): ResponseTarget {
    const r = rec(stored);
    const kind = str(field(r, 'kind'));
    if (kind === 'ingress') return { kind: 'ingress', messageId: str(field(r, 'messageId')) };
    if (kind === 'canister') return { kind: 'canister', canister: principal(field(r, 'canister')), callbackId: num(field(r, 'callbackId')), deadline: optional(r.deadline, big) };
    if (kind === 'system') return { kind: 'system' };
    throw new CorruptStateError(`Saved replica state is corrupt: unknown response target ${kind}`);
}

function resultRecord(result: CallResult): StoredRecord {
    if (result.kind === 'reply') return { kind: 'reply', payload: result.payload };
    return { kind: 'reject', code: result.reject.code, message: result.reject.message, errorCode: result.reject.errorCode };
}

function restoreResult(stored: Stored): CallResult {
    const r = rec(stored);
    if (str(field(r, 'kind')) === 'reply') return { kind: 'reply', payload: bytes(field(r, 'payload')) };
    return { kind: 'reject', reject: { code: num(field(r, 'code')) as RejectCode, message: str(field(r, 'message')), errorCode: str(field(r, 'errorCode')) } };
}

function messageRecord(m: Message): StoredRecord {
    switch (m.kind) {
        case 'request':
            return {
                kind: 'request',
                sender: pid(m.sender),
                receiver: pid(m.receiver),
                method: m.method,
                arg: m.arg,
                cycles: m.cycles,
                replyTo: targetRecord(m.replyTo),
                deadline: m.deadline
            };
        case 'response':
            return { kind: 'response', receiver: pid(m.receiver), callbackId: m.callbackId, result: resultRecord(m.result), refund: m.refund };
        case 'task':
            return { kind: 'task', receiver: pid(m.receiver), task: m.task };
    }
}

function restoreMessage(stored: Stored): Message {
    const r = rec(stored);
    const kind = str(field(r, 'kind'));
    if (kind === 'request') {
        return {
            kind: 'request',
            sender: principal(field(r, 'sender')),
            receiver: principal(field(r, 'receiver')),
            method: str(field(r, 'method')),
            arg: bytes(field(r, 'arg')),
            cycles: big(field(r, 'cycles')),
            replyTo: restoreTarget(field(r, 'replyTo')),
            deadline: big(field(r, 'deadline'))
        };
    }
    if (kind === 'response') {
        return { kind: 'response', receiver: principal(field(r, 'receiver')), callbackId: num(field(r, 'callbackId')), result: restoreResult(field(r, 'result')), refund: big(field(r, 'refund')) };
    }
    if (kind === 'task') {
        const task = str(field(r, 'task'));
        if (task !== 'global_timer' && task !== 'heartbeat' && task !== 'on_low_wasm_memory') throw new CorruptStateError(`Saved replica state is corrupt: unknown task ${task}`);
        return { kind: 'task', receiver: principal(field(r, 'receiver')), task };
    }
    throw new CorruptStateError(`Saved replica state is corrupt: unknown message kind ${kind}`);
}

// ------------------------------------------------------------------ ingress

function statusRecord(s: IngressStatus): StoredRecord {
    switch (s.status) {
        case 'replied':
            return { status: 'replied', reply: s.reply };
        case 'rejected':
            return { status: 'rejected', code: s.reject.code, message: s.reject.message, errorCode: s.reject.errorCode };
        default:
            return { status: s.status };
    }
}

function restoreStatus(stored: Stored): IngressStatus {
    const r = rec(stored);
    const status = str(field(r, 'status'));
    switch (status) {
        case 'received':
        case 'processing':
        case 'done':
            return { status };
        case 'replied':
            return { status, reply: bytes(field(r, 'reply')) };
        case 'rejected':
            return { status, reject: { code: num(field(r, 'code')) as RejectCode, message: str(field(r, 'message')), errorCode: str(field(r, 'errorCode')) } };
        default:
            throw new CorruptStateError(`Saved replica state is corrupt: unknown ingress status ${status}`);
    }
}

export function ingressRecord(r: IngressRecord): StoredRecord {
    return {
        id: r.id,
        sender: pid(r.sender),
        canisterId: pid(r.canisterId),
        method: r.method,
        effectiveCanisterId: pid(r.effectiveCanisterId),
        status: statusRecord(r.status),
        updatedAt: r.updatedAt
    };
}

export function restoreIngress(stored: Stored): IngressRecord {
    const r = rec(stored);
    return {
        id: str(field(r, 'id')),
        sender: principal(field(r, 'sender')),
        canisterId: principal(field(r, 'canisterId')),
        method: str(field(r, 'method')),
        effectiveCanisterId: principal(field(r, 'effectiveCanisterId')),
        status: restoreStatus(field(r, 'status')),
        updatedAt: big(field(r, 'updatedAt'))
    };
}

// ------------------------------------------------------------------ modules and memories

/** A module: its hash and size as given, and its (decompressed) Wasm as a blob. */
function moduleRecord(module: PreparedModule, sink: BlobSink): StoredRecord {
    return { moduleHash: module.moduleHash, givenSize: module.givenSize, wasm: sink.blob(module.wasm) };
}

const restoredModules = new Map<string, PreparedModule>();

function restoreModule(stored: Stored, source: BlobSource): PreparedModule {
    const r = rec(stored);
    const moduleHash = bytes(field(r, 'moduleHash'));
    const key = toHex(moduleHash);
    const known = restoredModules.get(key);
    if (known !== undefined) return known;
    const prepared = prepareModule(source.blob(bytes(field(r, 'wasm'))), { systemApi: IC0_SIGNATURES });
    const givenSize = num(field(r, 'givenSize'));
    const module = Buffer.compare(prepared.moduleHash, moduleHash) === 0 ? prepared : { ...prepared, moduleHash, givenSize };
    restoredModules.set(key, module);
    return module;
}

export function storeGlobal(value: number | bigint): Stored {
    return typeof value === 'bigint' ? value : storeNumber(value);
}

function loadGlobal(stored: Stored): number | bigint {
    return typeof stored === 'bigint' ? stored : loadNumber(stored);
}

/** A heap image in full: size, globals and the hash of every page (null for zero pages). */
export function heapRecord(heap: HeapImage, sink: BlobSink): StoredRecord {
    const pages: Stored[] = [];
    for (let i = 0; i < heap.pages.length; i++) {
        const page = heap.pages[i];
        pages.push(page === null || page === undefined ? null : sink.page(page));
    }
    return { size: heap.sizeWasmPages, globals: heap.globals.map(storeGlobal), pages };
}

export function restoreHeap(stored: Stored, source: BlobSource): HeapImage {
    const r = rec(stored);
    const pages = list(field(r, 'pages')).map((h) => (h === null ? null : source.page(bytes(h))));
    return new HeapImage(pages, num(field(r, 'size')), list(field(r, 'globals')).map(loadGlobal));
}

/** A stable memory in full: size in Wasm pages and `[index, hash]` of every page held. */
export function stableRecord(stable: StableMemory, sink: BlobSink): StoredRecord {
    const pages: Stored[] = [];
    for (const [index, page] of stable.pages) pages.push([index, sink.page(page)]);
    return { size: stable.sizePages, pages };
}

export function restoreStable(stored: Stored, source: BlobSource): StableMemory {
    const r = rec(stored);
    const pages = new Map<number, Page>();
    for (const entry of list(field(r, 'pages'))) {
        const [index, hash] = list(entry);
        const page = source.page(bytes(hash));
        if (page !== null) pages.set(num(index), page);
    }
    return new StableMemory(pages, big(field(r, 'size')));
}

// ------------------------------------------------------------------ canisters

function settingsRecord(s: CanisterSettings): StoredRecord {
    const v = s.logVisibility;
    return {
        controllers: s.controllers.map(pid),
        computeAllocation: s.computeAllocation,
        memoryAllocation: s.memoryAllocation,
        freezingThreshold: s.freezingThreshold,
        reservedCyclesLimit: s.reservedCyclesLimit,
        logVisibility: v.kind === 'allowed_viewers' ? { kind: v.kind, viewers: v.viewers.map(pid) } : { kind: v.kind },
        wasmMemoryLimit: s.wasmMemoryLimit,
        wasmMemoryThreshold: s.wasmMemoryThreshold,
        environmentVariables: s.environmentVariables.map((e) => ({ name: e.name, value: e.value }))
    };
}

function restoreSettings(stored: Stored): CanisterSettings {
    const r = rec(stored);
    const v = rec(field(r, 'logVisibility'));
    const kind = str(field(v, 'kind'));
    let logVisibility: LogVisibility;
    if (kind === 'allowed_viewers') logVisibility = { kind, viewers: list(field(v, 'viewers')).map(principal) };
    else if (kind === 'public' || kind === 'controllers') logVisibility = { kind };
    else throw new CorruptStateError(`Saved replica state is corrupt: unknown log visibility ${kind}`);
    return {
        controllers: list(field(r, 'controllers')).map(principal),
        computeAllocation: big(field(r, 'computeAllocation')),
        memoryAllocation: big(field(r, 'memoryAllocation')),
        freezingThreshold: big(field(r, 'freezingThreshold')),
        reservedCyclesLimit: big(field(r, 'reservedCyclesLimit')),
        logVisibility,
        wasmMemoryLimit: big(field(r, 'wasmMemoryLimit')),
        wasmMemoryThreshold: big(field(r, 'wasmMemoryThreshold')),
        environmentVariables: list(field(r, 'environmentVariables')).map((e) => ({ name: str(field(rec(e), 'name')), value: str(field(rec(e), 'value')) }))
    };
}

function originRecord(o: ChangeOrigin): StoredRecord {
    return o.kind === 'user' ? { kind: 'user', user: pid(o.user) } : { kind: 'canister', canister: pid(o.canister), version: o.version };
}

function restoreOrigin(stored: Stored): ChangeOrigin {
    const r = rec(stored);
    if (str(field(r, 'kind')) === 'user') return { kind: 'user', user: principal(field(r, 'user')) };
    return { kind: 'canister', canister: principal(field(r, 'canister')), version: optional(r.version, big) };
}

function detailsRecord(d: ChangeDetails): StoredRecord {
    switch (d.kind) {
        case 'creation':
        case 'controllers_change':
            return { kind: d.kind, controllers: d.controllers.map(pid) };
        case 'code_uninstall':
            return { kind: d.kind };
        case 'code_deployment':
            return { kind: d.kind, mode: d.mode, moduleHash: d.moduleHash };
        case 'load_snapshot':
            return { kind: d.kind, canisterVersion: d.canisterVersion, snapshotId: d.snapshotId, takenAt: d.takenAt };
    }
}

function restoreDetails(stored: Stored): ChangeDetails {
    const r = rec(stored);
    const kind = str(field(r, 'kind'));
    switch (kind) {
        case 'creation':
        case 'controllers_change':
            return { kind, controllers: list(field(r, 'controllers')).map(principal) };
        case 'code_uninstall':
            return { kind };
        case 'code_deployment': {
            const mode = str(field(r, 'mode'));
            if (mode !== 'install' && mode !== 'reinstall' && mode !== 'upgrade') throw new CorruptStateError(`Saved replica state is corrupt: unknown install mode ${mode}`);
            return { kind, mode, moduleHash: bytes(field(r, 'moduleHash')) };
        }
        case 'load_snapshot':
            return { kind, canisterVersion: big(field(r, 'canisterVersion')), snapshotId: bytes(field(r, 'snapshotId')), takenAt: big(field(r, 'takenAt')) };
        default:
            throw new CorruptStateError(`Saved replica state is corrupt: unknown change ${kind}`);
    }
}

function closureRecord(c: Closure): StoredRecord {
    return { fun: c.fun, env: c.env };
}

function restoreClosure(stored: Stored): Closure {
    const r = rec(stored);
    return { fun: num(field(r, 'fun')), env: num(field(r, 'env')) };
}

function contextRecord(c: CallContext): StoredRecord {
    return {
        id: c.id,
        origin: targetRecord(c.origin),
        caller: pid(c.caller),
        methodName: c.methodName,
        needsToRespond: c.needsToRespond,
        deleted: c.deleted,
        availableCycles: c.availableCycles,
        outstandingCallbacks: c.outstandingCallbacks,
        instructions: c.instructions,
        deadline: c.deadline
    };
}

function restoreContext(stored: Stored): CallContext {
    const r = rec(stored);
    return {
        id: num(field(r, 'id')),
        origin: restoreTarget(field(r, 'origin')),
        caller: principal(field(r, 'caller')),
        methodName: str(field(r, 'methodName')),
        needsToRespond: bool(field(r, 'needsToRespond')),
        deleted: bool(field(r, 'deleted')),
        availableCycles: big(field(r, 'availableCycles')),
        outstandingCallbacks: num(field(r, 'outstandingCallbacks')),
        instructions: big(field(r, 'instructions')),
        deadline: big(field(r, 'deadline'))
    };
}

function callbackRecord(c: Callback): StoredRecord {
    return {
        id: c.id,
        callContextId: c.callContextId,
        callee: pid(c.callee),
        method: c.method,
        onReply: closureRecord(c.onReply),
        onReject: closureRecord(c.onReject),
        onCleanup: c.onCleanup === null ? null : closureRecord(c.onCleanup),
        deadline: c.deadline,
        answeredBySystem: c.answeredBySystem
    };
}

function restoreCallback(stored: Stored): Callback {
    const r = rec(stored);
    return {
        id: num(field(r, 'id')),
        callContextId: num(field(r, 'callContextId')),
        callee: principal(field(r, 'callee')),
        method: str(field(r, 'method')),
        onReply: restoreClosure(field(r, 'onReply')),
        onReject: restoreClosure(field(r, 'onReject')),
        onCleanup: optional(r.onCleanup, restoreClosure),
        deadline: optional(r.deadline, big),
        answeredBySystem: bool(field(r, 'answeredBySystem'))
    };
}

function chunkStoreRecord(store: Map<string, Uint8Array>, sink: BlobSink): Stored {
    return [...store].map(([key, chunk]) => [key, sink.blob(chunk)]);
}

function restoreChunkStore(stored: Stored, source: BlobSource): Map<string, Uint8Array> {
    const store = new Map<string, Uint8Array>();
    for (const entry of list(stored)) {
        const [key, hash] = list(entry);
        store.set(str(key), source.blob(bytes(hash)));
    }
    return store;
}

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
