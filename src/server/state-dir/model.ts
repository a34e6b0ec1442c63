/**
 * Loading: the frames of a checkpoint and its log applied, in order, to a `Model` (plain
 * records and content by hash), which then fills a fresh subnet through the replica's
 * restore functions.
 */
import { BlobSource, CorruptStateError, restoreCanister, restoreHeap, restoreIngress, restoreSnapshot, restoreStable, restoreSubnet, Stored, StoredRecord, Subnet } from '../../replica/index.js';
import type { Snapshot } from '../../replica/index.js';
import { CborValue } from '../../encoding/cbor.js';
import { toHex } from '../../encoding/hex.js';

/** Decoded CBOR maps as plain records (what the restore functions read). */
function toStored(value: CborValue): Stored {
    if (value instanceof Map) {
        const out: StoredRecord = Object.create(null) as StoredRecord;
        for (const [k, v] of value) out[k] = toStored(v);
        return out;
    }
    if (Array.isArray(value)) return value.map(toStored);
    if (value === undefined) return null;
    if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) throw new CorruptStateError('Saved replica state is corrupt: unexpected CBOR tag');
    return value;
}

interface HeapModel {
    size: Stored;
    globals: Stored;
    pages: Array<Uint8Array | null>;
}

interface StableModel {
    size: Stored;
    pages: Map<number, Uint8Array>;
}

interface CanisterModel {
    meta: Stored;
    heap: HeapModel | null;
    stable: StableModel | null;
    snapshots: Map<string, Stored>;
}

/** State as read from a checkpoint and its log, before it becomes a subnet. */
export class Model {
    blobs = new Map<string, Uint8Array>();
    subnet: Stored | null = null;
    canisters = new Map<string, CanisterModel>();
    ingress = new Map<string, Stored>();

    apply(value: CborValue): void {
        const frame = toStored(value);
        if (typeof frame !== 'object' || frame === null || frame instanceof Uint8Array || Array.isArray(frame)) throw new CorruptStateError('Saved replica state is corrupt: a frame is not a record');
        for (const entry of asList(frame.blobs)) {
            const [hash, content] = asList(entry);
            if (!(hash instanceof Uint8Array) || !(content instanceof Uint8Array)) throw new CorruptStateError('Saved replica state is corrupt: bad blob entry');
            this.blobs.set(toHex(hash), content);
        }
        if (frame.full === true) {
            this.canisters.clear();
            this.ingress.clear();
        }
        if (frame.subnet !== undefined && frame.subnet !== null) this.subnet = frame.subnet;
        for (const id of asList(frame.removed)) this.canisters.delete(toHex(id as Uint8Array));
        for (const stored of asList(frame.canisters)) this.#applyCanister(stored as StoredRecord);
        for (const stored of asList(frame.ingress)) {
            const id = (stored as StoredRecord).id;
            if (typeof id === 'string') this.ingress.set(id, stored);
        }
        for (const id of asList(frame.ingressRemoved)) if (typeof id === 'string') this.ingress.delete(id);
    }

    #applyCanister(r: StoredRecord): void {
        const key = toHex(r.id as Uint8Array);
        let model = this.canisters.get(key);
        if (model === undefined) {
            model = { meta: null, heap: null, stable: null, snapshots: new Map() };
            this.canisters.set(key, model);
        }
        if (r.meta !== undefined) model.meta = r.meta;
        if (r.heap === null) model.heap = null;
        else if (r.heap !== undefined) {
            const h = r.heap as StoredRecord;
            if (h.pages !== undefined) {
                model.heap = { size: h.size!, globals: h.globals!, pages: asList(h.pages).map((p) => (p instanceof Uint8Array ? p : null)) };
            } else {
                const heap = model.heap ?? { size: 0, globals: [], pages: [] };
                heap.size = h.size!;
                heap.globals = h.globals!;
                const length = Number(h.length);
                heap.pages.length = length;
                for (let i = 0; i < length; i++) if (heap.pages[i] === undefined) heap.pages[i] = null;
                for (const change of asList(h.set)) {
                    const [index, hash] = asList(change);
                    heap.pages[Number(index)] = hash instanceof Uint8Array ? hash : null;
                }
                model.heap = heap;
            }
        }
        if (r.stable === null) model.stable = null;
        else if (r.stable !== undefined) {
            const s = r.stable as StoredRecord;
            const stable = s.pages !== undefined || model.stable === null ? { size: s.size!, pages: new Map<number, Uint8Array>() } : model.stable;
            stable.size = s.size!;
            for (const entry of asList(s.pages ?? s.set)) {
                const [index, hash] = asList(entry);
                if (hash instanceof Uint8Array) stable.pages.set(Number(index), hash);
                else stable.pages.delete(Number(index));
            }
            model.stable = stable;
        }
        for (const stored of asList(r.snapshotsAdded)) model.snapshots.set(toHex((stored as StoredRecord).id as Uint8Array), stored);
        for (const id of asList(r.snapshotsRemoved)) model.snapshots.delete(String(id));
    }

    /** Fills a fresh subnet with this state. */
    restoreInto(subnet: Subnet): void {
        const source: BlobSource = {
            blob: (hash) => {
                const content = this.blobs.get(toHex(hash));
                if (content === undefined) throw new CorruptStateError(`Saved replica state is corrupt: missing content ${toHex(hash)}`);
                return content;
            },
            page: (hash) => subnet.pageStore.intern(source.blob(hash))
        };
        if (this.subnet !== null) restoreSubnet(subnet, this.subnet);
        for (const stored of this.ingress.values()) {
            const record = restoreIngress(stored);
            subnet.restoreIngress(record);
        }
        for (const model of this.canisters.values()) {
            const memories =
                model.heap === null
                    ? null
                    : {
                          heap: restoreHeap({ size: model.heap.size, globals: model.heap.globals, pages: model.heap.pages }, source),
                          stable: restoreStable({ size: model.stable?.size ?? 0n, pages: [...(model.stable?.pages ?? new Map<number, Uint8Array>())].map(([i, h]) => [i, h]) }, source)
                      };
            const snapshots = new Map<string, Snapshot>();
            for (const [key, stored] of model.snapshots) snapshots.set(key, restoreSnapshot(stored, source));
            restoreCanister(subnet, model.meta, source, memories, snapshots);
        }
    }
}

function asList(value: Stored | undefined): Stored[] {
    return Array.isArray(value) ? value : [];
}
