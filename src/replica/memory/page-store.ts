import { hash } from 'node:crypto';

/** Size of the pages memories are tracked, stored and shared in: 4 KiB, as the IC's OS pages. */
export const PAGE_BYTES = 4096;
export const PAGE_SHIFT = 12;

/**
 * The byte offset where page `index` starts. A multiplication, not `index << PAGE_SHIFT`: the
 * shift works on 32-bit signed integers and turns negative from 2 GiB (page 2^19), where Wasm
 * heaps go up to 4 GiB and stable memory to hundreds of GiB.
 */
export function pageStart(index: number): number {
    return index * PAGE_BYTES;
}

/** How many pages `bytes` bytes fill (whole pages; memories grow in 64 KiB Wasm pages). */
export function pagesIn(bytes: number): number {
    return Math.floor(bytes / PAGE_BYTES);
}

/**
 * Splits bytes [offset, offset + length) into their runs within single pages, in order: for each,
 * the page's index, where the run starts in that page, where it starts in the range, and its length.
 */
export function forEachPageRun(offset: number, length: number, visit: (index: number, within: number, done: number, n: number) => void): void {
    let done = 0;
    while (done < length) {
        const at = offset + done;
        const index = Math.floor(at / PAGE_BYTES);
        const within = at - index * PAGE_BYTES;
        const n = Math.min(PAGE_BYTES - within, length - done);
        visit(index, within, done, n);
        done += n;
    }
}

/** A page of memory: immutable once stored, shared between canisters and snapshots. */
export type Page = Uint8Array;

/**
 * Content-addressed store of immutable pages. Identical pages (the same module's heap in
 * a thousand canisters, a snapshot of an unchanged page) are kept once; a page no canister
 * or snapshot refers to any more is collected by the garbage collector.
 */
export class PageStore {
    readonly #pages = new Map<string, WeakRef<Page>>();
    readonly #registry = new FinalizationRegistry<string>((key) => {
        const ref = this.#pages.get(key);
        if (ref !== undefined && ref.deref() === undefined) this.#pages.delete(key);
    });

    /** The shared copy of `bytes` (a PAGE_BYTES view), or null for an all-zero page. */
    intern(bytes: Uint8Array): Page | null {
        const key = hash('sha1', bytes, 'base64');
        if (key === ZERO_PAGE_KEY) return null;
        const existing = this.#pages.get(key)?.deref();
        if (existing !== undefined && Buffer.compare(existing, bytes) === 0) return existing;
        const page = bytes.slice();
        this.#pages.set(key, new WeakRef(page));
        this.#registry.register(page, key);
        return page;
    }

    /** Number of distinct live pages (for benchmarks). */
    get size(): number {
        return this.#pages.size;
    }
}

const ZERO_PAGE_KEY = hash('sha1', new Uint8Array(PAGE_BYTES), 'base64');

/** The one store of this process: sharing across replicas is what saves memory. */
export const sharedPageStore = new PageStore();
