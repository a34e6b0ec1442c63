/** What the codec needs to know about @dfinity/candid's IDL type objects: opcodes, fields, recursion. */
import { IDL, idlLabelToId } from '@dfinity/candid';

import { Unsupported } from './errors';

/** Type opcodes (negative SLEB128 in the type table). */
export const OP = {
    null: -1,
    bool: -2,
    nat: -3,
    int: -4,
    nat8: -5,
    nat16: -6,
    nat32: -7,
    nat64: -8,
    int8: -9,
    int16: -10,
    int32: -11,
    int64: -12,
    float32: -13,
    float64: -14,
    text: -15,
    reserved: -16,
    empty: -17,
    opt: -18,
    vec: -19,
    record: -20,
    variant: -21,
    func: -22,
    service: -23,
    principal: -24
} as const;

/** Opcodes that may appear as a type reference (primitive types). */
export const PRIMITIVE_OPS: ReadonlySet<number> = new Set<number>([OP.null, OP.bool, OP.nat, OP.int, OP.nat8, OP.nat16, OP.nat32, OP.nat64, OP.int8, OP.int16, OP.int32, OP.int64, OP.float32, OP.float64, OP.text, OP.reserved, OP.empty, OP.principal]);

/** Bytes of a fixed-width primitive's value (0: not fixed-width). */
export function fixedSize(op: number): number {
    switch (op) {
        case OP.bool:
        case OP.nat8:
        case OP.int8:
            return 1;
        case OP.nat16:
        case OP.int16:
            return 2;
        case OP.nat32:
        case OP.int32:
        case OP.float32:
            return 4;
        case OP.nat64:
        case OP.int64:
        case OP.float64:
            return 8;
        default:
            return 0;
    }
}

/** The type a recursive reference stands for (through any chain of IDL.Rec). */
export function resolve(type: IDL.Type): IDL.Type {
    let t = type;
    for (let hops = 0; t instanceof IDL.RecClass; hops++) {
        const inner = t.getType();
        if (inner === undefined || hops > 64) throw new Unsupported(`an unfilled recursive type ${t.display()}`);
        t = inner;
    }
    return t;
}

/** The opcode of a primitive type, or undefined for a constructed one. */
export function primitiveOp(type: IDL.Type): number | undefined {
    if (type instanceof IDL.NullClass) return OP.null;
    if (type instanceof IDL.BoolClass) return OP.bool;
    if (type instanceof IDL.NatClass) return OP.nat;
    if (type instanceof IDL.IntClass) return OP.int;
    if (type instanceof IDL.FixedNatClass) return { 8: OP.nat8, 16: OP.nat16, 32: OP.nat32, 64: OP.nat64 }[type._bits];
    if (type instanceof IDL.FixedIntClass) return { 8: OP.int8, 16: OP.int16, 32: OP.int32, 64: OP.int64 }[type._bits];
    if (type instanceof IDL.FloatClass) return type._bits === 32 ? OP.float32 : OP.float64;
    if (type instanceof IDL.TextClass) return OP.text;
    if (type instanceof IDL.ReservedClass) return OP.reserved;
    if (type instanceof IDL.EmptyClass) return OP.empty;
    if (type instanceof IDL.PrincipalClass) return OP.principal;
    return undefined;
}

export function isBlobType(type: IDL.Type): boolean {
    return type instanceof IDL.VecClass && type._type instanceof IDL.FixedNatClass && type._type._bits === 8;
}

/** `null <: type`: a value of it may be absent (null, opt or reserved). */
export function acceptsNull(type: IDL.Type): boolean {
    const t = resolve(type);
    return t instanceof IDL.NullClass || t instanceof IDL.OptClass || t instanceof IDL.ReservedClass;
}

/** The value an absent field or argument of a type that accepts null takes. */
export function absentValue(type: IDL.Type): unknown {
    return resolve(type) instanceof IDL.OptClass ? [] : null;
}

export type Field = { name: string; id: number; type: IDL.Type };

/** A record's or variant's fields with their label ids, sorted by id (a tuple's are 0..n-1). */
export function fieldsOf(type: IDL.RecordClass | IDL.VariantClass): Field[] {
    const fields = type._fields.map(([name, fieldType]) => ({ name, id: idlLabelToId(name), type: fieldType }));
    return fields.sort((a, b) => a.id - b.id);
}

/** Annotation bytes of a function type (query 1, oneway 2, composite_query 3). */
export function annotationCodes(type: IDL.FuncClass): number[] {
    return type.annotations.map((a) => {
        const code = { query: 1, oneway: 2, composite_query: 3 }[a];
        if (code === undefined) throw new Unsupported(`function annotation ${a}`);
        return code;
    });
}

const utf8 = new TextEncoder();

/** A service's methods sorted by the UTF-8 bytes of their names, as the binary format requires. */
export function methodsOf(type: IDL.ServiceClass): Array<{ name: string; bytes: Uint8Array; type: IDL.Type }> {
    return type._fields.map(([name, fn]) => ({ name, bytes: utf8.encode(name), type: fn as IDL.Type })).sort((a, b) => compareBytes(a.bytes, b.bytes));
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
}
