/**
 * Rewrites a validated canister module so the engine can run it like the IC does.
 *
 * What the engine can rely on in the output:
 *
 * - **Heap bias and dirty-page map.** The real memory is the canister's memory shifted up
 *   by `HEAP_BIAS_BYTES` (1 MiB = 16 Wasm pages). Real bytes [0, 1 MiB) are a map with one
 *   byte per logical 4 KiB page (`DIRTY_PAGE_SHIFT`): byte i becomes 1 after the canister
 *   stored into logical page i. Loads and stores keep their logical addresses (their
 *   static offsets are biased); a store marks the page of its effective address after it
 *   succeeded (a trapping store marks nothing). A store that starts in page p may spill up
 *   to 15 bytes (v128) into page p+1 without marking it: the engine must treat page p+1
 *   as possibly dirty whenever page p is. `memory.size` / `memory.grow` report logical
 *   pages; `memory.fill`, `memory.copy` and `memory.init` mark every page of
 *   [dst, dst+n). Active data segments land at their logical offsets. The logical maximum
 *   is 65,536 − 16 pages. Modules without memory get none of this.
 * - **Exports added.** `__replica_memory`, `__replica_table` (table 0),
 *   `__replica_global_<i>` (every defined mutable global), `__replica_start` (the start
 *   function; the start section is removed so instantiation never runs it),
 *   `__replica_instructions` (mutable i64: remaining instruction budget) and
 *   `__replica_out_of_instructions` (mutable i32 flag), and, when table 0 holds functions,
 *   `__replica_call_indirect(fun, env)`, which runs `table[fun](env)` through
 *   `call_indirect` so a callback of the wrong type traps as on the IC (calling the table
 *   entry from JS would silently coerce the arguments). New types, functions and globals
 *   go at the end of their index spaces, so no original index moves; no imports are added.
 * - **Metering like the IC** (rs/embedders/src/wasm_utils/instrumentation.rs). Each body is
 *   split at injection points: the function entry and the start of each `loop` body are
 *   re-entrant points; the instruction after `if`, `else`, `end`, `br`, `br_if`,
 *   `br_table`, `return`, `unreachable` and `return_call*` starts a plain point. A point
 *   subtracts the static cost (opcodes.ts) of the original instructions from it to the
 *   next point; re-entrant points then check the budget and, if it went negative, set
 *   the flag and execute `unreachable`. As on the IC, a function entry costs one extra
 *   instruction, and `block` does not split (splitting there would not change any count).
 *   `memory.fill/copy/init` charge 100 + n at run time inside their helpers, before doing
 *   the work; `table.fill/copy/init` charge n at run time (their static 100 is in the
 *   point). Instructions used = budget before − budget after.
 */
import { InvalidWasmModuleError, WasmInstrumentationError } from './errors.js';
import { readU32, skipLeb, writeS32, writeU32, type LebCursor } from '../../encoding/leb128.js';
import { Imm, MISC_OPS, OPS, PREFIX_MISC, PREFIX_SIMD, Role, SIMD_OPS, ValType, describeOpcode, type OpcodeTable } from './opcodes.js';
import { ByteReader } from './reader.js';
import { ExternalKind, SectionId, WASM_MAGIC, valueTypeName, type ParsedModule, type Section } from './parsed-module.js';
import { ByteWriter } from './writer.js';

/** Bump whenever the instrumented output changes (it keys the module cache). */
export const INSTRUMENTATION_VERSION = 2;

/** Wasm pages reserved below the canister's memory for the dirty-page map. */
export const HEAP_BIAS_PAGES = 16;
/** Bytes the canister's memory is shifted up by: 1 MiB. */
export const HEAP_BIAS_BYTES = HEAP_BIAS_PAGES * 65_536;
/** log2 of the dirty-tracking page size (4 KiB). */
const DIRTY_PAGE_SHIFT = 12;
/** Largest wasm32 memory V8 allows, in pages (4 GiB). */
export const MAX_WASM32_PAGES = 65_536;
/** Largest logical memory a canister gets here, in pages. */
const MAX_LOGICAL_PAGES = MAX_WASM32_PAGES - HEAP_BIAS_PAGES;
/** Static cost of a bulk memory instruction, charged at run time by its helper with n. */
const BULK_MEMORY_BASE_COST = 100;

const REPLICA_EXPORTS = {
    memory: '__replica_memory',
    table: '__replica_table',
    start: '__replica_start',
    /** `(fun: i32, env: i32) -> ()`: runs `table0[fun](env)` with the IC's type check. */
    callIndirect: '__replica_call_indirect',
    instructions: '__replica_instructions',
    outOfInstructions: '__replica_out_of_instructions',
    globalPrefix: '__replica_global_'
} as const;

export type GlobalValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

export interface InstrumentedModule {
    readonly bytes: Uint8Array;
    readonly mutableGlobals: ReadonlyArray<{ exportName: string; valueType: GlobalValueType }>;
    readonly hasStart: boolean;
    readonly hasMemory: boolean;
    readonly hasTable: boolean;
}

// Event kinds recorded while scanning a body, replayed while writing it.
const EV_POINT = 0;
const EV_REENTRANT_POINT = 1;
const EV_LOAD = 2;
const EV_STORE = 3;
const EV_MEMORY_SIZE = 4;
const EV_CALL_BEFORE = 5; // insert `call helper` before the instruction, keep the instruction
const EV_CALL_INSTEAD = 6; // replace the instruction with `call helper`

// Helper functions the instrumenter may add.
const H_GROW = 0;
const H_FILL = 1;
const H_COPY = 2;
const H_CHARGE = 3;
const H_CALL_INDIRECT = 4;
const H_INIT = 5; // + data segment index

// Types appended when helpers are added, relative to the first new type index.
const T_I32_TO_I32 = 0;
const T_3_I32 = 1;
const T_I32 = 2;
const T_2_I32 = 3;

function helperType(key: number): number {
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

/** Growable parallel arrays of scan events (no per-instruction objects). */
class Events {
    count = 0;
    kind = new Uint8Array(4096);
    /** Instruction start, or the point's position. */
    at = new Uint32Array(4096);
    /** Memory instructions: where the offset immediate starts / ends; helper calls: helper index. */
    offsetStart = new Uint32Array(4096);
    offsetEnd = new Uint32Array(4096);
    /** Instruction end. */
    end = new Uint32Array(4096);
    /** Point cost, or the memory offset. */
    value = new Float64Array(4096);
    /** Store value type. */
    aux = new Uint8Array(4096);

    push(kind: number, at: number): number {
        if (this.count === this.kind.length) this.grow();
        const i = this.count++;
        this.kind[i] = kind;
        this.at[i] = at;
        return i;
    }

    private grow(): void {
        const n = this.kind.length * 2;
        const widen = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
            const b = make(n);
            b.set(a);
            return b;
        };
        this.kind = widen(this.kind, (k) => new Uint8Array(k));
        this.at = widen(this.at, (k) => new Uint32Array(k));
        this.offsetStart = widen(this.offsetStart, (k) => new Uint32Array(k));
        this.offsetEnd = widen(this.offsetEnd, (k) => new Uint32Array(k));
        this.end = widen(this.end, (k) => new Uint32Array(k));
        this.value = widen(this.value, (k) => new Float64Array(k));
        this.aux = widen(this.aux, (k) => new Uint8Array(k));
    }
}

/** A store's value type → its scratch-local slot (0..4); slot 5 is the address local. */
function storeTypeSlot(type: number): number {
    switch (type) {
        case ValType.I32:
            return 0;
        case ValType.I64:
            return 1;
        case ValType.F32:
            return 2;
        case ValType.F64:
            return 3;
        default:
            return 4; // v128
    }
}
const ADDRESS_SLOT = 5;
const SCRATCH_TYPES = [ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.V128];

function leb(value: number): number[] {
    const buf = new Uint8Array(5);
    return [...buf.subarray(0, writeU32(buf, 0, value))];
}

function sleb(value: number): number[] {
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

function makeSnippets(counter: number, flag: number): Snippets {
    return {
        chargePrefix: Uint8Array.from([0x23, ...leb(counter), 0x42]),
        chargeSuffix: Uint8Array.from([0x7d, 0x24, ...leb(counter)]),
        check: Uint8Array.from([0x23, ...leb(counter), 0x42, 0x00, 0x53, 0x04, 0x40, 0x41, 0x01, 0x24, ...leb(flag), 0x00, 0x0b])
    };
}

/** Code that traps with V8's "memory access out of bounds": a load at 2^32 + 15. */
const TRAP_OUT_OF_BOUNDS = [0x41, 0x7f, 0x2d, 0x00, 0x10, 0x1a, 0x00];

interface Context {
    readonly module: ParsedModule;
    readonly hasMemory: boolean;
    readonly snippets: Snippets;
    readonly funcBase: number;
    /** Helper key → function index. */
    readonly helpers: Map<number, number>;
    readonly helperOrder: number[];
}

function helperIndex(ctx: Context, key: number): number {
    let index = ctx.helpers.get(key);
    if (index === undefined) {
        index = ctx.funcBase + ctx.helperOrder.length;
        ctx.helpers.set(key, index);
        ctx.helperOrder.push(key);
    }
    return index;
}

/**
 * Instruments a parsed module (which must already have passed V8 and IC validation).
 *
 * @throws InvalidWasmModuleError for instructions the IC does not support, or a memory
 *   too large to leave room for the dirty-page map.
 */
export function instrumentModule(module: ParsedModule): InstrumentedModule {
    if (module.importedMemoryCount > 0 || module.importedTableCount > 0 || module.importedGlobalCount > 0) {
        throw new WasmInstrumentationError('Modules that import memories, tables or globals cannot be instrumented.');
    }
    const hasMemory = module.memories.length > 0;
    const hasTable = module.tables.length > 0;
    const counterGlobal = module.globals.length;
    const flagGlobal = counterGlobal + 1;
    const ctx: Context = {
        module,
        hasMemory,
        snippets: makeSnippets(counterGlobal, flagGlobal),
        funcBase: module.importedFunctionCount + module.functionTypes.length,
        helpers: new Map(),
        helperOrder: []
    };

    const bodies = instrumentCode(ctx);
    const callsIndirect = hasTable && module.tables[0]!.refType === ValType.FuncRef;
    if (callsIndirect) helperIndex(ctx, H_CALL_INDIRECT);
    const helperTypeBase = module.types.length;
    const needsHelpers = ctx.helperOrder.length > 0;

    const mutableGlobals: Array<{ exportName: string; valueType: GlobalValueType }> = [];
    module.globals.forEach((global, index) => {
        if (global.mutable) {
            mutableGlobals.push({
                exportName: REPLICA_EXPORTS.globalPrefix + index,
                valueType: valueTypeName(global.valueType) as GlobalValueType
            });
        }
    });

    const bytes = module.bytes;
    const builders = new Map<number, () => ByteWriter>();

    if (needsHelpers) {
        builders.set(SectionId.Type, () =>
            extendVector(module, SectionId.Type, 4, (w) => {
                w.bytes(Uint8Array.of(0x60, 0x01, 0x7f, 0x01, 0x7f)); // T_I32_TO_I32: (i32) -> (i32)
                w.bytes(Uint8Array.of(0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00)); // T_3_I32: (i32, i32, i32) -> ()
                w.bytes(Uint8Array.of(0x60, 0x01, 0x7f, 0x00)); // T_I32: (i32) -> (), the callback type
                w.bytes(Uint8Array.of(0x60, 0x02, 0x7f, 0x7f, 0x00)); // T_2_I32: (i32, i32) -> ()
            })
        );
        builders.set(SectionId.Function, () =>
            extendVector(module, SectionId.Function, ctx.helperOrder.length, (w) => {
                for (const key of ctx.helperOrder) w.u32(helperTypeBase + helperType(key));
            })
        );
    }
    if (hasMemory) builders.set(SectionId.Memory, () => memorySection(module));
    builders.set(SectionId.Global, () =>
        extendVector(module, SectionId.Global, 2, (w) => {
            w.bytes(Uint8Array.of(0x7e, 0x01, 0x42, 0x00, 0x0b)); // (mut i64) budget
            w.bytes(Uint8Array.of(0x7f, 0x01, 0x41, 0x00, 0x0b)); // (mut i32) out-of-instructions flag
        })
    );
    const added: Array<[string, number, number]> = [];
    if (hasMemory) added.push([REPLICA_EXPORTS.memory, ExternalKind.Memory, 0]);
    if (hasTable) added.push([REPLICA_EXPORTS.table, ExternalKind.Table, 0]);
    module.globals.forEach((global, index) => {
        if (global.mutable) added.push([REPLICA_EXPORTS.globalPrefix + index, ExternalKind.Global, index]);
    });
    if (module.start !== null) added.push([REPLICA_EXPORTS.start, ExternalKind.Function, module.start]);
    if (callsIndirect) added.push([REPLICA_EXPORTS.callIndirect, ExternalKind.Function, ctx.helpers.get(H_CALL_INDIRECT)!]);
    added.push([REPLICA_EXPORTS.instructions, ExternalKind.Global, counterGlobal]);
    added.push([REPLICA_EXPORTS.outOfInstructions, ExternalKind.Global, flagGlobal]);
    builders.set(SectionId.Export, () =>
        extendVector(module, SectionId.Export, added.length, (w) => {
            for (const [name, kind, index] of added) {
                w.name(name);
                w.u8(kind);
                w.u32(index);
            }
        })
    );
    if (module.bodyStarts.length > 0 || needsHelpers) {
        builders.set(SectionId.Code, () => {
            const w = new ByteWriter(bodies.length + 5 + ctx.helperOrder.length * 128);
            w.u32(module.bodyStarts.length + ctx.helperOrder.length);
            w.bytes(bodies.finish());
            for (const key of ctx.helperOrder) writeHelper(w, key, ctx, helperTypeBase);
            return w;
        });
    }
    if (hasMemory && module.dataSegments.length > 0) builders.set(SectionId.Data, () => dataSection(module));

    // Assemble: original order, rewritten sections swapped in, missing ones inserted.
    const out = new ByteWriter(bytes.length + (bytes.length >> 1) + 1024);
    out.bytes(WASM_MAGIC);
    const order: number[] = [SectionId.Type, SectionId.Import, SectionId.Function, SectionId.Table, SectionId.Memory, SectionId.Global, SectionId.Export, SectionId.Start, SectionId.Element, SectionId.DataCount, SectionId.Code, SectionId.Data];
    const present = new Set(module.sections.map((s) => s.id));
    let next = 0;
    const emitMissingBefore = (id: number | null): void => {
        const stop = id === null ? order.length : order.indexOf(id);
        for (; next < stop; next++) {
            const missing = order[next]!;
            const build = builders.get(missing);
            if (!present.has(missing) && build !== undefined) out.section(missing, build());
        }
    };
    for (const section of module.sections) {
        if (section.id === SectionId.Custom) {
            out.copy(bytes, section.start, section.end);
            continue;
        }
        emitMissingBefore(section.id);
        next = order.indexOf(section.id) + 1;
        if (section.id === SectionId.Start) continue; // the engine calls __replica_start itself
        const build = builders.get(section.id);
        if (build === undefined) out.copy(bytes, section.start, section.end);
        else out.section(section.id, build());
    }
    emitMissingBefore(null);

    return { bytes: out.finish(), mutableGlobals, hasStart: module.start !== null, hasMemory, hasTable };
}

function findSection(module: ParsedModule, id: number): Section | undefined {
    return module.sections.find((s) => s.id === id);
}

/** A vector section with `extra` entries appended (the original entries are copied). */
function extendVector(module: ParsedModule, id: number, extra: number, append: (w: ByteWriter) => void): ByteWriter {
    const section = findSection(module, id);
    const w = new ByteWriter((section ? section.end - section.contentStart : 0) + 64 + extra * 16);
    if (section === undefined) {
        w.u32(extra);
    } else {
        const r = new ByteReader(module.bytes, section.contentStart, section.end);
        const count = r.u32();
        w.u32(count + extra);
        w.copy(module.bytes, r.pos, section.end);
    }
    append(w);
    return w;
}

function memorySection(module: ParsedModule): ByteWriter {
    const memory = module.memories[0]!;
    if (memory.min > MAX_LOGICAL_PAGES) {
        throw new InvalidWasmModuleError(
            `Wasm module has an invalid memory section. Its initial memory of ${memory.min} pages is above the ${MAX_LOGICAL_PAGES} pages the embedded replica can offer (it reserves ${HEAP_BIAS_PAGES} pages of the 4 GiB wasm32 memory).`
        );
    }
    const w = new ByteWriter(16);
    w.u32(1);
    if (memory.max === null) {
        w.u8(0x00);
        w.u32(memory.min + HEAP_BIAS_PAGES);
    } else {
        w.u8(0x01);
        w.u32(memory.min + HEAP_BIAS_PAGES);
        w.u32(Math.min(memory.max + HEAP_BIAS_PAGES, MAX_WASM32_PAGES));
    }
    return w;
}

function dataSection(module: ParsedModule): ByteWriter {
    const section = findSection(module, SectionId.Data)!;
    const bytes = module.bytes;
    const w = new ByteWriter(section.end - section.contentStart + 16 * module.dataSegments.length);
    w.u32(module.dataSegments.length);
    for (const segment of module.dataSegments) {
        if (!segment.active) {
            w.copy(bytes, segment.start, segment.end);
            continue;
        }
        if (segment.offset === null) throw new WasmInstrumentationError('Active data segment without a constant offset.');
        w.copy(bytes, segment.start, segment.offsetExprStart);
        w.u8(0x41);
        w.s32((segment.offset + HEAP_BIAS_BYTES) | 0);
        w.u8(0x0b);
        w.copy(bytes, segment.offsetExprEnd, segment.end);
    }
    return w;
}

/** Instruments every function body; returns the bodies (without the count). */
function instrumentCode(ctx: Context): ByteWriter {
    const module = ctx.module;
    const bytes = module.bytes;
    const out = new ByteWriter(Math.ceil(module.codeSectionSize * 1.6) + 1024);
    const events = new Events();
    const cursor: LebCursor = { pos: 0 };
    for (let f = 0; f < module.bodyStarts.length; f++) {
        const start = module.bodyStarts[f]!;
        const end = module.bodyEnds[f]!;
        const type = module.types[module.functionTypes[f]!];
        if (type === undefined) throw new InvalidWasmModuleError(`Wasm module is malformed: function ${f} has an unknown type.`);
        instrumentBody(ctx, bytes, start, end, type.params.length, module.importedFunctionCount + f, events, cursor, out);
    }
    return out;
}

function unsupported(funcIndex: number, op: number, sub: number | undefined, at: number): InvalidWasmModuleError {
    return new InvalidWasmModuleError(
        `Wasm module function ${funcIndex} uses the instruction ${describeOpcode(op, sub)} at byte ${at}, which the Internet Computer does not support.`
    );
}

function instrumentBody(
    ctx: Context,
    bytes: Uint8Array,
    start: number,
    end: number,
    paramCount: number,
    funcIndex: number,
    ev: Events,
    cursor: LebCursor,
    out: ByteWriter
): void {
    // Locals.
    cursor.pos = start;
    const declCount = readU32(bytes, cursor, end);
    const localsStart = cursor.pos;
    let localCount = paramCount;
    for (let i = 0; i < declCount; i++) {
        localCount += readU32(bytes, cursor, end);
        if (cursor.pos >= end) throw new InvalidWasmModuleError(`Wasm module is malformed: function ${funcIndex} has truncated locals.`);
        cursor.pos++;
    }
    const codeStart = cursor.pos;

    // Pass 1: find injection points, their costs, and the instructions to rewrite.
    ev.count = 0;
    let point = ev.push(EV_REENTRANT_POINT, codeStart);
    let cost = 1; // the IC charges every function entry at least one instruction
    let scratchMask = 0;
    const hasMemory = ctx.hasMemory;
    let pos = codeStart;
    while (pos < end) {
        const at = pos;
        const op = bytes[pos++]!;
        let table: OpcodeTable = OPS;
        let code = op;
        let imm: number = OPS.imm[op]!;
        if (imm === Imm.Prefix) {
            cursor.pos = pos;
            code = readU32(bytes, cursor, end);
            pos = cursor.pos;
            table = op === PREFIX_MISC ? MISC_OPS : SIMD_OPS;
            if (op !== PREFIX_MISC && op !== PREFIX_SIMD) throw unsupported(funcIndex, op, code, at);
            imm = code < table.imm.length ? table.imm[code]! : Imm.Unsupported;
            if (imm === Imm.Unsupported) throw unsupported(funcIndex, op, code, at);
        }
        let offsetStart = 0;
        let offsetEnd = 0;
        let offset = 0;
        let firstIndex = 0;
        switch (imm) {
            case Imm.None:
                break;
            case Imm.BlockType:
            case Imm.Index:
            case Imm.I32:
            case Imm.I64:
            case Imm.HeapType:
                pos = skipLeb(bytes, pos, end);
                break;
            case Imm.TwoIndices:
                cursor.pos = pos;
                firstIndex = readU32(bytes, cursor, end);
                pos = skipLeb(bytes, cursor.pos, end);
                break;
            case Imm.MemArg:
            case Imm.MemArgLane: {
                cursor.pos = pos;
                const align = readU32(bytes, cursor, end);
                if (align & 0x40) throw unsupported(funcIndex, op, op === PREFIX_SIMD || op === PREFIX_MISC ? code : undefined, at);
                offsetStart = cursor.pos;
                offset = readU32(bytes, cursor, end);
                offsetEnd = cursor.pos;
                pos = imm === Imm.MemArgLane ? offsetEnd + 1 : offsetEnd;
                break;
            }
            case Imm.BrTable: {
                cursor.pos = pos;
                const n = readU32(bytes, cursor, end);
                pos = cursor.pos;
                for (let i = 0; i <= n; i++) pos = skipLeb(bytes, pos, end);
                break;
            }
            case Imm.F32:
                pos += 4;
                break;
            case Imm.F64:
                pos += 8;
                break;
            case Imm.V128:
                pos += 16;
                break;
            case Imm.Lane:
                pos += 1;
                break;
            case Imm.SelectTypes: {
                cursor.pos = pos;
                const n = readU32(bytes, cursor, end);
                pos = cursor.pos;
                for (let i = 0; i < n; i++) pos = skipLeb(bytes, pos, end);
                break;
            }
            default:
                throw unsupported(funcIndex, op, table === OPS ? undefined : code, at);
        }

        const role = table.role[code]!;
        if (role === Role.Plain) {
            cost += table.cost[code]!;
            continue;
        }
        switch (role) {
            case Role.Split:
            case Role.Loop:
                cost += table.cost[code]!;
                ev.value[point] = cost;
                point = ev.push(role === Role.Loop ? EV_REENTRANT_POINT : EV_POINT, pos);
                cost = 0;
                break;
            case Role.Load:
            case Role.Store: {
                cost += table.cost[code]!;
                if (!hasMemory) break;
                const i = ev.push(role === Role.Load ? EV_LOAD : EV_STORE, at);
                ev.offsetStart[i] = offsetStart;
                ev.offsetEnd[i] = offsetEnd;
                ev.end[i] = pos;
                ev.value[i] = offset;
                if (role === Role.Store) {
                    const type = table.storeType[code]!;
                    ev.aux[i] = type;
                    scratchMask |= (1 << storeTypeSlot(type)) | (1 << ADDRESS_SLOT);
                }
                break;
            }
            case Role.MemorySize: {
                cost += table.cost[code]!;
                const i = ev.push(EV_MEMORY_SIZE, at);
                ev.end[i] = pos;
                break;
            }
            case Role.MemoryGrow:
            case Role.MemoryFill:
            case Role.MemoryCopy:
            case Role.MemoryInit: {
                // memory.grow keeps its static cost; bulk operations are charged by their helper.
                if (role === Role.MemoryGrow) cost += table.cost[code]!;
                const key = role === Role.MemoryGrow ? H_GROW : role === Role.MemoryFill ? H_FILL : role === Role.MemoryCopy ? H_COPY : H_INIT + firstIndex;
                const i = ev.push(EV_CALL_INSTEAD, at);
                ev.end[i] = pos;
                ev.offsetStart[i] = helperIndex(ctx, key);
                break;
            }
            case Role.TableBulk: {
                cost += table.cost[code]!;
                const i = ev.push(EV_CALL_BEFORE, at);
                ev.offsetStart[i] = helperIndex(ctx, H_CHARGE);
                break;
            }
        }
    }
    if (pos !== end) throw new InvalidWasmModuleError(`Wasm module is malformed: function ${funcIndex} ends in the middle of an instruction.`);
    ev.value[point] = cost;

    // Scratch locals for stores: the address, then one per stored value type.
    const scratch = new Int32Array(ADDRESS_SLOT + 1).fill(-1); // slot -> local index
    let extraDecls = 0;
    let nextLocal = localCount;
    for (let slot = 0; slot <= ADDRESS_SLOT; slot++) {
        if (scratchMask & (1 << slot)) {
            scratch[slot] = nextLocal++;
            extraDecls++;
        }
    }

    // Pass 2: write the body.
    const sizeAt = out.placeholderU32();
    const bodyStart = out.length;
    out.u32(declCount + extraDecls);
    out.copy(bytes, localsStart, codeStart);
    for (let slot = 0; slot <= ADDRESS_SLOT; slot++) {
        if (scratch[slot]! >= 0) {
            out.u8(1);
            out.u8(slot === ADDRESS_SLOT ? ValType.I32 : SCRATCH_TYPES[slot]!);
        }
    }
    const { chargePrefix, chargeSuffix, check } = ctx.snippets;
    const addressLocal = scratch[ADDRESS_SLOT]!;
    let copied = codeStart;
    for (let i = 0; i < ev.count; i++) {
        const kind = ev.kind[i]!;
        const at = ev.at[i]!;
        out.copy(bytes, copied, at);
        copied = at;
        switch (kind) {
            case EV_POINT:
            case EV_REENTRANT_POINT: {
                const pointCost = ev.value[i]!;
                if (pointCost > 0) {
                    out.bytes(chargePrefix);
                    out.s64(pointCost);
                    out.bytes(chargeSuffix);
                }
                if (kind === EV_REENTRANT_POINT) out.bytes(check);
                break;
            }
            case EV_LOAD:
            case EV_STORE: {
                const offset = ev.value[i]!;
                const biased = offset + HEAP_BIAS_BYTES;
                const instrEnd = ev.end[i]!;
                if (biased > 0xffffffff) {
                    // The effective address is past any memory the canister can have: the
                    // original would trap with out-of-bounds, so do exactly that.
                    for (const b of TRAP_OUT_OF_BOUNDS) out.u8(b);
                    copied = instrEnd;
                    break;
                }
                let valueLocal = 0;
                if (kind === EV_STORE) {
                    valueLocal = scratch[storeTypeSlot(ev.aux[i]!)]!;
                    out.u8(0x21); // local.set value
                    out.u32(valueLocal);
                    out.u8(0x22); // local.tee address
                    out.u32(addressLocal);
                    out.u8(0x20); // local.get value
                    out.u32(valueLocal);
                }
                out.copy(bytes, at, ev.offsetStart[i]!);
                out.u32(biased);
                out.copy(bytes, ev.offsetEnd[i]!, instrEnd);
                if (kind === EV_STORE) {
                    // bitmap[(address + offset) >> 12] = 1
                    out.u8(0x20);
                    out.u32(addressLocal);
                    if (offset !== 0) {
                        out.u8(0x41);
                        out.s32(offset | 0);
                        out.u8(0x6a);
                    }
                    out.u8(0x41);
                    out.u8(DIRTY_PAGE_SHIFT);
                    out.u8(0x76);
                    out.u8(0x41);
                    out.u8(0x01);
                    out.u8(0x3a);
                    out.u8(0x00);
                    out.u8(0x00);
                }
                copied = instrEnd;
                break;
            }
            case EV_MEMORY_SIZE: {
                const instrEnd = ev.end[i]!;
                out.copy(bytes, at, instrEnd);
                out.u8(0x41);
                out.u8(HEAP_BIAS_PAGES);
                out.u8(0x6b);
                copied = instrEnd;
                break;
            }
            case EV_CALL_INSTEAD:
                out.u8(0x10);
                out.u32(ev.offsetStart[i]!);
                copied = ev.end[i]!;
                break;
            case EV_CALL_BEFORE:
                out.u8(0x10);
                out.u32(ev.offsetStart[i]!);
                break;
        }
    }
    out.copy(bytes, copied, end);
    out.patchU32(sizeAt, out.length - bodyStart);
}

/** Writes the body of an injected helper (size-prefixed). */
function writeHelper(w: ByteWriter, key: number, ctx: Context, typeBase: number): void {
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
