/**
 * Deltas: what a round changed since the last write, as one log record. Mirrors of each
 * canister's last written record and pages tell what changed; contents (pages, modules,
 * chunks) are content-addressed and written once per generation (`Sink`).
 */
import { Principal } from '@dfinity/principal';
import { BlobSink, canisterRecord, ingressRecord, snapshotRecord, Stored, StoredRecord, storeGlobal, Subnet, subnetRecord } from '../../replica/index.js';
import type { Canister, IngressStatus, Page } from '../../replica/index.js';
import { CborInput, encodeCbor } from '../../encoding/cbor.js';
import { toHex } from '../../encoding/hex.js';
import { sha256 } from '../../encoding/request-id.js';

interface Mirror {
    meta: Uint8Array;
    heap: { pages: Array<Page | null>; size: number; globals: Array<number | bigint> } | null;
    stable: { pages: Map<number, Page>; size: bigint } | null;
    /** Saved snapshots, with the revision saved (uploads change a snapshot after it is first saved). */
    snapshots: Map<string, number>;
}

/** Turns contents into hashes, remembering which are already stored in the current generation. */
class Sink implements BlobSink {
    readonly pending: Array<[Uint8Array, Uint8Array]> = [];
    pendingBytes = 0;
    constructor(
        readonly known: Set<string>,
        readonly hashes: WeakMap<Uint8Array, Uint8Array>
    ) {}

    blob(content: Uint8Array): Uint8Array {
        let hash = this.hashes.get(content);
        if (hash === undefined) {
            hash = sha256(content);
            this.hashes.set(content, hash);
        }
        const hex = toHex(hash);
        if (!this.known.has(hex)) {
            this.known.add(hex);
            this.pending.push([hash, content]);
            this.pendingBytes += content.length;
        }
        return hash;
    }

    page(page: Page): Uint8Array {
        return this.blob(page);
    }

    /** Takes the pending contents (for writing them in frames of bounded size). */
    drain(): Array<[Uint8Array, Uint8Array]> {
        const out = this.pending.splice(0);
        this.pendingBytes = 0;
        return out;
    }
}

/** Computes each write's record against what earlier writes of the current generation hold. */
export class DeltaTracker {
    #known = new Set<string>();
    readonly #hashes = new WeakMap<Uint8Array, Uint8Array>();
    readonly #mirrors = new Map<string, Mirror>();
    #ingress = new Map<string, IngressStatus>();
    #subnetBytes: Uint8Array = new Uint8Array(0);

    /** Forgets what was written, so that the next delta is the whole state (a new generation's checkpoint). */
    reset(): void {
        this.#known = new Set();
        this.#mirrors.clear();
        this.#ingress = new Map();
        this.#subnetBytes = new Uint8Array(0);
    }

    /** What changed since the last write, as one log record (null if nothing did). */
    delta(subnet: Subnet): CborInput | null {
        const sink = new Sink(this.#known, this.#hashes);
        const canisters: StoredRecord[] = [];
        const removed: Uint8Array[] = [];
        for (const canister of subnet.canisters.values()) {
            const change = this.#canisterDelta(canister, sink);
            if (change !== null) canisters.push(change);
        }
        for (const key of [...this.#mirrors.keys()]) {
            if (subnet.canisters.has(key)) continue;
            this.#mirrors.delete(key);
            removed.push(canisterIdBytes(key));
        }
        const ingress: StoredRecord[] = [];
        const ingressRemoved: string[] = [];
        for (const [id, record] of subnet.ingress) {
            if (this.#ingress.get(id) === record.status) continue;
            this.#ingress.set(id, record.status);
            ingress.push(ingressRecord(record));
        }
        if (this.#ingress.size > subnet.ingress.size) {
            for (const id of [...this.#ingress.keys()]) {
                if (subnet.ingress.has(id)) continue;
                this.#ingress.delete(id);
                ingressRemoved.push(id);
            }
        }
        const subnetStored = subnetRecord(subnet);
        const subnetBytes = encodeCbor(subnetStored as CborInput, { selfDescribe: false });
        const subnetChanged = Buffer.compare(subnetBytes, this.#subnetBytes) !== 0;
        this.#subnetBytes = subnetBytes;
        if (!subnetChanged && canisters.length === 0 && removed.length === 0 && ingress.length === 0 && ingressRemoved.length === 0 && sink.pending.length === 0) return null;
        return {
            blobs: sink.drain(),
            subnet: subnetChanged ? (subnetStored as CborInput) : undefined,
            canisters: canisters as CborInput,
            removed,
            ingress: ingress as CborInput,
            ingressRemoved
        };
    }

    #canisterDelta(canister: Canister, sink: BlobSink): StoredRecord | null {
        const key = canister.idText;
        let mirror = this.#mirrors.get(key);
        const out: StoredRecord = { id: canister.id.toUint8Array() };
        let changed = false;
        const meta = canisterRecord(canister, sink);
        const metaBytes = encodeCbor(meta as CborInput, { selfDescribe: false });
        if (mirror === undefined) {
            mirror = { meta: new Uint8Array(0), heap: null, stable: null, snapshots: new Map() };
            this.#mirrors.set(key, mirror);
        }
        if (Buffer.compare(metaBytes, mirror.meta) !== 0) {
            mirror.meta = metaBytes;
            out.meta = meta;
            changed = true;
        }
        const code = canister.code;
        // Heap: the pages whose objects changed (pages the mirror shares are never mutated in place).
        if (code === null) {
            if (mirror.heap !== null || mirror.stable !== null) {
                mirror.heap = null;
                mirror.stable = null;
                out.heap = null;
                out.stable = null;
                changed = true;
            }
        } else {
            const heap = code.heap;
            const previous = mirror.heap;
            const set: Stored[] = [];
            const length = heap.pages.length;
            for (let i = 0; i < length; i++) {
                const page = heap.pages[i] ?? null;
                if (previous !== null && previous.pages[i] === page && i < previous.pages.length) continue;
                set.push([i, page === null ? null : sink.page(page)]);
            }
            const globalsSame = previous !== null && previous.globals.length === heap.globals.length && previous.globals.every((g, i) => Object.is(g, heap.globals[i]));
            if (previous === null || set.length > 0 || length !== previous.pages.length || heap.sizeWasmPages !== previous.size || !globalsSame) {
                out.heap = { size: heap.sizeWasmPages, globals: heap.globals.map(storeGlobal), length, set };
                mirror.heap = { pages: heap.pages.slice(), size: heap.sizeWasmPages, globals: heap.globals.slice() };
                changed = true;
            }
            // The mirror now shares the heap's pages: the next commit must copy them rather
            // than overwrite them in place (HeapImage's "owned" pages), or a later change to
            // such a page would look unchanged here and never reach the log.
            heap.owned.clear();
            const stable = code.stable;
            const before = mirror.stable;
            const stableSet: Stored[] = [];
            for (const [index, page] of stable.pages) {
                if (before !== null && before.pages.get(index) === page) continue;
                stableSet.push([index, sink.page(page)]);
            }
            if (before !== null) for (const index of before.pages.keys()) if (!stable.pages.has(index)) stableSet.push([index, null]);
            if (before === null || stableSet.length > 0 || before.size !== stable.sizePages) {
                out.stable = { size: stable.sizePages, set: stableSet };
                mirror.stable = { pages: new Map(stable.pages), size: stable.sizePages };
                changed = true;
            }
        }
        const added: Stored[] = [];
        const removedSnapshots: string[] = [];
        for (const [id, snapshot] of canister.snapshots) {
            if (mirror.snapshots.get(id) === snapshot.revision) continue;
            mirror.snapshots.set(id, snapshot.revision);
            added.push(snapshotRecord(snapshot, sink));
        }
        for (const id of [...mirror.snapshots.keys()]) {
            if (canister.snapshots.has(id)) continue;
            mirror.snapshots.delete(id);
            removedSnapshots.push(id);
        }
        if (added.length > 0 || removedSnapshots.length > 0) {
            out.snapshotsAdded = added;
            out.snapshotsRemoved = removedSnapshots;
            changed = true;
        }
        return changed ? out : null;
    }
}

function canisterIdBytes(text: string): Uint8Array {
    return Principal.fromText(text).toUint8Array();
}
