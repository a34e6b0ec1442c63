import { WASM_PAGE_BYTES } from '../constants.js';
import { GlobalValue, HeapImage } from '../memory/heap.js';
import { PAGE_BYTES, PAGE_SHIFT, pagesIn, pageStart } from '../memory/page-store.js';
import { HEAP_BIAS_BYTES, PreparedModule } from '../wasm/index.js';
import { TrapError } from './trap.js';

const BIAS_PAGES = HEAP_BIAS_BYTES / WASM_PAGE_BYTES;

/**
 * A running instance of a canister's instrumented module. The instrumented code keeps the
 * canister's memory above a dirty-page bitmap (one byte per 4 KiB page), so committing or
 * rolling back an execution touches only the pages it wrote.
 */
export class LiveInstance {
    readonly #exports: WebAssembly.Exports;
    readonly #memory: WebAssembly.Memory | null;
    readonly #table: WebAssembly.Table | null;
    readonly #budget: WebAssembly.Global;
    readonly #outOfInstructions: WebAssembly.Global;
    readonly #globals: WebAssembly.Global[];
    #view: Uint8Array = new Uint8Array(0);
    /** The memory differs from the image everywhere until the first commit (fresh instance). */
    #wholeMemoryDirty: boolean;
    /** Logical size in Wasm pages at the last commit or restore. */
    #committedWasmPages: number;

    private constructor(readonly module: PreparedModule, instance: WebAssembly.Instance, wholeMemoryDirty: boolean) {
        const exports = instance.exports;
        this.#exports = exports;
        this.#memory = (exports.__replica_memory as WebAssembly.Memory | undefined) ?? null;
        this.#table = (exports.__replica_table as WebAssembly.Table | undefined) ?? null;
        this.#budget = exports.__replica_instructions as WebAssembly.Global;
        this.#outOfInstructions = exports.__replica_out_of_instructions as WebAssembly.Global;
        this.#globals = module.info.mutableGlobals.map((g) => exports[g.exportName] as WebAssembly.Global);
        this.#wholeMemoryDirty = wholeMemoryDirty;
        this.#committedWasmPages = this.logicalWasmPages;
    }

    /** A fresh instance (data segments applied, start function not run). */
    static fresh(module: PreparedModule, imports: WebAssembly.Imports): LiveInstance {
        return new LiveInstance(module, new WebAssembly.Instance(module.compiled, imports), true);
    }

    /** An instance whose memory and globals are restored from a committed image. */
    static restore(module: PreparedModule, imports: WebAssembly.Imports, image: HeapImage): LiveInstance {
        const live = new LiveInstance(module, new WebAssembly.Instance(module.compiled, imports), false);
        live.#loadImage(image, true);
        return live;
    }

    /**
     * A fresh instance of `module` whose memory is replaced by `image` and whose globals keep
     * the module's initial values: an upgrade with `wasm_memory_persistence = keep`.
     */
    static withMemoryOf(module: PreparedModule, imports: WebAssembly.Imports, image: HeapImage): LiveInstance {
        const live = new LiveInstance(module, new WebAssembly.Instance(module.compiled, imports), true);
        live.#loadImage(image, false);
        return live;
    }

    get hasMemory(): boolean {
        return this.#memory !== null;
    }

    /** The canister's memory size in Wasm pages (what `memory.size` returns to it). */
    get logicalWasmPages(): number {
        if (this.#memory === null) return 0;
        return this.#memory.buffer.byteLength / WASM_PAGE_BYTES - BIAS_PAGES;
    }

    get logicalBytes(): number {
        return this.logicalWasmPages * WASM_PAGE_BYTES;
    }

    #bytes(): Uint8Array {
        const buffer = this.#memory!.buffer;
        if (this.#view.buffer !== buffer) this.#view = new Uint8Array(buffer);
        return this.#view;
    }

    #check(ptr: number, len: number): void {
        if (ptr < 0 || len < 0 || ptr + len > this.logicalBytes) {
            throw TrapError.heapOutOfBounds(ptr, len, this.logicalBytes);
        }
    }

    /** A copy of canister memory [ptr, ptr + len); traps if out of bounds. */
    read(ptr: number, len: number): Uint8Array {
        // i32 arguments arrive signed from Wasm; the System API's numbers are unsigned.
        ptr >>>= 0;
        len >>>= 0;
        if (len === 0) return new Uint8Array(0);
        this.#check(ptr, len);
        return this.#bytes().slice(HEAP_BIAS_BYTES + ptr, HEAP_BIAS_BYTES + ptr + len);
    }

    /** Writes into canister memory at `ptr`, marking the pages dirty; traps if out of bounds. */
    write(ptr: number, data: Uint8Array): void {
        ptr >>>= 0;
        if (data.length === 0) return;
        this.#check(ptr, data.length);
        const bytes = this.#bytes();
        bytes.set(data, HEAP_BIAS_BYTES + ptr);
        const last = (ptr + data.length - 1) >>> PAGE_SHIFT;
        for (let page = ptr >>> PAGE_SHIFT; page <= last; page++) bytes[page] = 1;
    }

    /** Remaining instruction budget (the instrumented counter). */
    get budget(): bigint {
        return this.#budget.value as bigint;
    }

    set budget(value: bigint) {
        this.#budget.value = value;
        this.#outOfInstructions.value = 0;
    }

    /** Charges `n` instructions for host work; traps when the budget runs out. */
    charge(n: bigint, limit: bigint): void {
        const left = (this.#budget.value as bigint) - n;
        this.#budget.value = left;
        if (left < 0n) {
            this.#outOfInstructions.value = 1;
            throw TrapError.instructionLimit(limit);
        }
    }

    /** Whether the last trap came from the instrumented budget check. */
    get ranOutOfInstructions(): boolean {
        return this.#outOfInstructions.value === 1;
    }

    /** An exported function of the canister module, for callers that pass arguments (tests, tools). */
    exportedFunction(name: string): ((...args: never[]) => unknown) | undefined {
        const fn = this.#exports[name];
        return typeof fn === 'function' ? (fn as (...args: never[]) => unknown) : undefined;
    }

    hasExport(name: string): boolean {
        return typeof this.#exports[name] === 'function';
    }

    /** Runs an exported entry point of type () -> (). */
    invoke(name: string): void {
        const fn = this.#exports[name];
        if (typeof fn !== 'function') throw new Error(`LiveInstance: no export ${name}`);
        (fn as () => void)();
    }

    /** Runs `table[fun](env)` as the IC does for callbacks: checks bounds and the (i32) -> () type. */
    callTable(fun: number, env: number): void {
        // A missing entry is IC0513 on the IC, not a plain Wasm trap: check before dispatching.
        const table = this.#table;
        if (table === null || fun >= table.length || table.get(fun) === null) throw TrapError.missingFunction(fun);
        const dispatch = this.#exports.__replica_call_indirect;
        if (typeof dispatch === 'function') {
            (dispatch as (f: number, e: number) => void)(fun, env);
            return;
        }
        (table.get(fun) as (env: number) => void)(env);
    }

    /** Records the executed changes into `image` and clears the dirty marks. */
    commit(image: HeapImage): void {
        const pages = this.logicalWasmPages;
        image.sizeWasmPages = pages;
        image.globals = this.#globals.map((g) => g.value as GlobalValue);
        if (this.#memory === null) return;
        const bytes = this.#bytes();
        const pageCount = pagesIn(pages * WASM_PAGE_BYTES);
        const previousCount = image.pages.length;
        image.pages.length = pageCount;
        for (let i = previousCount; i < pageCount; i++) image.pages[i] = null;
        if (this.#wholeMemoryDirty) {
            image.owned.clear();
            for (let i = 0; i < pageCount; i++) image.pages[i] = copyPage(bytes, i);
            bytes.fill(0, 0, pageCount);
            this.#wholeMemoryDirty = false;
        } else {
            forEachDirtyPage(
                bytes,
                pageCount,
                (i) => storePage(image, bytes, i),
                (i) => {
                    if (spillDiffers(image, bytes, i)) storePage(image, bytes, i);
                }
            );
        }
        this.#committedWasmPages = pages;
    }

    /**
     * Undoes the changes since the last commit. Returns false when that is impossible in
     * place (the memory grew, and Wasm memories cannot shrink): the instance must then be
     * dropped and restored from the image.
     */
    rollback(image: HeapImage): boolean {
        this.#globals.forEach((g, i) => {
            g.value = image.globals[i]!;
        });
        if (this.#memory === null) return true;
        if (this.#wholeMemoryDirty || this.logicalWasmPages !== this.#committedWasmPages) return false;
        const bytes = this.#bytes();
        const pageCount = pagesIn(this.#committedWasmPages * WASM_PAGE_BYTES);
        const restore = (i: number, length: number) => {
            const at = HEAP_BIAS_BYTES + pageStart(i);
            const page = image.pages[i];
            if (page === null || page === undefined) bytes.fill(0, at, at + length);
            else bytes.set(page.subarray(0, length), at);
        };
        forEachDirtyPage(
            bytes,
            pageCount,
            (i) => restore(i, PAGE_BYTES),
            (i) => restore(i, SPILL_BYTES)
        );
        return true;
    }

    #loadImage(image: HeapImage, withGlobals: boolean): void {
        if (withGlobals) {
            this.#globals.forEach((g, i) => {
                g.value = image.globals[i]!;
            });
        }
        if (this.#memory === null) return;
        const grow = image.sizeWasmPages - this.logicalWasmPages;
        const freshEnd = this.logicalBytes;
        if (grow > 0) this.#memory.grow(grow);
        const bytes = this.#bytes();
        image.pages.forEach((page, i) => {
            const at = HEAP_BIAS_BYTES + pageStart(i);
            if (page !== null && page !== undefined) bytes.set(page, at);
            else if (pageStart(i) < freshEnd) bytes.fill(0, at, at + PAGE_BYTES);
        });
        // As on the IC, memory never shrinks below the module's minimum: an image smaller than
        // that (an uploaded snapshot's may be) leaves the rest zero, and the next commit takes the size.
        if (grow < 0) bytes.fill(0, HEAP_BIAS_BYTES + image.sizeBytes, HEAP_BIAS_BYTES + freshEnd);
        this.#committedWasmPages = image.sizeWasmPages;
    }
}

/** A store starting at the end of a page writes at most 15 bytes into the next one. */
const SPILL_BYTES = 16;
const ZERO_PAGE = new Uint8Array(PAGE_BYTES);

function copyPage(bytes: Uint8Array, index: number): Uint8Array | null {
    const at = HEAP_BIAS_BYTES + pageStart(index);
    const page = bytes.subarray(at, at + PAGE_BYTES);
    return Buffer.compare(page, ZERO_PAGE) === 0 ? null : page.slice();
}

/** Commits page `index`: in place when the image owns it, else into a fresh buffer it then owns. */
function storePage(image: HeapImage, bytes: Uint8Array, index: number): void {
    const at = HEAP_BIAS_BYTES + pageStart(index);
    const current = image.pages[index];
    if (current !== null && current !== undefined && image.owned.has(index)) {
        current.set(bytes.subarray(at, at + PAGE_BYTES));
        return;
    }
    image.pages[index] = bytes.slice(at, at + PAGE_BYTES);
    image.owned.add(index);
}

/** Whether the first bytes of page `index` (where a neighbour's store may spill) changed. */
function spillDiffers(image: HeapImage, bytes: Uint8Array, index: number): boolean {
    const at = HEAP_BIAS_BYTES + pageStart(index);
    const live = bytes.subarray(at, at + SPILL_BYTES);
    const page = image.pages[index];
    return Buffer.compare(live, page === null || page === undefined ? ZERO_PAGE.subarray(0, SPILL_BYTES) : page.subarray(0, SPILL_BYTES)) !== 0;
}

/**
 * Calls `visit` for every page marked in the bitmap and `visitSpill` for an unmarked page
 * right after a marked one (a store near the end of a page spills into the next), then
 * clears the marks.
 */
function forEachDirtyPage(bytes: Uint8Array, pageCount: number, visit: (index: number) => void, visitSpill: (index: number) => void): void {
    const words = new Uint32Array(bytes.buffer, 0, Math.ceil(pageCount / 4));
    let previousMarked = false;
    let previousIndex = -2;
    for (let w = 0; w < words.length; w++) {
        if (words[w] === 0) continue;
        for (let i = w * 4; i < w * 4 + 4; i++) {
            const marked = bytes[i] !== 0;
            if (previousMarked && previousIndex === i - 1 && !marked && i < pageCount) visitSpill(i);
            if (marked) {
                bytes[i] = 0;
                if (i < pageCount) visit(i);
            }
            previousMarked = marked;
            previousIndex = i;
        }
        // A marked page at the end of this word spills into the first page of the next.
        const last = w * 4 + 3;
        if (previousMarked && previousIndex === last && (w + 1 >= words.length || words[w + 1] === 0) && last + 1 < pageCount) {
            visitSpill(last + 1);
            previousMarked = false;
        }
    }
}
