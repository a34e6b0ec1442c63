/**
 * Decoders for single entries of the sections `parseModule` reads: vectors, function
 * types, imports, table and memory types, data segments, and constant expressions
 * (skipped, not evaluated).
 */
import type { ByteReader } from './reader.js';
import { Imm, OPS, PREFIX_SIMD, SIMD_OPS } from './opcodes.js';
import { ExternalKind, type DataSegment, type FuncType, type Import, type MemoryType, type TableType } from './parsed-module.js';

export function readVector<T>(s: ByteReader, readOne: () => T): T[] {
    const count = s.u32();
    if (count > s.end - s.pos) throw s.fail('vector count is larger than the section');
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readOne());
    return items;
}

export function readTypes(s: ByteReader): FuncType[] {
    return readVector(s, () => {
        const form = s.u8();
        if (form !== 0x60) throw s.fail(`unsupported type form 0x${form.toString(16)} (only function types are supported)`, s.pos - 1);
        const params = readVector(s, () => s.u8());
        const results = readVector(s, () => s.u8());
        return { params, results };
    });
}

export function readImports(s: ByteReader): Import[] {
    return readVector(s, () => {
        const module = s.name();
        const name = s.name();
        const kind = s.u8();
        switch (kind) {
            case ExternalKind.Function:
                return { module, name, kind, typeIndex: s.u32() };
            case ExternalKind.Table:
                readTableType(s);
                return { module, name, kind, typeIndex: -1 };
            case ExternalKind.Memory:
                return { module, name, kind, typeIndex: -1, memory: readMemoryType(s) };
            case ExternalKind.Global:
                s.u8();
                s.u8();
                return { module, name, kind, typeIndex: -1 };
            case ExternalKind.Tag:
                s.u8();
                s.u32();
                return { module, name, kind, typeIndex: -1 };
            default:
                throw s.fail(`unknown import kind ${kind}`, s.pos - 1);
        }
    });
}

export function readTableType(s: ByteReader): TableType {
    const refType = s.u8();
    const flags = s.u8();
    if (flags > 1) throw s.fail(`unsupported table limits flags 0x${flags.toString(16)}`, s.pos - 1);
    const min = s.u32();
    const max = flags & 1 ? s.u32() : null;
    return { refType, min, max };
}

export function readMemoryType(s: ByteReader): MemoryType {
    const flags = s.u8();
    if (flags > 7) throw s.fail(`unsupported memory limits flags 0x${flags.toString(16)}`, s.pos - 1);
    const is64 = (flags & 4) !== 0;
    const shared = (flags & 2) !== 0;
    // A 64-bit memory's limits are u64; keep them as (possibly imprecise) numbers, since
    // such modules are rejected anyway.
    const readLimit = (): number => (is64 ? Number(BigInt.asUintN(64, s.s64())) : s.u32());
    const min = readLimit();
    const max = flags & 1 ? readLimit() : null;
    return { min, max, is64, shared };
}

export function readDataSegment(s: ByteReader): DataSegment {
    const start = s.pos;
    const flags = s.u32();
    let active = false;
    let memoryIndex = 0;
    let offset: number | null = null;
    let offsetExprStart = 0;
    let offsetExprEnd = 0;
    if (flags === 0 || flags === 2) {
        active = true;
        if (flags === 2) memoryIndex = s.u32();
        offsetExprStart = s.pos;
        if (s.bytes[s.pos] === 0x41) {
            s.pos++;
            const value = s.s32();
            if (s.bytes[s.pos] === 0x0b) offset = value >>> 0;
            s.pos = offsetExprStart;
        }
        skipConstExpr(s);
        offsetExprEnd = s.pos;
    } else if (flags !== 1) {
        throw s.fail(`unknown data segment flags ${flags}`, start);
    }
    const length = s.u32();
    const dataStart = s.pos;
    s.skip(length);
    return { active, memoryIndex, offset, offsetExprStart, offsetExprEnd, dataStart, dataEnd: s.pos, start, end: s.pos };
}

/** Skips a constant expression up to and including its `end`. */
export function skipConstExpr(s: ByteReader): void {
    for (;;) {
        const at = s.pos;
        const op = s.u8();
        if (op === 0x0b) return;
        let imm: number = OPS.imm[op]!;
        if (imm === Imm.Prefix) {
            const sub = s.u32();
            imm = op === PREFIX_SIMD && sub < 256 ? SIMD_OPS.imm[sub]! : Imm.Unsupported;
        }
        switch (imm) {
            case Imm.None:
                break;
            case Imm.Index:
            case Imm.I32:
            case Imm.I64:
            case Imm.HeapType:
                s.skipLeb();
                break;
            case Imm.F32:
                s.skip(4);
                break;
            case Imm.F64:
                s.skip(8);
                break;
            case Imm.V128:
                s.skip(16);
                break;
            default:
                throw s.fail(`unexpected opcode 0x${op.toString(16)} in a constant expression`, at);
        }
    }
}
