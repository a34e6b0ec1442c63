/**
 * Candid types as written in `.did` files (spec "Type Structure"), before any name is resolved:
 * the data a subtype checker or a converter to IDL objects works from.
 */

export const PRIMITIVE_TYPES = ['null', 'bool', 'nat', 'int', 'nat8', 'nat16', 'nat32', 'nat64', 'int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'text', 'reserved', 'empty', 'principal'] as const;
export type PrimitiveName = (typeof PRIMITIVE_TYPES)[number];

export type FuncAnnotation = 'query' | 'oneway' | 'composite_query';

/** A field's label: a name (hashed to its id), an explicit number, or none (a tuple position). */
export type FieldLabel = { kind: 'name'; name: string } | { kind: 'id'; id: number } | { kind: 'position'; index: number };

export type Field = { label: FieldLabel; type: CandidType };
export type FuncType = { kind: 'func'; args: CandidType[]; rets: CandidType[]; annotations: FuncAnnotation[] };
export type Method = { name: string; type: FuncType | { kind: 'ref'; name: string } };

export type CandidType =
    | { kind: 'primitive'; name: PrimitiveName }
    | { kind: 'opt'; inner: CandidType }
    | { kind: 'vec'; inner: CandidType }
    | { kind: 'record'; fields: Field[] }
    | { kind: 'variant'; fields: Field[] }
    | FuncType
    | { kind: 'service'; methods: Method[] }
    /** A type defined by name elsewhere in the file. */
    | { kind: 'ref'; name: string };

export type TypeDefinition = { name: string; type: CandidType };

/** The Candid field-name hash (spec: `hash(id) = (Σ utf8(id)[i] * 223^(k-i)) mod 2^32`). */
export function labelHash(name: string): number {
    let hash = 0;
    for (const byte of new TextEncoder().encode(name)) hash = (Math.imul(hash, 223) + byte) >>> 0;
    return hash;
}

/** The numeric id of a field label. */
export function labelId(label: FieldLabel): number {
    return label.kind === 'name' ? labelHash(label.name) : label.kind === 'id' ? label.id : label.index;
}
