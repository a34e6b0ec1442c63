import { WASM_PAGE_BYTES } from '../constants.js';
import { forEachPageRun, PAGE_BYTES, Page, PageStore, pageStart } from './page-store.js';

/** A value of a mutable Wasm global, as JS sees it. */
export type GlobalValue = number | bigint;

/**
 * The committed Wasm heap of a canister: 4 KiB pages (null when all zero), the logical size
 * in 64 KiB Wasm pages, and the values of the module's mutable globals. A page shared with
 * a clone, a snapshot or the page store is never mutated; a page this image allocated and
 * never shared is "owned" and may be overwritten in place by the next commit.
 */
export class HeapImage {
    /** Indices of pages only this image refers to. */
    readonly owned = new Set<number>();

    constructor(
        readonly pages: Array<Page | null>,
        public sizeWasmPages: number,
        public globals: GlobalValue[]
    ) {}

    static empty(): HeapImage {
        return new HeapImage([], 0, []);
    }

    /** A copy sharing every page: from now on neither side owns any. */
    clone(): HeapImage {
        this.owned.clear();
        return new HeapImage(this.pages.slice(), this.sizeWasmPages, this.globals.slice());
    }

    get sizeBytes(): number {
        return this.sizeWasmPages * WASM_PAGE_BYTES;
    }

    /** Pages actually held (non-zero). */
    get residentPages(): number {
        let n = 0;
        for (const page of this.pages) if (page !== null && page !== undefined) n++;
        return n;
    }

    /** Replaces every page by its shared copy in `store`. */
    compact(store: PageStore): void {
        this.owned.clear();
        const pages = this.pages;
        for (let i = 0; i < pages.length; i++) {
            const page = pages[i];
            if (page !== null && page !== undefined) pages[i] = store.intern(page);
        }
    }

    /** The heap as one buffer of `sizeBytes` (for snapshot downloads). */
    toBytes(): Uint8Array {
        const out = new Uint8Array(this.sizeBytes);
        this.pages.forEach((page, i) => {
            if (page !== null && page !== undefined) out.set(page, pageStart(i));
        });
        return out;
    }

    /** Copies bytes [offset, offset + target.length) into `target` (the caller checks the bounds). */
    read(offset: number, target: Uint8Array): void {
        forEachPageRun(offset, target.length, (index, within, done, n) => {
            const page = this.pages[index];
            if (page === null || page === undefined) target.fill(0, done, done + n);
            else target.set(page.subarray(within, within + n), done);
        });
    }

    /**
     * Writes `source` at `offset` (within sizeBytes; the caller checks), putting a fresh copy
     * of every touched page in place so pages shared with others are never changed.
     */
    write(offset: number, source: Uint8Array): void {
        forEachPageRun(offset, source.length, (index, within, done, n) => {
            while (this.pages.length <= index) this.pages.push(null);
            const fresh = new Uint8Array(PAGE_BYTES);
            const old = this.pages[index];
            if (old !== null && old !== undefined) fresh.set(old);
            fresh.set(source.subarray(done, done + n), within);
            this.pages[index] = fresh;
            this.owned.add(index);
        });
    }

    static fromBytes(bytes: Uint8Array, globals: GlobalValue[], store: PageStore): HeapImage {
        const pages: Array<Page | null> = [];
        for (let start = 0; start < bytes.length; start += PAGE_BYTES) {
            const chunk = new Uint8Array(PAGE_BYTES);
            chunk.set(bytes.subarray(start, start + PAGE_BYTES));
            pages.push(store.intern(chunk));
        }
        return new HeapImage(pages, Math.ceil(bytes.length / WASM_PAGE_BYTES), globals);
    }
}
