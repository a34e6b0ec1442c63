/**
 * The shape of a parsed Wasm module: section and import/export kind codes, the decoded
 * parts (types, imports, tables, memories, globals, exports, data segments, custom
 * sections) and small queries over them. `sections.ts` fills it in.
 *
 * Ranges are byte offsets into `ParsedModule.bytes`, so writers can copy original bytes.
 */
import { ValType } from './opcodes.js';

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
