/**
 * Section-level rewriting for the instrumenter: vector sections with entries appended,
 * the memory section grown by the heap bias, active data segments moved to their biased
 * offsets, and the final assembly of original and rewritten sections in Wasm order.
 */
import { InvalidWasmModuleError, WasmInstrumentationError } from './errors.js';
import { SectionId, WASM_MAGIC, type ParsedModule, type Section } from './parsed-module.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';
import { HEAP_BIAS_BYTES, HEAP_BIAS_PAGES, MAX_LOGICAL_PAGES, MAX_WASM32_PAGES } from './instrument-layout.js';

/**
 * The module with the sections in `builders` rewritten: original order, rewritten sections
 * swapped in, missing ones inserted where they belong, custom sections kept in place, and
 * the start section dropped (the engine calls `__replica_start` itself).
 */
export function assembleModule(module: ParsedModule, builders: ReadonlyMap<number, () => ByteWriter>): Uint8Array {
    const bytes = module.bytes;
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

    return out.finish();
}

function findSection(module: ParsedModule, id: number): Section | undefined {
    return module.sections.find((s) => s.id === id);
}

/** A vector section with `extra` entries appended (the original entries are copied). */
export function extendVector(module: ParsedModule, id: number, extra: number, append: (w: ByteWriter) => void): ByteWriter {
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

export function memorySection(module: ParsedModule): ByteWriter {
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

export function dataSection(module: ParsedModule): ByteWriter {
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
