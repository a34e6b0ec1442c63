/**
 * The helper functions the instrumenter appends: `memory.grow`, `memory.fill`,
 * `memory.copy` and `memory.init` on the biased memory (bounds-checked against the
 * logical size, charged 100 + n, marking the dirty pages they write), the run-time charge
 * of table bulk operations, and `__replica_call_indirect`. Also the function types they
 * use, appended to the type section.
 */
import type { ByteWriter } from './writer.js';
import { H_CALL_INDIRECT, H_CHARGE, H_COPY, H_FILL, H_GROW, H_INIT, TRAP_OUT_OF_BOUNDS, leb, sleb, type Context } from './instrument-context.js';
import { DIRTY_PAGE_SHIFT, HEAP_BIAS_BYTES, HEAP_BIAS_PAGES } from './instrument-layout.js';

/** Static cost of a bulk memory instruction, charged at run time by its helper with n. */
const BULK_MEMORY_BASE_COST = 100;

// Types appended when helpers are added, relative to the first new type index.
const T_I32_TO_I32 = 0;
const T_3_I32 = 1;
const T_I32 = 2;
const T_2_I32 = 3;
/** How many types `writeHelperTypes` appends. */
export const HELPER_TYPE_COUNT = 4;

/** Appends the helpers' function types (in `T_*` order) to a type section being written. */
export function writeHelperTypes(w: ByteWriter): void {
    w.bytes(Uint8Array.of(0x60, 0x01, 0x7f, 0x01, 0x7f)); // T_I32_TO_I32: (i32) -> (i32)
    w.bytes(Uint8Array.of(0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00)); // T_3_I32: (i32, i32, i32) -> ()
    w.bytes(Uint8Array.of(0x60, 0x01, 0x7f, 0x00)); // T_I32: (i32) -> (), the callback type
    w.bytes(Uint8Array.of(0x60, 0x02, 0x7f, 0x7f, 0x00)); // T_2_I32: (i32, i32) -> ()
}

/** A helper's type, relative to the first appended type. */
export function helperType(key: number): number {
    switch (key) {
        case H_GROW:
        case H_CHARGE:
            return T_I32_TO_I32;
        case H_CALL_INDIRECT:
            return T_2_I32;
        default:
            return T_3_I32;
    }
}

/** Writes the body of an injected helper (size-prefixed). */
export function writeHelper(w: ByteWriter, key: number, ctx: Context, typeBase: number): void {
    const { chargePrefix, chargeSuffix, check } = ctx.snippets;
    const code: number[] = [];
    const emit = (...b: number[]): void => {
        code.push(...b);
    };
    const snippet = (s: Uint8Array): void => {
        code.push(...s);
    };
    /** Charge 100 + n (n in local `n`), then the out-of-instructions check. */
    const chargeBulk = (n: number): void => {
        snippet(chargePrefix);
        emit(...sleb(BULK_MEMORY_BASE_COST)); // i64.const 100 (small, so the s32 encoding matches s64)
        emit(0x20, n, 0xad, 0x7c); // local.get n; i64.extend_i32_u; i64.add
        snippet(chargeSuffix);
        snippet(check);
    };
    const LIMIT = sleb(-HEAP_BIAS_BYTES); // 0xFFF00000: addresses at or above it cannot be biased
    const BIAS = sleb(HEAP_BIAS_BYTES);
    /** Logical memory size in bytes. */
    const logicalSize = (): void => emit(0x3f, 0x00, 0x41, HEAP_BIAS_PAGES, 0x6b, 0x41, 16, 0x74);
    /** if n != 0: memory.fill(d >> 12, 1, ((d + n - 1) >> 12) - (d >> 12) + 1) on the bitmap. */
    const markRange = (d: number, n: number): void => {
        emit(0x20, n, 0x04, 0x40);
        emit(0x20, d, 0x41, DIRTY_PAGE_SHIFT, 0x76);
        emit(0x41, 0x01);
        emit(0x20, d, 0x20, n, 0x6a, 0x41, 0x01, 0x6b, 0x41, DIRTY_PAGE_SHIFT, 0x76);
        emit(0x20, d, 0x41, DIRTY_PAGE_SHIFT, 0x76, 0x6b, 0x41, 0x01, 0x6a);
        emit(0xfc, 11, 0x00);
        emit(0x0b);
    };

    let locals: number[] = [0x00];
    switch (key) {
        case H_GROW:
            // (pages) -> old logical pages or -1
            locals = [0x01, 0x01, 0x7f];
            emit(0x20, 0x00, 0x40, 0x00, 0x22, 0x01);
            emit(0x41, 0x7f, 0x46, 0x04, 0x7f, 0x41, 0x7f, 0x05, 0x20, 0x01, 0x41, HEAP_BIAS_PAGES, 0x6b, 0x0b);
            break;
        case H_CHARGE:
            // (n) -> n, charging n
            snippet(chargePrefix);
            emit(0x00); // i64.const 0 (the prefix ends with the i64.const opcode)
            emit(0x20, 0x00, 0xad, 0x7c); // + n
            snippet(chargeSuffix);
            snippet(check);
            emit(0x20, 0x00);
            break;
        case H_CALL_INDIRECT:
            // (fun, env): table0[fun](env), trapping on a missing entry or another type
            emit(0x20, 0x01, 0x20, 0x00, 0x11, ...leb(typeBase + T_I32), 0x00);
            break;
        case H_FILL:
            // (d, value, n)
            chargeBulk(2);
            emit(0x20, 0x00, 0x41, ...LIMIT, 0x4f, 0x04, 0x40);
            emit(0x20, 0x02, 0x45, 0x20, 0x00);
            logicalSize();
            emit(0x46, 0x71, 0x04, 0x40, 0x0f, 0x0b);
            emit(...TRAP_OUT_OF_BOUNDS, 0x0b);
            emit(0x20, 0x00, 0x41, ...BIAS, 0x6a, 0x20, 0x01, 0x20, 0x02, 0xfc, 11, 0x00);
            markRange(0, 2);
            break;
        case H_COPY:
            // (d, s, n)
            chargeBulk(2);
            emit(0x20, 0x00, 0x41, ...LIMIT, 0x4f, 0x20, 0x01, 0x41, ...LIMIT, 0x4f, 0x72, 0x04, 0x40);
            emit(0x20, 0x02, 0x45, 0x20, 0x00);
            logicalSize();
            emit(0x4d, 0x71, 0x20, 0x01);
            logicalSize();
            emit(0x4d, 0x71, 0x04, 0x40, 0x0f, 0x0b);
            emit(...TRAP_OUT_OF_BOUNDS, 0x0b);
            emit(0x20, 0x00, 0x41, ...BIAS, 0x6a, 0x20, 0x01, 0x41, ...BIAS, 0x6a, 0x20, 0x02, 0xfc, 10, 0x00, 0x00);
            markRange(0, 2);
            break;
        default: {
            // memory.init <segment>: (d, s, n)
            const segment = leb(key - H_INIT);
            chargeBulk(2);
            emit(0x20, 0x00, 0x41, ...LIMIT, 0x4f, 0x04, 0x40);
            emit(0x20, 0x02, 0x45, 0x20, 0x00);
            logicalSize();
            emit(0x46, 0x71, 0x04, 0x40);
            // d is exactly the end of memory and n is 0: only the segment bound can fail.
            emit(0x41, ...BIAS, 0x20, 0x01, 0x41, 0x00, 0xfc, 8, ...segment, 0x00, 0x0f, 0x0b);
            emit(...TRAP_OUT_OF_BOUNDS, 0x0b);
            emit(0x20, 0x00, 0x41, ...BIAS, 0x6a, 0x20, 0x01, 0x20, 0x02, 0xfc, 8, ...segment, 0x00);
            markRange(0, 2);
        }
    }
    emit(0x0b);
    w.u32(locals.length + code.length);
    w.bytes(Uint8Array.from(locals));
    w.bytes(Uint8Array.from(code));
}
