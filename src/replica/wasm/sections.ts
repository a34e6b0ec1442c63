/**
 * Splits a Wasm binary into its sections (checking their order) and decodes the parts
 * the replica needs into a `ParsedModule`. Function bodies and element segments are only
 * located, not decoded: the instrumenter walks the bodies itself and elements pass
 * through unchanged. The per-entry decoders are in `section-readers.ts`.
 */
import { InvalidWasmModuleError } from './errors.js';
import { ExternalKind, SectionId, WASM_MAGIC, type CustomSection, type ParsedModule, type Section } from './parsed-module.js';
import { ByteReader } from './reader.js';
import { readDataSegment, readImports, readMemoryType, readTableType, readTypes, readVector, skipConstExpr } from './section-readers.js';

/** The exception-handling proposal's tag section. */
const TAG_SECTION_ID = 13;

/** The order non-custom sections must appear in (datacount sits between element and code). */
const SECTION_ORDER: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

/** Parses the section structure of a raw (uncompressed) Wasm binary. */
export function parseModule(bytes: Uint8Array): ParsedModule {
    for (let i = 0; i < WASM_MAGIC.length; i++) {
        if (bytes[i] !== WASM_MAGIC[i]) {
            throw new InvalidWasmModuleError(
                'Wasm module is malformed: it does not start with the Wasm magic number and version 1 (00 61 73 6d 01 00 00 00).'
            );
        }
    }
    const sections: Section[] = [];
    const r = new ByteReader(bytes, WASM_MAGIC.length);
    let lastOrder = 0;
    while (!r.atEnd) {
        const start = r.pos;
        const id = r.u8();
        const size = r.u32();
        const contentStart = r.pos;
        if (size > r.end - contentStart) throw r.fail(`section ${id} runs past the end of the module`, start);
        const end = contentStart + size;
        if (id !== SectionId.Custom) {
            const order = SECTION_ORDER[id];
            if (id === TAG_SECTION_ID) {
                throw new InvalidWasmModuleError(
                    'Wasm module uses exception handling (it has a tag section), which the Internet Computer does not support.'
                );
            }
            if (order === undefined) throw r.fail(`unknown section id ${id}`, start);
            if (order <= lastOrder) throw r.fail(`section ${id} is duplicated or out of order`, start);
            lastOrder = order;
        }
        sections.push({ id, start, contentStart, end });
        r.pos = end;
    }

    const module: {
        -readonly [K in keyof ParsedModule]: ParsedModule[K];
    } = {
        bytes,
        sections,
        types: [],
        imports: [],
        importedFunctionCount: 0,
        importedGlobalCount: 0,
        importedMemoryCount: 0,
        importedTableCount: 0,
        functionTypes: new Uint32Array(0),
        tables: [],
        memories: [],
        globals: [],
        exports: [],
        start: null,
        dataCount: null,
        bodyStarts: new Uint32Array(0),
        bodyEnds: new Uint32Array(0),
        codeSectionSize: 0,
        dataSegments: [],
        customSections: []
    };

    const customSections: CustomSection[] = [];
    for (const section of sections) {
        const s = new ByteReader(bytes, section.contentStart, section.end);
        switch (section.id) {
            case SectionId.Custom: {
                const name = s.name();
                customSections.push({ name, contentStart: s.pos, contentEnd: section.end });
                s.pos = section.end;
                break;
            }
            case SectionId.Type:
                module.types = readTypes(s);
                break;
            case SectionId.Import: {
                const imports = readImports(s);
                module.imports = imports;
                for (const imp of imports) {
                    if (imp.kind === ExternalKind.Function) module.importedFunctionCount++;
                    else if (imp.kind === ExternalKind.Global) module.importedGlobalCount++;
                    else if (imp.kind === ExternalKind.Memory) module.importedMemoryCount++;
                    else if (imp.kind === ExternalKind.Table) module.importedTableCount++;
                }
                break;
            }
            case SectionId.Function: {
                const count = s.u32();
                if (count > s.end - s.pos) throw s.fail('function section count is larger than the section');
                const types = new Uint32Array(count);
                for (let i = 0; i < count; i++) types[i] = s.u32();
                module.functionTypes = types;
                break;
            }
            case SectionId.Table:
                module.tables = readVector(s, () => readTableType(s));
                break;
            case SectionId.Memory:
                module.memories = readVector(s, () => readMemoryType(s));
                break;
            case SectionId.Global:
                module.globals = readVector(s, () => {
                    const valueType = s.u8();
                    const mutability = s.u8();
                    if (mutability > 1) throw s.fail('invalid global mutability');
                    skipConstExpr(s);
                    return { valueType, mutable: mutability === 1 };
                });
                break;
            case SectionId.Export:
                module.exports = readVector(s, () => {
                    const name = s.name();
                    const kind = s.u8();
                    const index = s.u32();
                    return { name, kind, index };
                });
                break;
            case SectionId.Start:
                module.start = s.u32();
                break;
            case SectionId.Element:
                // Passed through unchanged; nothing here needs decoding.
                s.pos = section.end;
                break;
            case SectionId.DataCount:
                module.dataCount = s.u32();
                break;
            case SectionId.Code: {
                module.codeSectionSize = section.end - section.contentStart;
                const count = s.u32();
                if (count > s.end - s.pos) throw s.fail('code section count is larger than the section');
                const starts = new Uint32Array(count);
                const ends = new Uint32Array(count);
                for (let i = 0; i < count; i++) {
                    const size = s.u32();
                    starts[i] = s.pos;
                    s.skip(size);
                    ends[i] = s.pos;
                }
                module.bodyStarts = starts;
                module.bodyEnds = ends;
                break;
            }
            case SectionId.Data:
                module.dataSegments = readVector(s, () => readDataSegment(s));
                break;
        }
        if (s.pos !== section.end) throw s.fail(`section ${section.id} has trailing or missing bytes`);
    }
    module.customSections = customSections;

    if (module.functionTypes.length !== module.bodyStarts.length) {
        throw new InvalidWasmModuleError(
            `Wasm module is malformed: the function section declares ${module.functionTypes.length} functions but the code section has ${module.bodyStarts.length} bodies.`
        );
    }
    return module;
}
