/**
 * ic0: stable memory (spec §1.4 "Stable memory"), the 64-bit functions and the deprecated
 * 32-bit ones, which work only while stable memory is at most 4 GiB. Callable everywhere,
 * the start function included.
 */
import { MAX_STABLE_PAGES, WASM_PAGE_BYTES } from '../../constants.js';
import type { StableMemory } from '../../memory/stable-memory.js';
import { TrapError } from '../trap.js';
import { I32, I64, ic0, type Ic0Table } from './entry.js';
import { PER_BYTE_COPY, PER_DIRTY_STABLE_PAGE, STANDARD } from './instructions.js';
import type { Ic0Scope } from './scope.js';

/** The stable-memory functions are cheaper than the rest (system_api_complexity.rs). */
const STABLE_OVERHEAD = 20n;
/** 4 GiB in Wasm pages: the most the 32-bit functions can address. */
const LEGACY_STABLE_PAGES = 65_536n;

function legacyPages(stable: StableMemory, what: string): bigint {
    const pages = stable.sizePages;
    if (pages > LEGACY_STABLE_PAGES) throw TrapError.contract(`${what}: stable memory is larger than 4 GiB; use the stable64 functions`);
    return pages;
}

/** A 64-bit size for a copy to or from the heap: anything past the largest heap is a heap trap. */
function heapSize(size: bigint): number {
    const n = BigInt.asUintN(64, size);
    if (n > BigInt(4 * 1024 * WASM_PAGE_BYTES * 16)) throw TrapError.wasm('heap out of bounds');
    return Number(n);
}

function checkBounds(s: Ic0Scope, offset: bigint, size: bigint, what: string): void {
    if (!s.stable.inBounds(offset, size)) {
        throw TrapError.contract(`${what}: stable memory out of bounds (offset ${offset}, size ${size}, stable memory size ${s.stable.sizeBytes} bytes)`);
    }
}

function write(s: Ic0Scope, offset: bigint, src: number, size: number, what: string): void {
    checkBounds(s, offset, BigInt(size), what);
    const data = s.live.read(src, size);
    const stable = s.stable;
    const before = stable.journalPages;
    stable.write(Number(offset), data);
    s.charge(BigInt(size) * PER_BYTE_COPY + BigInt(stable.journalPages - before) * PER_DIRTY_STABLE_PAGE);
}

function read(s: Ic0Scope, dst: number, offset: bigint, size: number, what: string): void {
    checkBounds(s, offset, BigInt(size), what);
    s.charge(BigInt(size) * PER_BYTE_COPY);
    const data = new Uint8Array(size);
    s.stable.read(Number(offset), data);
    s.live.write(dst, data);
}

export const STABLE: Ic0Table = {
    stable64_size: ic0({ params: [], results: [I64], contexts: '* s', overhead: STABLE_OVERHEAD, impl: (s) => s.stable.sizePages }),
    stable64_grow: ic0({
        params: [I64],
        results: [I64],
        contexts: '* s',
        overhead: STANDARD,
        impl: (s, pages) => s.stable.grow(BigInt.asUintN(64, pages), MAX_STABLE_PAGES)
    }),
    stable64_write: ic0({
        params: [I64, I64, I64],
        results: [],
        contexts: '* s',
        overhead: STABLE_OVERHEAD,
        impl: (s, offset, src, size) => write(s, BigInt.asUintN(64, offset), Number(BigInt.asUintN(64, src)), heapSize(size), 'ic0.stable64_write')
    }),
    stable64_read: ic0({
        params: [I64, I64, I64],
        results: [],
        contexts: '* s',
        overhead: STABLE_OVERHEAD,
        impl: (s, dst, offset, size) => read(s, Number(BigInt.asUintN(64, dst)), BigInt.asUintN(64, offset), heapSize(size), 'ic0.stable64_read')
    }),
    stable_size: ic0({ params: [], results: [I32], contexts: '* s', overhead: STABLE_OVERHEAD, impl: (s) => Number(legacyPages(s.stable, 'ic0.stable_size')) }),
    stable_grow: ic0({
        params: [I32],
        results: [I32],
        contexts: '* s',
        overhead: STANDARD,
        impl: (s, pages) => {
            legacyPages(s.stable, 'ic0.stable_grow');
            return Number(s.stable.grow(BigInt(pages), LEGACY_STABLE_PAGES));
        }
    }),
    stable_write: ic0({
        params: [I32, I32, I32],
        results: [],
        contexts: '* s',
        overhead: STABLE_OVERHEAD,
        impl: (s, offset, src, size) => {
            legacyPages(s.stable, 'ic0.stable_write');
            write(s, BigInt(offset), src, size, 'ic0.stable_write');
        }
    }),
    stable_read: ic0({
        params: [I32, I32, I32],
        results: [],
        contexts: '* s',
        overhead: STABLE_OVERHEAD,
        impl: (s, dst, offset, size) => {
            legacyPages(s.stable, 'ic0.stable_read');
            read(s, dst, BigInt(offset), size, 'ic0.stable_read');
        }
    })
};
