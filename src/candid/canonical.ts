/**
 * A canonical text of an IDL type: named (IDL.Rec) types are written out where they are used,
 * and fields come in id order, so two types print alike exactly when they are structurally
 * equal, whatever their type names or how they were built (generated, converted from a `.did`, by hand).
 */
import { IDL } from '@dfinity/candid';

export function canonicalType(type: IDL.Type, open: IDL.Type[] = []): string {
    if (type instanceof IDL.RecClass) {
        const inner = type.getType();
        if (inner === undefined) throw new TypeError('an IDL.Rec that was never filled');
        // A recursive type refers back to the type being printed: name it by its depth.
        const depth = open.indexOf(type);
        if (depth >= 0) return `μ${depth}`;
        return canonicalType(inner, [...open, type]);
    }
    if (type instanceof IDL.OptClass) return `opt ${canonicalType(type._type, open)}`;
    if (type instanceof IDL.VecClass) return `vec ${canonicalType(type._type, open)}`;
    if (type instanceof IDL.RecordClass || type instanceof IDL.VariantClass) {
        const kind = type instanceof IDL.RecordClass ? 'record' : 'variant';
        // @dfinity/candid keeps fields sorted by id.
        const fields = type._fields.map(([name, t]) => `${name}:${canonicalType(t, open)}`);
        return `${kind} {${fields.join('; ')}}`;
    }
    if (type instanceof IDL.FuncClass) return canonicalFunc(type, open);
    if (type instanceof IDL.ServiceClass) return `service {${type._fields.map(([name, f]) => `${name}:${canonicalFunc(f, open)}`).join('; ')}}`;
    return type.display();
}

export function canonicalFunc(func: IDL.FuncClass, open: IDL.Type[] = []): string {
    const list = (types: IDL.Type[]): string => types.map((t) => canonicalType(t, open)).join(', ');
    return `(${list(func.argTypes)}) -> (${list(func.retTypes)})${func.annotations.map((a) => ` ${a}`).join('')}`;
}
