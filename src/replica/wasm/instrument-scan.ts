/**
 * Pass 1 of instrumenting a function body: walks its instructions once, splitting it at
 * the IC's metering injection points (each with the static cost of the instructions up
 * to the next point) and recording the instructions pass 2 must rewrite: loads and
 * stores (biased offsets, dirty-page marks), `memory.size`, `memory.grow` and the bulk
 * memory operations (replaced by helper calls), and table bulk operations (charged by a
 * helper). Instructions the IC does not support are rejected here.
 */
import { InvalidWasmModuleError } from './errors.js';
import { readU32, skipLeb, type LebCursor } from '../../encoding/leb128.js';
import { Imm, MISC_OPS, OPS, PREFIX_MISC, PREFIX_SIMD, Role, SIMD_OPS, ValType, describeOpcode, type OpcodeTable } from './opcodes.js';
import { H_CHARGE, H_COPY, H_FILL, H_GROW, H_INIT, helperIndex, type Context } from './instrument-context.js';

// Event kinds recorded while scanning a body, replayed while writing it.
export const EV_POINT = 0;
export const EV_REENTRANT_POINT = 1;
export const EV_LOAD = 2;
export const EV_STORE = 3;
export const EV_MEMORY_SIZE = 4;
export const EV_CALL_BEFORE = 5; // insert `call helper` before the instruction, keep the instruction
export const EV_CALL_INSTEAD = 6; // replace the instruction with `call helper`

/**
 * The scan of one body: growable parallel arrays of events (no per-instruction objects),
 * plus where the body's locals and code start. One instance is reused for every body.
 */
export class BodyScan {
    /** Number of local declaration groups in the original body. */
    declCount = 0;
    /** First byte of the local declarations (after their count). */
    localsStart = 0;
    /** First byte of the body's code (after its locals). */
    codeStart = 0;
    /** Parameters plus declared locals: the index of the first scratch local. */
    localCount = 0;
    /** Bit `slot` set: the body needs the scratch local of that slot. */
    scratchMask = 0;

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
export function storeTypeSlot(type: number): number {
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
export const ADDRESS_SLOT = 5;
export const SCRATCH_TYPES = [ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.V128];

function unsupported(funcIndex: number, op: number, sub: number | undefined, at: number): InvalidWasmModuleError {
    return new InvalidWasmModuleError(
        `Wasm module function ${funcIndex} uses the instruction ${describeOpcode(op, sub)} at byte ${at}, which the Internet Computer does not support.`
    );
}

/** Scans the body in bytes [start, end) of function `funcIndex` into `ev`. */
export function scanBody(ctx: Context, bytes: Uint8Array, start: number, end: number, paramCount: number, funcIndex: number, ev: BodyScan, cursor: LebCursor): void {
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
    ev.declCount = declCount;
    ev.localsStart = localsStart;
    ev.codeStart = codeStart;
    ev.localCount = localCount;
    ev.scratchMask = scratchMask;
}
