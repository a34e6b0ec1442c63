/**
 * Saving and restoring large contents: modules, heaps, stable memories and chunk stores.
 * They are not stored inline: a `BlobSink` turns them into content hashes and a
 * `BlobSource` gives them back, so identical pages and modules are stored once.
 * Relies on `StableMemory.pages`.
 */
import { toHex } from '../../encoding/hex.js';
import { IC0_SIGNATURES } from '../engine/ic0/index.js';
import { HeapImage } from '../memory/heap.js';
import { Page } from '../memory/page-store.js';
import { StableMemory } from '../memory/stable-memory.js';
import { PreparedModule, prepareModule } from '../wasm/index.js';
import { Stored, StoredRecord, big, bytes, field, list, loadNumber, num, rec, storeNumber, str } from './values.js';

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

/** A module: its hash and size as given, its (decompressed) Wasm, and the bytes as given when they differ (gzip), as blobs. */
export function moduleRecord(module: PreparedModule, sink: BlobSink): StoredRecord {
    const record: StoredRecord = { moduleHash: module.moduleHash, givenSize: module.givenSize, wasm: sink.blob(module.wasm) };
    if (module.given !== module.wasm) record.given = sink.blob(module.given);
    return record;
}

const restoredModules = new Map<string, PreparedModule>();

export function restoreModule(stored: Stored, source: BlobSource): PreparedModule {
    const r = rec(stored);
    const moduleHash = bytes(field(r, 'moduleHash'));
    const key = toHex(moduleHash);
    const known = restoredModules.get(key);
    if (known !== undefined) return known;
    // States saved before the given bytes were kept have only the decompressed Wasm.
    const given = r.given === undefined || r.given === null ? null : source.blob(bytes(r.given));
    const prepared = prepareModule(given ?? source.blob(bytes(field(r, 'wasm'))), { systemApi: IC0_SIGNATURES });
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

export function chunkStoreRecord(store: Map<string, Uint8Array>, sink: BlobSink): Stored {
    return [...store].map(([key, chunk]) => [key, sink.blob(chunk)]);
}

export function restoreChunkStore(stored: Stored, source: BlobSource): Map<string, Uint8Array> {
    const store = new Map<string, Uint8Array>();
    for (const entry of list(stored)) {
        const [key, hash] = list(entry);
        store.set(str(key), source.blob(bytes(hash)));
    }
    return store;
}
