/**
 * The instruction dispatch table: for every opcode the instrumenter understands, the kind
 * of immediate that follows it, its static cost in IC instructions, and what the
 * instrumenter must do with it.
 *
 * Costs follow the IC replica's `instruction_to_cost`
 * (rs/embedders/src/wasm_utils/instrumentation.rs, wasm32 column; see
 * /work/shared/reference/ic-costs-and-timings.md). Anything not listed there costs 1.
 * The tables are typed arrays indexed by opcode so the hot decoding loop does a couple of
 * array loads per instruction and allocates nothing.
 *
 * Covered: MVP, sign extension, multi-value block types, saturating truncation
 * (0xFC 0-7), bulk memory (0xFC 8-11), reference types (table.*, ref.*, typed select,
 * 0xFC 12-17), tail calls, and fixed-width SIMD (0xFD 0-255). Exception handling, threads
 * (0xFE) and GC (0xFB) are rejected: the IC does not accept them either.
 */

/** What follows an opcode in the binary. */
export const Imm = {
    None: 0,
    /** 0x40, a value type, or an s33 type index. */
    BlockType: 1,
    /** One u32 (label, function, local, global, table, data or element index). */
    Index: 2,
    /** vec(label) then a default label. */
    BrTable: 3,
    /** Two u32s (call_indirect, table.copy, table.init, memory.init, memory.copy). */
    TwoIndices: 4,
    /** align u32, offset u32. */
    MemArg: 5,
    /** align u32, offset u32, one lane byte (SIMD lane loads and stores). */
    MemArgLane: 6,
    I32: 7,
    I64: 8,
    /** 4 raw bytes. */
    F32: 9,
    /** 8 raw bytes. */
    F64: 10,
    /** 16 raw bytes (v128.const, i8x16.shuffle). */
    V128: 11,
    /** One lane byte. */
    Lane: 12,
    /** vec(value type) for the typed `select`. */
    SelectTypes: 13,
    /** A heap type (s33) for `ref.null`. */
    HeapType: 14,
    /** 0xFC / 0xFD: a u32 sub-opcode follows; look it up in the prefixed tables. */
    Prefix: 15,
    /** Not an instruction the IC (or this replica) accepts. */
    Unsupported: 255
} as const;
export type ImmKind = (typeof Imm)[keyof typeof Imm];

/** What the instrumenter does with an instruction. */
export const Role = {
    /** Copied unchanged. */
    Plain: 0,
    /** Ends a metering segment; a plain injection point follows it. */
    Split: 1,
    /** `loop`: a re-entrant injection point (with the out-of-instructions check) follows. */
    Loop: 2,
    /** Memory load: its offset is biased. */
    Load: 3,
    /** Memory store: its offset is biased and its page marked dirty afterwards. */
    Store: 4,
    MemorySize: 5,
    MemoryGrow: 6,
    MemoryFill: 7,
    MemoryCopy: 8,
    MemoryInit: 9,
    /** table.fill / table.copy / table.init: a dynamic charge of n is made first. */
    TableBulk: 10
} as const;
export type RoleKind = (typeof Role)[keyof typeof Role];

/** Wasm value type codes. */
export const ValType = {
    I32: 0x7f,
    I64: 0x7e,
    F32: 0x7d,
    F64: 0x7c,
    V128: 0x7b,
    FuncRef: 0x70,
    ExternRef: 0x6f
} as const;

/** Opcode prefixes. */
export const PREFIX_MISC = 0xfc;
export const PREFIX_SIMD = 0xfd;

type Def = readonly [code: number, name: string, imm: ImmKind, cost: number, role?: RoleKind, storeType?: number];

const N = Imm.None;
const { I32, I64, F32, F64 } = ValType;

// Single-byte opcodes (MVP, sign extension, reference types, tail calls).
const SINGLE: readonly Def[] = [
    [0x00, 'unreachable', N, 1, Role.Split],
    [0x01, 'nop', N, 1],
    [0x02, 'block', Imm.BlockType, 0],
    [0x03, 'loop', Imm.BlockType, 0, Role.Loop],
    [0x04, 'if', Imm.BlockType, 2, Role.Split],
    [0x05, 'else', N, 0, Role.Split],
    [0x0b, 'end', N, 0, Role.Split],
    [0x0c, 'br', Imm.Index, 2, Role.Split],
    [0x0d, 'br_if', Imm.Index, 2, Role.Split],
    [0x0e, 'br_table', Imm.BrTable, 2, Role.Split],
    [0x0f, 'return', N, 1, Role.Split],
    [0x10, 'call', Imm.Index, 5],
    [0x11, 'call_indirect', Imm.TwoIndices, 10],
    [0x12, 'return_call', Imm.Index, 3, Role.Split],
    [0x13, 'return_call_indirect', Imm.TwoIndices, 60, Role.Split],
    [0x1a, 'drop', N, 1],
    [0x1b, 'select', N, 1],
    [0x1c, 'select_t', Imm.SelectTypes, 1],
    [0x20, 'local.get', Imm.Index, 1],
    [0x21, 'local.set', Imm.Index, 1],
    [0x22, 'local.tee', Imm.Index, 1],
    [0x23, 'global.get', Imm.Index, 2],
    [0x24, 'global.set', Imm.Index, 2],
    [0x25, 'table.get', Imm.Index, 5],
    [0x26, 'table.set', Imm.Index, 5],
    [0x28, 'i32.load', Imm.MemArg, 1, Role.Load],
    [0x29, 'i64.load', Imm.MemArg, 1, Role.Load],
    [0x2a, 'f32.load', Imm.MemArg, 1, Role.Load],
    [0x2b, 'f64.load', Imm.MemArg, 1, Role.Load],
    [0x2c, 'i32.load8_s', Imm.MemArg, 1, Role.Load],
    [0x2d, 'i32.load8_u', Imm.MemArg, 1, Role.Load],
    [0x2e, 'i32.load16_s', Imm.MemArg, 1, Role.Load],
    [0x2f, 'i32.load16_u', Imm.MemArg, 1, Role.Load],
    [0x30, 'i64.load8_s', Imm.MemArg, 1, Role.Load],
    [0x31, 'i64.load8_u', Imm.MemArg, 1, Role.Load],
    [0x32, 'i64.load16_s', Imm.MemArg, 1, Role.Load],
    [0x33, 'i64.load16_u', Imm.MemArg, 1, Role.Load],
    [0x34, 'i64.load32_s', Imm.MemArg, 1, Role.Load],
    [0x35, 'i64.load32_u', Imm.MemArg, 1, Role.Load],
    [0x36, 'i32.store', Imm.MemArg, 1, Role.Store, I32],
    [0x37, 'i64.store', Imm.MemArg, 1, Role.Store, I64],
    [0x38, 'f32.store', Imm.MemArg, 1, Role.Store, F32],
    [0x39, 'f64.store', Imm.MemArg, 1, Role.Store, F64],
    [0x3a, 'i32.store8', Imm.MemArg, 1, Role.Store, I32],
    [0x3b, 'i32.store16', Imm.MemArg, 1, Role.Store, I32],
    [0x3c, 'i64.store8', Imm.MemArg, 1, Role.Store, I64],
    [0x3d, 'i64.store16', Imm.MemArg, 1, Role.Store, I64],
    [0x3e, 'i64.store32', Imm.MemArg, 1, Role.Store, I64],
    [0x3f, 'memory.size', Imm.Index, 20, Role.MemorySize],
    [0x40, 'memory.grow', Imm.Index, 300, Role.MemoryGrow],
    [0x41, 'i32.const', Imm.I32, 1],
    [0x42, 'i64.const', Imm.I64, 1],
    [0x43, 'f32.const', Imm.F32, 1],
    [0x44, 'f64.const', Imm.F64, 1],
    // i32 / i64 comparisons: 1.
    ...range(0x45, 0x5a, 'int.compare', 1),
    // f32 / f64 comparisons: 3.
    ...range(0x5b, 0x66, 'float.compare', 3),
    [0x67, 'i32.clz', N, 1],
    [0x68, 'i32.ctz', N, 1],
    [0x69, 'i32.popcnt', N, 1],
    [0x6a, 'i32.add', N, 1],
    [0x6b, 'i32.sub', N, 1],
    [0x6c, 'i32.mul', N, 1],
    [0x6d, 'i32.div_s', N, 10],
    [0x6e, 'i32.div_u', N, 10],
    [0x6f, 'i32.rem_s', N, 10],
    [0x70, 'i32.rem_u', N, 10],
    ...range(0x71, 0x78, 'i32.bitwise', 1),
    [0x79, 'i64.clz', N, 1],
    [0x7a, 'i64.ctz', N, 1],
    [0x7b, 'i64.popcnt', N, 1],
    [0x7c, 'i64.add', N, 1],
    [0x7d, 'i64.sub', N, 1],
    [0x7e, 'i64.mul', N, 1],
    [0x7f, 'i64.div_s', N, 10],
    [0x80, 'i64.div_u', N, 10],
    [0x81, 'i64.rem_s', N, 10],
    [0x82, 'i64.rem_u', N, 10],
    ...range(0x83, 0x8a, 'i64.bitwise', 1),
    [0x8b, 'f32.abs', N, 1],
    [0x8c, 'f32.neg', N, 1],
    [0x8d, 'f32.ceil', N, 2],
    [0x8e, 'f32.floor', N, 2],
    [0x8f, 'f32.trunc', N, 2],
    [0x90, 'f32.nearest', N, 2],
    [0x91, 'f32.sqrt', N, 5],
    [0x92, 'f32.add', N, 2],
    [0x93, 'f32.sub', N, 2],
    [0x94, 'f32.mul', N, 2],
    [0x95, 'f32.div', N, 3],
    [0x96, 'f32.min', N, 18],
    [0x97, 'f32.max', N, 18],
    [0x98, 'f32.copysign', N, 2],
    [0x99, 'f64.abs', N, 1],
    [0x9a, 'f64.neg', N, 1],
    [0x9b, 'f64.ceil', N, 2],
    [0x9c, 'f64.floor', N, 2],
    [0x9d, 'f64.trunc', N, 2],
    [0x9e, 'f64.nearest', N, 2],
    [0x9f, 'f64.sqrt', N, 8],
    [0xa0, 'f64.add', N, 2],
    [0xa1, 'f64.sub', N, 2],
    [0xa2, 'f64.mul', N, 2],
    [0xa3, 'f64.div', N, 5],
    [0xa4, 'f64.min', N, 18],
    [0xa5, 'f64.max', N, 18],
    [0xa6, 'f64.copysign', N, 3],
    [0xa7, 'i32.wrap_i64', N, 1],
    ...range(0xa8, 0xab, 'i32.trunc_f', 20),
    [0xac, 'i64.extend_i32_s', N, 1],
    [0xad, 'i64.extend_i32_u', N, 1],
    ...range(0xae, 0xb1, 'i64.trunc_f', 20),
    [0xb2, 'f32.convert_i32_s', N, 3],
    [0xb3, 'f32.convert_i32_u', N, 16],
    [0xb4, 'f32.convert_i64_s', N, 3],
    [0xb5, 'f32.convert_i64_u', N, 16],
    [0xb6, 'f32.demote_f64', N, 1],
    [0xb7, 'f64.convert_i32_s', N, 3],
    [0xb8, 'f64.convert_i32_u', N, 16],
    [0xb9, 'f64.convert_i64_s', N, 3],
    [0xba, 'f64.convert_i64_u', N, 16],
    [0xbb, 'f64.promote_f32', N, 1],
    ...range(0xbc, 0xbf, 'reinterpret', 1),
    ...range(0xc0, 0xc4, 'sign_extend', 1),
    [0xd0, 'ref.null', Imm.HeapType, 1],
    [0xd1, 'ref.is_null', N, 5],
    [0xd2, 'ref.func', Imm.Index, 130],
    [PREFIX_MISC, 'misc prefix', Imm.Prefix, 0],
    [PREFIX_SIMD, 'simd prefix', Imm.Prefix, 0]
];

// Named so that rejections can say what was found.
const UNSUPPORTED_SINGLE: ReadonlyArray<readonly [number, string]> = [
    [0x06, 'try (exception handling)'],
    [0x07, 'catch (exception handling)'],
    [0x08, 'throw (exception handling)'],
    [0x09, 'rethrow (exception handling)'],
    [0x0a, 'throw_ref (exception handling)'],
    [0x18, 'delegate (exception handling)'],
    [0x19, 'catch_all (exception handling)'],
    [0x1f, 'try_table (exception handling)'],
    [0xfb, 'GC instruction prefix 0xFB'],
    [0xfe, 'atomic instruction prefix 0xFE (threads)']
];

// 0xFC sub-opcodes: saturating truncation, bulk memory, table operations.
const MISC: readonly Def[] = [
    ...range(0, 7, 'trunc_sat', 20),
    [8, 'memory.init', Imm.TwoIndices, 100, Role.MemoryInit],
    [9, 'data.drop', Imm.Index, 300],
    [10, 'memory.copy', Imm.TwoIndices, 100, Role.MemoryCopy],
    [11, 'memory.fill', Imm.Index, 100, Role.MemoryFill],
    [12, 'table.init', Imm.TwoIndices, 100, Role.TableBulk],
    [13, 'elem.drop', Imm.Index, 300],
    [14, 'table.copy', Imm.TwoIndices, 100, Role.TableBulk],
    [15, 'table.grow', Imm.Index, 300],
    [16, 'table.size', Imm.Index, 100],
    [17, 'table.fill', Imm.Index, 100, Role.TableBulk]
];

// SIMD costs for 0xFD 14..255 (plus the memory and immediate-carrying ones below), as in
// the IC's table; index = sub-opcode. -1 marks a reserved (invalid) sub-opcode.
// prettier-ignore
const SIMD_COSTS: readonly number[] = [
    /*   0 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1,
    /*  16 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /*  32 */ 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1,
    /*  48 */ 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1, 1,
    /*  64 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /*  80 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /*  96 */ 1, 1, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 2, 1, 1,
    /* 112 */ 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1, 1, 2, 1, 3,
    /* 128 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1,
    /* 144 */ 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, -1, 1, 1, 2, 1, 2,
    /* 160 */ 1, 1, -1, 1, 1, -1, -1, 1, 1, 1, 1, 2, 2, 2, 1, -1,
    /* 176 */ -1, 1, -1, -1, -1, 2, 1, 1, 1, 1, 1, -1, 2, 2, 2, 2,
    /* 192 */ 1, 1, -1, 1, 1, -1, -1, 1, 1, 1, 1, 2, 3, 2, 1, -1,
    /* 208 */ -1, 1, -1, -1, -1, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 224 */ 2, 2, -1, 5, 2, 2, 2, 10, 4, 4, 1, 1, 2, 2, -1, 14,
    /* 240 */ 2, 2, 2, 12, 4, 5, 1, 1, 2, 4, 1, 4, 2, 3, 1, 1
];

// SIMD sub-opcodes whose immediates or memory behaviour differ from "no immediate".
const SIMD_SPECIAL: readonly Def[] = [
    ...range(0, 10, 'v128.load', 1, Imm.MemArg, Role.Load),
    [11, 'v128.store', Imm.MemArg, 1, Role.Store, ValType.V128],
    [12, 'v128.const', Imm.V128, 1],
    [13, 'i8x16.shuffle', Imm.V128, 3],
    ...range(21, 34, 'extract/replace_lane', 1, Imm.Lane),
    ...range(84, 87, 'v128.load_lane', 1, Imm.MemArgLane, Role.Load),
    [88, 'v128.store8_lane', Imm.MemArgLane, 1, Role.Store, ValType.V128],
    [89, 'v128.store16_lane', Imm.MemArgLane, 1, Role.Store, ValType.V128],
    [90, 'v128.store32_lane', Imm.MemArgLane, 1, Role.Store, ValType.V128],
    [91, 'v128.store64_lane', Imm.MemArgLane, 1, Role.Store, ValType.V128],
    [92, 'v128.load32_zero', Imm.MemArg, 1, Role.Load],
    [93, 'v128.load64_zero', Imm.MemArg, 1, Role.Load]
];

function range(
    from: number,
    to: number,
    name: string,
    cost: number,
    imm: ImmKind = Imm.None,
    role: RoleKind = Role.Plain
): Def[] {
    const defs: Def[] = [];
    for (let code = from; code <= to; code++) defs.push([code, name, imm, cost, role]);
    return defs;
}

/** Per-opcode lookup tables for one opcode space. */
export interface OpcodeTable {
    readonly imm: Uint8Array;
    readonly cost: Uint16Array;
    readonly role: Uint8Array;
    /** The value type a store takes (0 for non-stores). */
    readonly storeType: Uint8Array;
    readonly names: ReadonlyArray<string | undefined>;
}

function buildTable(size: number, defs: readonly Def[]): OpcodeTable & { names: Array<string | undefined> } {
    const table = {
        imm: new Uint8Array(size).fill(Imm.Unsupported),
        cost: new Uint16Array(size),
        role: new Uint8Array(size),
        storeType: new Uint8Array(size),
        names: new Array<string | undefined>(size)
    };
    for (const [code, name, imm, cost, role, storeType] of defs) {
        table.imm[code] = imm;
        table.cost[code] = cost;
        table.role[code] = role ?? Role.Plain;
        table.storeType[code] = storeType ?? 0;
        table.names[code] = name;
    }
    return table;
}

/** Single-byte opcodes. */
export const OPS: OpcodeTable = (() => {
    const table = buildTable(256, SINGLE);
    for (const [code, name] of UNSUPPORTED_SINGLE) table.names[code] = name;
    return table;
})();

/** 0xFC-prefixed opcodes. */
export const MISC_OPS: OpcodeTable = buildTable(32, MISC);

/** 0xFD-prefixed (SIMD) opcodes. */
export const SIMD_OPS: OpcodeTable = (() => {
    const defs: Def[] = [];
    SIMD_COSTS.forEach((cost, code) => {
        if (cost >= 0) defs.push([code, 'simd', Imm.None, cost]);
    });
    return buildTable(256, [...defs, ...SIMD_SPECIAL]);
})();

/** A readable name for error messages. */
export function describeOpcode(op: number, sub?: number): string {
    const hex = (n: number): string => '0x' + n.toString(16).padStart(2, '0');
    if (sub === undefined) return `${OPS.names[op] ?? 'unknown'} (${hex(op)})`;
    const table = op === PREFIX_MISC ? MISC_OPS : op === PREFIX_SIMD ? SIMD_OPS : undefined;
    const name = table !== undefined && sub < table.names.length ? table.names[sub] : undefined;
    return `${name ?? 'unknown'} (${hex(op)} ${sub})`;
}
