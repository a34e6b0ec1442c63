/**
 * Pass 2 of instrumenting a function body: writes it out with the events pass 1 recorded
 * replayed in place — metering charges and budget checks at injection points, biased
 * load/store offsets, dirty-page marks after stores, logical `memory.size`, helper calls
 * — plus the scratch locals stores need. Also the loop over every body of a module.
 */
import { InvalidWasmModuleError } from './errors.js';
import type { LebCursor } from '../../encoding/leb128.js';
import { ValType } from './opcodes.js';
import { ByteWriter } from './writer.js';
import { TRAP_OUT_OF_BOUNDS, type Context } from './instrument-context.js';
import { DIRTY_PAGE_SHIFT, HEAP_BIAS_BYTES, HEAP_BIAS_PAGES } from './instrument-layout.js';
import { ADDRESS_SLOT, BodyScan, EV_CALL_BEFORE, EV_CALL_INSTEAD, EV_LOAD, EV_MEMORY_SIZE, EV_POINT, EV_REENTRANT_POINT, EV_STORE, SCRATCH_TYPES, scanBody, storeTypeSlot } from './instrument-scan.js';

/** Instruments every function body; returns the bodies (without the count). */
export function instrumentCode(ctx: Context): ByteWriter {
    const module = ctx.module;
    const bytes = module.bytes;
    const out = new ByteWriter(Math.ceil(module.codeSectionSize * 1.6) + 1024);
    const scan = new BodyScan();
    const cursor: LebCursor = { pos: 0 };
    for (let f = 0; f < module.bodyStarts.length; f++) {
        const start = module.bodyStarts[f]!;
        const end = module.bodyEnds[f]!;
        const type = module.types[module.functionTypes[f]!];
        if (type === undefined) throw new InvalidWasmModuleError(`Wasm module is malformed: function ${f} has an unknown type.`);
        scanBody(ctx, bytes, start, end, type.params.length, module.importedFunctionCount + f, scan, cursor);
        writeBody(ctx, bytes, end, scan, out);
    }
    return out;
}

/** Writes the scanned body (size-prefixed), ending at byte `end` of the original. */
function writeBody(ctx: Context, bytes: Uint8Array, end: number, ev: BodyScan, out: ByteWriter): void {
    // Scratch locals for stores: the address, then one per stored value type.
    const scratch = new Int32Array(ADDRESS_SLOT + 1).fill(-1); // slot -> local index
    let extraDecls = 0;
    let nextLocal = ev.localCount;
    for (let slot = 0; slot <= ADDRESS_SLOT; slot++) {
        if (ev.scratchMask & (1 << slot)) {
            scratch[slot] = nextLocal++;
            extraDecls++;
        }
    }

    // Pass 2: write the body.
    const sizeAt = out.placeholderU32();
    const bodyStart = out.length;
    out.u32(ev.declCount + extraDecls);
    out.copy(bytes, ev.localsStart, ev.codeStart);
    for (let slot = 0; slot <= ADDRESS_SLOT; slot++) {
        if (scratch[slot]! >= 0) {
            out.u8(1);
            out.u8(slot === ADDRESS_SLOT ? ValType.I32 : SCRATCH_TYPES[slot]!);
        }
    }
    const { chargePrefix, chargeSuffix, check } = ctx.snippets;
    const addressLocal = scratch[ADDRESS_SLOT]!;
    let copied = ev.codeStart;
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
