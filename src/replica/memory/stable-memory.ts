import { MAX_STABLE_PAGES, WASM_PAGE_BYTES } from '../constants.js';
import { forEachPageRun, PAGE_BYTES, Page, PageStore, pageStart } from './page-store.js';

/**
 * A canister's stable memory: sparse 4 KiB pages, untouched pages cost nothing.
 * Every write happens inside a transaction that copies a page before its first change, so
 * committed pages are never mutated in place: snapshots and clones share them freely, and
 * a rollback puts the originals back.
 */
export class StableMemory {
    #pages: Map<number, Page>;
    #sizePages: bigint;
    /** Original content of pages written in the open transaction (undefined = was absent). */
    #journal: Map<number, Page | undefined> | null = null;
    #journalSize = 0n;

    constructor(pages: Map<number, Page> = new Map(), sizePages = 0n) {
        this.#pages = pages;
        this.#sizePages = sizePages;
    }

    /** Size in 64 KiB pages. */
    get sizePages(): bigint {
        return this.#sizePages;
    }

    get sizeBytes(): bigint {
        return this.#sizePages * BigInt(WASM_PAGE_BYTES);
    }

    /** The pages held, by 4 KiB page index (read-only view for persistence; pages are never mutated once committed). */
    get pages(): ReadonlyMap<number, Page> {
        return this.#pages;
    }

    /** Number of 4 KiB pages actually held. */
    get residentPages(): number {
        return this.#pages.size;
    }

    /** Pages first written in the open transaction (each costs the canister extra instructions). */
    get journalPages(): number {
        return this.#journal?.size ?? 0;
    }

    begin(): void {
        if (this.#journal !== null) throw new Error('StableMemory: a transaction is already open');
        this.#journal = new Map();
        this.#journalSize = this.#sizePages;
    }

    commit(): void {
        this.#journal = null;
    }

    rollback(): void {
        const journal = this.#journal;
        if (journal === null) return;
        for (const [index, original] of journal) {
            if (original === undefined) this.#pages.delete(index);
            else this.#pages.set(index, original);
        }
        this.#sizePages = this.#journalSize;
        this.#journal = null;
    }

    /** Grows by `pages`; returns the old size, or -1 if that would pass `limitPages`. */
    grow(pages: bigint, limitPages: bigint = MAX_STABLE_PAGES): bigint {
        const old = this.#sizePages;
        if (pages < 0n || old + pages > limitPages) return -1n;
        this.#sizePages = old + pages;
        return old;
    }

    /** Whether [offset, offset + size) lies within the memory. */
    inBounds(offset: bigint, size: bigint): boolean {
        return offset >= 0n && size >= 0n && offset + size <= this.sizeBytes;
    }

    read(offset: number, target: Uint8Array): void {
        forEachPageRun(offset, target.length, (index, within, done, n) => {
            const page = this.#pages.get(index);
            if (page === undefined) target.fill(0, done, done + n);
            else target.set(page.subarray(within, within + n), done);
        });
    }

    write(offset: number, source: Uint8Array): void {
        forEachPageRun(offset, source.length, (index, within, done, n) => this.#writablePage(index).set(source.subarray(done, done + n), within));
    }

    /** A page this transaction may mutate: committed pages are copied first. */
    #writablePage(index: number): Page {
        const journal = this.#journal;
        if (journal === null) throw new Error('StableMemory: writes need an open transaction');
        const current = this.#pages.get(index);
        if (journal.has(index) && current !== undefined) return current;
        journal.set(index, current);
        const fresh = current === undefined ? new Uint8Array(PAGE_BYTES) : current.slice();
        this.#pages.set(index, fresh);
        return fresh;
    }

    /** An immutable copy sharing pages with this memory (for snapshots and upgrades). */
    clone(): StableMemory {
        if (this.#journal !== null) throw new Error('StableMemory: cannot clone inside a transaction');
        return new StableMemory(new Map(this.#pages), this.#sizePages);
    }

    /** Replaces pages by their shared copies in `store` (dropping all-zero ones). */
    compact(store: PageStore): void {
        for (const [index, page] of this.#pages) {
            const shared = store.intern(page);
            if (shared === null) this.#pages.delete(index);
            else this.#pages.set(index, shared);
        }
    }

    /** Whole contents as one buffer (for getStableMemory). */
    toBytes(): Uint8Array {
        const out = new Uint8Array(Number(this.sizeBytes));
        for (const [index, page] of this.#pages) {
            const start = pageStart(index);
            if (start < out.length) out.set(page.subarray(0, Math.min(PAGE_BYTES, out.length - start)), start);
        }
        return out;
    }

    static fromBytes(bytes: Uint8Array, store: PageStore): StableMemory {
        const sizePages = BigInt(Math.ceil(bytes.length / WASM_PAGE_BYTES));
        const memory = new StableMemory(new Map(), sizePages);
        for (let start = 0; start < bytes.length; start += PAGE_BYTES) {
            const chunk = new Uint8Array(PAGE_BYTES);
            chunk.set(bytes.subarray(start, start + PAGE_BYTES));
            const shared = store.intern(chunk);
            if (shared !== null) memory.#pages.set(Math.floor(start / PAGE_BYTES), shared);
        }
        return memory;
    }
}
