/**
 * The header of a Candid message: magic, type table, argument types. Written once per list of
 * IDL types; read (and fully validated) once per distinct header seen.
 */
import { IDL } from '@dfinity/candid';

import { malformed, Unsupported } from './errors';
import { annotationCodes, compareBytes, fieldsOf, isBlobType, methodsOf, OP, PRIMITIVE_OPS, primitiveOp, resolve } from './idl';
import { decodeUtf8, Reader } from './reader';
import { Writer } from './writer';

const MAGIC = [0x44, 0x49, 0x44, 0x4c]; // "DIDL"

export type WireField = { id: number; type: number };
export type WireMethod = { name: string; bytes: Uint8Array; type: number };
/** One entry of a type table; type references are table indices (>= 0) or primitive opcodes (< 0). */
export type WireEntry =
    | { kind: 'opt'; inner: number }
    | { kind: 'vec'; inner: number }
    | { kind: 'record'; fields: WireField[] }
    | { kind: 'variant'; fields: WireField[] }
    | { kind: 'func'; args: number[]; rets: number[]; annotations: number[] }
    | { kind: 'service'; methods: WireMethod[] }
    /** A type from a later version of Candid (opcode below -24), skipped by its length. */
    | { kind: 'future' };

export type WireTable = WireEntry[];
export type WireHeader = { table: WireTable; args: number[]; end: number };

/**
 * The header of a message carrying values of `types`. Composite types get one table entry each
 * (by identity after resolving IDL.Rec; all blobs share one).
 */
export function writeHeader(types: IDL.Type[]): Uint8Array {
    const entries: Writer[] = [];
    const index = new Map<IDL.Type | 'blob', number>();
    const ref = (given: IDL.Type): number => {
        const type = resolve(given);
        const op = primitiveOp(type);
        if (op !== undefined) return op;
        const key = isBlobType(type) ? 'blob' : type;
        const known = index.get(key);
        if (known !== undefined) return known;
        const at = entries.length;
        index.set(key, at);
        const entry = new Writer();
        entries.push(entry);
        if (type instanceof IDL.OptClass || type instanceof IDL.VecClass) {
            const inner = ref(type._type);
            entry.sleb(type instanceof IDL.OptClass ? OP.opt : OP.vec);
            entry.sleb(inner);
        } else if (type instanceof IDL.RecordClass || type instanceof IDL.VariantClass) {
            const fields = fieldsOf(type).map((f) => ({ id: f.id, ref: ref(f.type) }));
            entry.sleb(type instanceof IDL.VariantClass ? OP.variant : OP.record);
            entry.leb(fields.length);
            for (const field of fields) {
                entry.leb(field.id);
                entry.sleb(field.ref);
            }
        } else if (type instanceof IDL.FuncClass) {
            const args = type.argTypes.map(ref);
            const rets = type.retTypes.map(ref);
            const annotations = annotationCodes(type);
            entry.sleb(OP.func);
            for (const list of [args, rets]) {
                entry.leb(list.length);
                for (const r of list) entry.sleb(r);
            }
            entry.leb(annotations.length);
            for (const a of annotations) entry.u8(a);
        } else if (type instanceof IDL.ServiceClass) {
            const methods = methodsOf(type).map((m) => ({ bytes: m.bytes, ref: ref(m.type) }));
            entry.sleb(OP.service);
            entry.leb(methods.length);
            for (const m of methods) {
                entry.leb(m.bytes.length);
                entry.bytes(m.bytes);
                entry.sleb(m.ref);
            }
        } else {
            throw new Unsupported(`type ${type.display()}`);
        }
        return at;
    };
    const refs = types.map(ref);
    const out = new Writer();
    for (const byte of MAGIC) out.u8(byte);
    out.leb(entries.length);
    for (const entry of entries) out.bytes(entry.finish());
    out.leb(refs.length);
    for (const r of refs) out.sleb(r);
    return out.finish().slice();
}

/** Parses and validates a message's header; throws CandidDecodeError('malformed') on any defect. */
export function readHeader(r: Reader): WireHeader {
    for (const byte of MAGIC) if (r.u8() !== byte) malformed('not a Candid message (no DIDL magic)');
    const count = r.count(1);
    const table: WireTable = [];
    const refs: number[] = [];
    const typeRef = (): number => {
        const t = r.sleb();
        refs.push(t);
        return t;
    };
    for (let i = 0; i < count; i++) {
        const op = r.sleb();
        if (op === OP.opt || op === OP.vec) table.push({ kind: op === OP.opt ? 'opt' : 'vec', inner: typeRef() });
        else if (op === OP.record || op === OP.variant) {
            const n = r.count(2);
            const fields: WireField[] = [];
            let previous = -1;
            for (let f = 0; f < n; f++) {
                const id = r.leb();
                if (id > 0xffffffff) malformed(`field id ${id} is above 2^32 - 1`);
                if (id <= previous) malformed('record or variant fields are not in increasing id order');
                previous = id;
                fields.push({ id, type: typeRef() });
            }
            table.push(op === OP.record ? { kind: 'record', fields } : { kind: 'variant', fields });
        } else if (op === OP.func) {
            const args: number[] = [];
            const rets: number[] = [];
            for (const list of [args, rets]) for (let n = r.count(1); n > 0; n--) list.push(typeRef());
            const annotations: number[] = [];
            for (let n = r.count(1); n > 0; n--) {
                const a = r.u8();
                if (a < 1 || a > 3) malformed(`unknown function annotation ${a}`);
                annotations.push(a);
            }
            table.push({ kind: 'func', args, rets, annotations });
        } else if (op === OP.service) {
            const methods: WireMethod[] = [];
            for (let n = r.count(2); n > 0; n--) {
                const bytes = r.take(r.leb());
                const name = decodeUtf8(bytes);
                const previous = methods[methods.length - 1];
                if (previous !== undefined && compareBytes(previous.bytes, bytes) >= 0) malformed('service methods are not in increasing name order');
                methods.push({ name, bytes, type: typeRef() });
            }
            table.push({ kind: 'service', methods });
        } else if (op < OP.principal) {
            r.take(r.leb());
            table.push({ kind: 'future' });
        } else malformed(`type table opcode ${op} is not a constructed type`);
    }
    const args: number[] = [];
    for (let n = r.count(1); n > 0; n--) args.push(typeRef());
    for (const t of refs) if (t >= count || (t < 0 && !PRIMITIVE_OPS.has(t))) malformed(`type reference ${t} is out of range`);
    for (const entry of table) {
        if (entry.kind !== 'service') continue;
        for (const m of entry.methods) if (table[m.type]?.kind !== 'func') malformed(`service method ${m.name} is not a function type`);
    }
    return { table, args, end: r.pos };
}
