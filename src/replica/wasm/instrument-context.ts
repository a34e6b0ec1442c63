/**
 * State shared while instrumenting one module: the byte snippets that charge and check
 * the instruction budget, the code that traps like an out-of-bounds access, and the
 * registry of helper functions appended to the module (allocated on first use, so their
 * function indices follow the order the bodies ask for them).
 */
import { writeS32, writeU32 } from '../../encoding/leb128.js';
import type { ParsedModule } from './parsed-module.js';

// Helper functions the instrumenter may add (their bodies: instrument-helpers.ts).
export const H_GROW = 0;
export const H_FILL = 1;
export const H_COPY = 2;
export const H_CHARGE = 3;
export const H_CALL_INDIRECT = 4;
export const H_INIT = 5; // + data segment index

export function leb(value: number): number[] {
    const buf = new Uint8Array(5);
    return [...buf.subarray(0, writeU32(buf, 0, value))];
}

export function sleb(value: number): number[] {
    const buf = new Uint8Array(5);
    return [...buf.subarray(0, writeS32(buf, 0, value))];
}

/** Byte snippets that depend only on the module (global indices). */
interface Snippets {
    /** `global.get $n; i64.const` — the cost follows. */
    readonly chargePrefix: Uint8Array;
    /** `i64.sub; global.set $n`. */
    readonly chargeSuffix: Uint8Array;
    /** `global.get $n; i64.const 0; i64.lt_s; if; i32.const 1; global.set $flag; unreachable; end`. */
    readonly check: Uint8Array;
}

export function makeSnippets(counter: number, flag: number): Snippets {
    return {
        chargePrefix: Uint8Array.from([0x23, ...leb(counter), 0x42]),
        chargeSuffix: Uint8Array.from([0x7d, 0x24, ...leb(counter)]),
        check: Uint8Array.from([0x23, ...leb(counter), 0x42, 0x00, 0x53, 0x04, 0x40, 0x41, 0x01, 0x24, ...leb(flag), 0x00, 0x0b])
    };
}

/** Code that traps with V8's "memory access out of bounds": a load at 2^32 + 15. */
export const TRAP_OUT_OF_BOUNDS = [0x41, 0x7f, 0x2d, 0x00, 0x10, 0x1a, 0x00];

export interface Context {
    readonly module: ParsedModule;
    readonly hasMemory: boolean;
    readonly snippets: Snippets;
    readonly funcBase: number;
    /** Helper key → function index. */
    readonly helpers: Map<number, number>;
    readonly helperOrder: number[];
}

export function helperIndex(ctx: Context, key: number): number {
    let index = ctx.helpers.get(key);
    if (index === undefined) {
        index = ctx.funcBase + ctx.helperOrder.length;
        ctx.helpers.set(key, index);
        ctx.helperOrder.push(key);
    }
    return index;
}
