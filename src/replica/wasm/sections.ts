/**
 * Splits a Wasm binary into its sections and decodes the parts the replica needs
 * (types, imports, functions, tables, memories, globals, exports, start, data, custom
 * sections). Function bodies and element segments are only located, not decoded: the
 * instrumenter walks the bodies itself and elements pass through unchanged.
 *
 * Ranges are byte offsets into `ParsedModule.bytes`, so writers can copy original bytes.
 */
import { InvalidWasmModuleError } from './errors.js';
import { ByteReader } from './reader.js';
import { Imm, OPS, PREFIX_SIMD, SIMD_OPS, ValType } from './opcodes.js';

export const SectionId = {
    Custom: 0,
    Type: 1,
    Import: 2,
    Function: 3,
    Table: 4,
    Memory: 5,
    Global: 6,
    Export: 7,
    Start: 8,
    Element: 9,
    Code: 10,
    Data: 11,
    DataCount: 12
} as const;

/** Import / export kinds. */
export const ExternalKind = { Function: 0, Table: 1, Memory: 2, Global: 3, Tag: 4 } as const;

export const WASM_MAGIC = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/** The exception-handling proposal's tag section. */
const TAG_SECTION_ID = 13;

/** The order non-custom sections must appear in (datacount sits between element and code). */
const SECTION_ORDER: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

export interface Section {
    readonly id: number;
    /** First byte of the section (its id byte). */
    readonly start: number;
    /** First byte of the section's content (after id and size). */
    readonly contentStart: number;
    /** One past the section's last byte. */
    readonly end: number;
}

export interface FuncType {
    readonly params: readonly number[];
    readonly results: readonly number[];
}

export interface Import {
    readonly module: string;
    readonly name: string;
    readonly kind: number;
    /** The function's type index (functions only, else -1). */
    readonly typeIndex: number;
    /** For memory imports, its limits. */
    readonly memory?: MemoryType;
}

export interface MemoryType {
    readonly min: number;
    readonly max: number | null;
    readonly is64: boolean;
    readonly shared: boolean;
}

export interface TableType {
    readonly refType: number;
    readonly min: number;
    readonly max: number | null;
}

export interface Global {
    readonly valueType: number;
    readonly mutable: boolean;
}

export interface Export {
    readonly name: string;
    readonly kind: number;
    readonly index: number;
}

export interface DataSegment {
    readonly active: boolean;
    readonly memoryIndex: number;
    /** For active segments whose offset is exactly `i32.const c`: c as u32; else null. */
    readonly offset: number | null;
    /** The offset expression's bytes (active segments only), including its `end`. */
    readonly offsetExprStart: number;
    readonly offsetExprEnd: number;
    /** The segment's bytes (after the length prefix). */
    readonly dataStart: number;
    readonly dataEnd: number;
    /** The whole segment entry, from its flags to its last data byte. */
    readonly start: number;
    readonly end: number;
}

export interface CustomSection {
    readonly name: string;
    readonly contentStart: number;
    readonly contentEnd: number;
}

export interface ParsedModule {
    readonly bytes: Uint8Array;
    /** All sections in file order, custom ones included. */
    readonly sections: readonly Section[];
    readonly types: readonly FuncType[];
    readonly imports: readonly Import[];
    readonly importedFunctionCount: number;
    readonly importedGlobalCount: number;
    readonly importedMemoryCount: number;
    readonly importedTableCount: number;
    /** Type index of each defined (non-imported) function. */
    readonly functionTypes: Uint32Array;
    readonly tables: readonly TableType[];
    readonly memories: readonly MemoryType[];
    readonly globals: readonly Global[];
    readonly exports: readonly Export[];
    readonly start: number | null;
    readonly dataCount: number | null;
    /** Body ranges (after each body's size prefix), one per defined function. */
    readonly bodyStarts: Uint32Array;
    readonly bodyEnds: Uint32Array;
    /** Size of the code section's content in bytes (0 if absent). */
    readonly codeSectionSize: number;
    readonly dataSegments: readonly DataSegment[];
    readonly customSections: readonly CustomSection[];
}

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

function readVector<T>(s: ByteReader, readOne: () => T): T[] {
    const count = s.u32();
    if (count > s.end - s.pos) throw s.fail('vector count is larger than the section');
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readOne());
    return items;
}

function readTypes(s: ByteReader): FuncType[] {
    return readVector(s, () => {
        const form = s.u8();
        if (form !== 0x60) throw s.fail(`unsupported type form 0x${form.toString(16)} (only function types are supported)`, s.pos - 1);
        const params = readVector(s, () => s.u8());
        const results = readVector(s, () => s.u8());
        return { params, results };
    });
}

function readImports(s: ByteReader): Import[] {
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

function readTableType(s: ByteReader): TableType {
    const refType = s.u8();
    const flags = s.u8();
    if (flags > 1) throw s.fail(`unsupported table limits flags 0x${flags.toString(16)}`, s.pos - 1);
    const min = s.u32();
    const max = flags & 1 ? s.u32() : null;
    return { refType, min, max };
}

function readMemoryType(s: ByteReader): MemoryType {
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

function readDataSegment(s: ByteReader): DataSegment {
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
function skipConstExpr(s: ByteReader): void {
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

/** A value type's text name. */
export function valueTypeName(code: number): string {
    switch (code) {
        case ValType.I32:
            return 'i32';
        case ValType.I64:
            return 'i64';
        case ValType.F32:
            return 'f32';
        case ValType.F64:
            return 'f64';
        case ValType.V128:
            return 'v128';
        case ValType.FuncRef:
            return 'funcref';
        case ValType.ExternRef:
            return 'externref';
        default:
            return `type 0x${code.toString(16)}`;
    }
}

/** The type of function `index` in the function index space (imports first). */
export function functionType(module: ParsedModule, index: number): FuncType | undefined {
    let typeIndex: number | undefined;
    if (index < module.importedFunctionCount) {
        let seen = 0;
        for (const imp of module.imports) {
            if (imp.kind !== ExternalKind.Function) continue;
            if (seen++ === index) {
                typeIndex = imp.typeIndex;
                break;
            }
        }
    } else {
        typeIndex = module.functionTypes[index - module.importedFunctionCount];
    }
    return typeIndex === undefined ? undefined : module.types[typeIndex];
}
