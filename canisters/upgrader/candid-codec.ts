/**
 * Candid compiled from IDL types: the upgrader's fast path for every message it reads or writes
 * and for its stable records. Pure (no Azle import), so it is tested in Node against
 * @dfinity/candid.
 *
 * Why: in QuickJS, @dfinity/candid rebuilds a message's type table on every encode (27 million
 * instructions for `Result<nat64>`, 55 million for `Result<Proposal>`), parses and type-checks
 * the table on every decode (17 million for a `canister_status` reply), and copies a 1 MiB blob
 * argument twice. Here:
 *
 * - the header of a message (magic, type table, argument types) depends only on the types, so
 *   it is written once per list of types and kept;
 * - values are written and read by closures compiled once per IDL type, into one buffer, with
 *   blobs copied in one `set` on the way out and read as views (no copy) on the way in;
 * - an incoming header is parsed once: its decoding plan (which wire fields to read into which
 *   expected fields, which to skip) is kept under the header's bytes, so later messages with the
 *   same header go straight to the values.
 *
 * Subtyping is supported where the upgrader meets it (record fields missing or extra, an absent
 * `opt` field, `nat` read as `int`); anything else this module does not handle (recursive types,
 * func and service references, vectors of wide fixed-size numbers, a wire type that needs the
 * special `opt` rules) throws `Unsupported` when the plan is built, and `decodeMessage` then
 * hands the message to @dfinity/candid, which stays the reference. A value that is malformed
 * for its header throws while decoding, and is likewise handed over, so the error a caller sees
 * is the library's.
 *
 * Stable records are the Candid value encoding of their type without the header (`valueCodec`):
 * compact (a principal is its bytes plus two, a nat32 four bytes, a nat64 eight) and read back by
 * the same decoder, planned against the type's own table.
 *
 * Bounds: a vector's length is checked against the bytes left before anything is allocated, and
 * values nested deeper than MAX_DEPTH are refused.
 */
import { IDL, idlLabelToId } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

/** A type this module does not compile; callers fall back to @dfinity/candid. */
export class Unsupported extends Error {
    constructor(what: string) {
        super(`candid-codec: ${what} is not supported`);
        this.name = 'Unsupported';
    }
}

// ------------------------------------------------------------------ bytes

const MAGIC = [0x44, 0x49, 0x44, 0x4c]; // "DIDL"
/** Blobs at least this long are kept as separate parts and copied once, when the message is assembled. */
const LARGE_BLOB = 64 * 1024;
/** Nesting depth at which a value is refused (a hostile recursive wire type). */
const MAX_DEPTH = 256;

const utf8Encoder = new TextEncoder();
let utf8Decoder: TextDecoder | undefined;
function decodeUtf8(bytes: Uint8Array): string {
    utf8Decoder ??= new TextDecoder('utf-8', { fatal: true });
    return utf8Decoder.decode(bytes);
}

/** An output buffer that grows by doubling; large blobs are appended as parts, not copied. */
class Writer {
    buf = new Uint8Array(256);
    view = new DataView(this.buf.buffer);
    pos = 0;
    parts: Uint8Array[] = [];
    partsBytes = 0;

    room(n: number): void {
        if (this.pos + n <= this.buf.length) return;
        let size = this.buf.length * 2;
        while (size < this.pos + n) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(0, this.pos));
        this.buf = next;
        this.view = new DataView(next.buffer);
    }

    u8(value: number): void {
        if (this.pos >= this.buf.length) this.room(1);
        this.buf[this.pos++] = value;
    }

    bytes(value: Uint8Array): void {
        if (value.length >= LARGE_BLOB) {
            this.parts.push(this.buf.subarray(0, this.pos), value);
            this.partsBytes += this.pos + value.length;
            this.buf = new Uint8Array(256);
            this.view = new DataView(this.buf.buffer);
            this.pos = 0;
            return;
        }
        this.room(value.length);
        this.buf.set(value, this.pos);
        this.pos += value.length;
    }

    /** Unsigned LEB128 of a safe integer. */
    leb(value: number): void {
        this.room(8);
        let rest = value;
        while (rest >= 0x80) {
            this.buf[this.pos++] = (rest % 0x80) | 0x80;
            rest = Math.floor(rest / 0x80);
        }
        this.buf[this.pos++] = rest;
    }

    /** Signed LEB128 of a safe integer. */
    sleb(value: number): void {
        this.room(8);
        let rest = value;
        for (;;) {
            const byte = ((rest % 0x80) + 0x80) % 0x80;
            rest = Math.floor(rest / 0x80);
            const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
            this.buf[this.pos++] = done ? byte : byte | 0x80;
            if (done) return;
        }
    }

    lebBig(value: bigint): void {
        let rest = value;
        do {
            const byte = Number(rest & 0x7fn);
            rest >>= 7n;
            this.u8(rest === 0n ? byte : byte | 0x80);
        } while (rest !== 0n);
    }

    slebBig(value: bigint): void {
        let rest = value;
        for (;;) {
            const byte = Number(rest & 0x7fn);
            rest >>= 7n;
            const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
            this.u8(done ? byte : byte | 0x80);
            if (done) return;
        }
    }

    /** `bytes` little-endian bytes of an integer (nat16/32, int16/32 as two's complement). */
    fixed(bytes: 2 | 4, value: number): void {
        this.room(4);
        if (bytes === 2) this.view.setUint16(this.pos, value & 0xffff, true);
        else this.view.setUint32(this.pos, value >>> 0, true);
        this.pos += bytes;
    }

    u64(value: bigint): void {
        this.room(8);
        this.view.setBigUint64(this.pos, value, true);
        this.pos += 8;
    }

    i64(value: bigint): void {
        this.room(8);
        this.view.setBigInt64(this.pos, value, true);
        this.pos += 8;
    }

    float(bits: number, value: number): void {
        this.room(8);
        if (bits === 32) this.view.setFloat32(this.pos, value, true);
        else this.view.setFloat64(this.pos, value, true);
        this.pos += bits / 8;
    }

    /** The bytes written, in one array (a view of the buffer when nothing large was appended). */
    finish(): Uint8Array {
        if (this.parts.length === 0) return this.buf.subarray(0, this.pos);
        const out = new Uint8Array(this.partsBytes + this.pos);
        let at = 0;
        for (const part of [...this.parts, this.buf.subarray(0, this.pos)]) {
            out.set(part, at);
            at += part.length;
        }
        return out;
    }
}

/** A cursor over bytes being decoded; every read checks its bounds. */
class Reader {
    readonly bytes: Uint8Array;
    readonly view: DataView;
    pos = 0;
    depth = 0;

    constructor(bytes: Uint8Array) {
        this.bytes = bytes;
        this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }

    need(n: number): void {
        if (n < 0 || this.pos + n > this.bytes.length) throw new RangeError('candid-codec: unexpected end of the message');
    }

    u8(): number {
        this.need(1);
        return this.bytes[this.pos++] ?? 0;
    }

    /** Unsigned LEB128, at most 2^53 - 1. */
    leb(): number {
        let value = 0;
        let scale = 1;
        for (;;) {
            const byte = this.u8();
            value += (byte & 0x7f) * scale;
            if (value > Number.MAX_SAFE_INTEGER) throw new RangeError('candid-codec: LEB128 number too large');
            if ((byte & 0x80) === 0) return value;
            scale *= 0x80;
        }
    }

    /** Signed LEB128 of a small number (type references and opcodes). */
    sleb(): number {
        let value = 0;
        let scale = 1;
        for (;;) {
            const byte = this.u8();
            value += (byte & 0x7f) * scale;
            scale *= 0x80;
            if (scale > 2 ** 56) throw new RangeError('candid-codec: SLEB128 number too large');
            if ((byte & 0x80) === 0) return (byte & 0x40) !== 0 ? value - scale : value;
        }
    }

    lebBig(): bigint {
        let value = 0n;
        let shift = 0n;
        for (;;) {
            const byte = this.u8();
            value |= BigInt(byte & 0x7f) << shift;
            shift += 7n;
            if ((byte & 0x80) === 0) return value;
        }
    }

    slebBig(): bigint {
        let value = 0n;
        let shift = 0n;
        for (;;) {
            const byte = this.u8();
            value |= BigInt(byte & 0x7f) << shift;
            shift += 7n;
            if ((byte & 0x80) === 0) return (byte & 0x40) !== 0 ? value - (1n << shift) : value;
        }
    }

    /** `n` bytes as a view of the input (no copy). */
    take(n: number): Uint8Array {
        this.need(n);
        const out = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        return out;
    }

    /** The length of a vector, refused when the bytes left cannot hold that many elements of `minBytes`. */
    count(minBytes: number): number {
        const n = this.leb();
        if (n * minBytes > this.bytes.length - this.pos) throw new RangeError('candid-codec: vector longer than the message');
        return n;
    }
}

// ------------------------------------------------------------------ types

/** Primitive opcodes (negative SLEB128 in the type table). */
const OP = {
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

function isBlobType(type: IDL.Type): boolean {
    return type instanceof IDL.VecClass && type._type instanceof IDL.FixedNatClass && type._type._bits === 8;
}

/** The opcode of a primitive type, or undefined for a constructed one. */
function primitiveOp(type: IDL.Type): number | undefined {
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

/** A record's or variant's fields with their label ids (already sorted by id, as IDL keeps them). */
function fieldsOf(type: IDL.RecordClass | IDL.VariantClass): Array<{ name: string; id: number; type: IDL.Type }> {
    if (type instanceof IDL.TupleClass) throw new Unsupported('a tuple type');
    return type._fields.map(([name, fieldType]) => ({ name, id: idlLabelToId(name), type: fieldType }));
}

/**
 * The header of a message carrying values of `types`: magic, type table, argument types.
 * Composite types get one table entry each (by identity; all blobs share one).
 */
function writeHeader(types: IDL.Type[]): Uint8Array {
    const entries: Writer[] = [];
    const index = new Map<IDL.Type | 'blob', number>();
    const ref = (type: IDL.Type): number => {
        const op = primitiveOp(type);
        if (op !== undefined) return op;
        const key = isBlobType(type) ? 'blob' : type;
        const known = index.get(key);
        if (known !== undefined) return known;
        const at = entries.length;
        index.set(key, at);
        const entry = new Writer();
        entries.push(entry);
        if (type instanceof IDL.OptClass) {
            entry.sleb(OP.opt);
            entry.sleb(ref(type._type));
        } else if (type instanceof IDL.VecClass) {
            entry.sleb(OP.vec);
            entry.sleb(ref(type._type));
        } else if (type instanceof IDL.RecordClass || type instanceof IDL.VariantClass) {
            const fields = fieldsOf(type);
            entry.sleb(type instanceof IDL.RecordClass ? OP.record : OP.variant);
            entry.leb(fields.length);
            for (const field of fields) {
                entry.leb(field.id);
                entry.sleb(ref(field.type));
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

// ------------------------------------------------------------------ encoding values

type Encoder = (w: Writer, value: unknown) => void;

const encoders = new WeakMap<IDL.Type, Encoder>();

function fail(type: IDL.Type, value: unknown): never {
    throw new TypeError(`candid-codec: ${typeof value === 'object' ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : String(value)} is not a ${type.display()}`);
}

function bigintOf(type: IDL.Type, value: unknown, min?: bigint, max?: bigint): bigint {
    const big = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : fail(type, value);
    if ((min !== undefined && big < min) || (max !== undefined && big > max)) fail(type, value);
    return big;
}

/** The encoder of `type`'s values (compiled once per type object). */
function encoderOf(type: IDL.Type): Encoder {
    let encoder = encoders.get(type);
    if (encoder === undefined) {
        encoder = compileEncoder(type);
        encoders.set(type, encoder);
    }
    return encoder;
}

function compileEncoder(type: IDL.Type): Encoder {
    if (type instanceof IDL.NullClass || type instanceof IDL.ReservedClass) return () => undefined;
    if (type instanceof IDL.BoolClass) {
        return (w, v) => {
            if (typeof v !== 'boolean') fail(type, v);
            w.u8(v ? 1 : 0);
        };
    }
    if (type instanceof IDL.TextClass) {
        return (w, v) => {
            if (typeof v !== 'string') fail(type, v);
            const bytes = utf8Encoder.encode(v);
            w.leb(bytes.length);
            w.bytes(bytes);
        };
    }
    if (type instanceof IDL.NatClass) return (w, v) => w.lebBig(bigintOf(type, v, 0n));
    if (type instanceof IDL.IntClass) return (w, v) => w.slebBig(bigintOf(type, v));
    if (type instanceof IDL.FixedNatClass || type instanceof IDL.FixedIntClass) {
        const bits = type._bits;
        const signed = type instanceof IDL.FixedIntClass;
        if (bits === 64) {
            const min = signed ? -(2n ** 63n) : 0n;
            const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
            return (w, v) => {
                const big = typeof v === 'bigint' ? v : bigintOf(type, v);
                if (big < min || big > max) fail(type, v);
                if (signed) w.i64(big);
                else w.u64(big);
            };
        }
        const min = signed ? -(2 ** (bits - 1)) : 0;
        const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
        const width = bits / 8;
        return (w, v) => {
            if (typeof v !== 'number' || !(v >= min && v <= max) || !Number.isInteger(v)) fail(type, v);
            if (width === 1) w.u8(v & 0xff);
            else w.fixed(width === 2 ? 2 : 4, v);
        };
    }
    if (type instanceof IDL.FloatClass) {
        const bits = type._bits;
        return (w, v) => w.float(bits, typeof v === 'number' ? v : fail(type, v));
    }
    if (type instanceof IDL.PrincipalClass) {
        return (w, v) => {
            if (typeof v !== 'object' || v === null || Reflect.get(v, '_isPrincipal') !== true) fail(type, v);
            const bytes = (v as Principal).toUint8Array();
            w.u8(1);
            w.leb(bytes.length);
            w.bytes(bytes);
        };
    }
    if (type instanceof IDL.OptClass) {
        const inner = encoderOf(type._type);
        return (w, v) => {
            if (!Array.isArray(v) || v.length > 1) fail(type, v);
            if (v.length === 0) w.u8(0);
            else {
                w.u8(1);
                inner(w, v[0]);
            }
        };
    }
    if (type instanceof IDL.VecClass) {
        if (isBlobType(type)) {
            return (w, v) => {
                if (v instanceof Uint8Array) {
                    w.leb(v.length);
                    w.bytes(v);
                } else if (Array.isArray(v)) {
                    w.leb(v.length);
                    for (const byte of v) {
                        if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < 0 || byte > 255) fail(type._type, byte);
                        w.u8(byte);
                    }
                } else fail(type, v);
            };
        }
        if (type._type instanceof IDL.FixedNatClass || type._type instanceof IDL.FixedIntClass) throw new Unsupported(`a vector of ${type._type.display()}`);
        const element = encoderOf(type._type);
        return (w, v) => {
            if (!Array.isArray(v)) fail(type, v);
            w.leb(v.length);
            for (const item of v) element(w, item);
        };
    }
    if (type instanceof IDL.RecordClass) {
        const fields = fieldsOf(type).map((f) => ({ name: f.name, encode: encoderOf(f.type) }));
        return (w, v) => {
            if (typeof v !== 'object' || v === null) fail(type, v);
            const record = v as Record<string, unknown>;
            for (const field of fields) {
                const value = record[field.name];
                if (value === undefined && !(field.name in record)) throw new TypeError(`candid-codec: record field ${field.name} is missing`);
                field.encode(w, value);
            }
        };
    }
    if (type instanceof IDL.VariantClass) {
        const cases = new Map(fieldsOf(type).map((f, i) => [f.name, { index: i, encode: encoderOf(f.type) }]));
        return (w, v) => {
            if (typeof v !== 'object' || v === null) fail(type, v);
            const keys = Object.keys(v);
            const key = keys.length === 1 ? keys[0] : undefined;
            const chosen = key === undefined ? undefined : cases.get(key);
            if (chosen === undefined || key === undefined) fail(type, v);
            w.leb(chosen.index);
            chosen.encode(w, (v as Record<string, unknown>)[key]);
        };
    }
    throw new Unsupported(`type ${type.display()}`);
}

// ------------------------------------------------------------------ the wire's types

type WireFields = Array<{ id: number; type: number }>;
type WireEntry = { kind: 'opt'; inner: number } | { kind: 'vec'; inner: number } | { kind: 'record'; fields: WireFields } | { kind: 'variant'; fields: WireFields } | { kind: 'reference' };

type WireHeader = { table: WireEntry[]; args: number[]; end: number };

const PRIMITIVE_OPS = new Set<number>([OP.null, OP.bool, OP.nat, OP.int, OP.nat8, OP.nat16, OP.nat32, OP.nat64, OP.int8, OP.int16, OP.int32, OP.int64, OP.float32, OP.float64, OP.text, OP.reserved, OP.empty, OP.principal]);

/** Parses a message's header (magic, type table, argument types). */
function readHeader(r: Reader): WireHeader {
    for (const byte of MAGIC) if (r.u8() !== byte) throw new RangeError('candid-codec: not a Candid message (wrong magic)');
    const count = r.leb();
    const table: WireEntry[] = [];
    const refs: number[] = [];
    const typeRef = (): number => {
        const t = r.sleb();
        refs.push(t);
        return t;
    };
    for (let i = 0; i < count; i++) {
        const op = r.sleb();
        if (op === OP.opt) table.push({ kind: 'opt', inner: typeRef() });
        else if (op === OP.vec) table.push({ kind: 'vec', inner: typeRef() });
        else if (op === OP.record || op === OP.variant) {
            const n = r.leb();
            const fields: WireFields = [];
            let previous = -1;
            for (let f = 0; f < n; f++) {
                const id = r.leb();
                if (id > 0xffffffff || id <= previous) throw new RangeError('candid-codec: record or variant fields out of order');
                previous = id;
                fields.push({ id, type: typeRef() });
            }
            table.push(op === OP.record ? { kind: 'record', fields } : { kind: 'variant', fields });
        } else if (op === OP.func) {
            for (let list = 0; list < 2; list++) for (let n = r.leb(); n > 0; n--) typeRef();
            r.take(r.leb());
            table.push({ kind: 'reference' });
        } else if (op === OP.service) {
            for (let n = r.leb(); n > 0; n--) {
                r.take(r.leb());
                typeRef();
            }
            table.push({ kind: 'reference' });
        } else throw new RangeError(`candid-codec: illegal type table opcode ${op}`);
    }
    const args: number[] = [];
    for (let n = r.leb(); n > 0; n--) args.push(typeRef());
    for (const t of refs) if (t >= count || (t < 0 && !PRIMITIVE_OPS.has(t))) throw new RangeError(`candid-codec: bad type reference ${t}`);
    return { table, args, end: r.pos };
}

// ------------------------------------------------------------------ decoding plans

type Plan = (r: Reader) => unknown;

/** Reads a value of wire type `wire` and returns it as the expected type: compiled per header. */
class Planner {
    readonly #table: WireEntry[];
    readonly #skips = new Map<number, Plan>();
    readonly #plans = new Map<IDL.Type, Map<number, Plan>>();

    constructor(table: WireEntry[]) {
        this.#table = table;
    }

    #entry(wire: number): WireEntry | undefined {
        return wire >= 0 ? this.#table[wire] : undefined;
    }

    /** Skips a value of wire type `wire` (fields the expected type does not have). */
    skip(wire: number): Plan {
        const known = this.#skips.get(wire);
        if (known !== undefined) return known;
        // Bound lazily: a wire type may refer to itself.
        let built: Plan | undefined;
        const lazy: Plan = (r) => (built ??= this.#buildSkip(wire))(r);
        this.#skips.set(wire, lazy);
        return lazy;
    }

    #buildSkip(wire: number): Plan {
        switch (wire) {
            case OP.null:
            case OP.reserved:
                return () => null;
            case OP.bool:
            case OP.nat8:
            case OP.int8:
                return (r) => r.take(1);
            case OP.nat16:
            case OP.int16:
                return (r) => r.take(2);
            case OP.nat32:
            case OP.int32:
            case OP.float32:
                return (r) => r.take(4);
            case OP.nat64:
            case OP.int64:
            case OP.float64:
                return (r) => r.take(8);
            case OP.nat:
            case OP.int:
                return (r) => {
                    while ((r.u8() & 0x80) !== 0);
                    return null;
                };
            case OP.text:
                return (r) => r.take(r.leb());
            case OP.principal:
                return (r) => readPrincipal(r);
            case OP.empty:
                return () => {
                    throw new RangeError('candid-codec: a value of type empty');
                };
            default:
                break;
        }
        const entry = this.#entry(wire);
        if (entry === undefined) throw new RangeError(`candid-codec: bad type reference ${wire}`);
        if (entry.kind === 'reference') throw new Unsupported('a func or service value');
        if (entry.kind === 'opt') {
            const inner = this.skip(entry.inner);
            return (r) => nested(r, () => (r.u8() === 0 ? null : inner(r)));
        }
        if (entry.kind === 'vec') {
            const inner = this.skip(entry.inner);
            return (r) =>
                nested(r, () => {
                    for (let n = r.count(1); n > 0; n--) inner(r);
                    return null;
                });
        }
        const fields = entry.fields.map((f) => this.skip(f.type));
        if (entry.kind === 'record') {
            return (r) =>
                nested(r, () => {
                    for (const field of fields) field(r);
                    return null;
                });
        }
        return (r) =>
            nested(r, () => {
                const field = fields[r.leb()];
                if (field === undefined) throw new RangeError('candid-codec: variant index out of range');
                return field(r);
            });
    }

    /** Reads wire type `wire` as `expected`; throws Unsupported when the pair is not handled here. */
    plan(wire: number, expected: IDL.Type): Plan {
        let byWire = this.#plans.get(expected);
        if (byWire === undefined) {
            byWire = new Map();
            this.#plans.set(expected, byWire);
        }
        const known = byWire.get(wire);
        if (known !== undefined) return known;
        const built = this.#build(wire, expected);
        byWire.set(wire, built);
        return built;
    }

    #build(wire: number, expected: IDL.Type): Plan {
        if (expected instanceof IDL.ReservedClass) {
            const skip = this.skip(wire);
            return (r) => {
                skip(r);
                return null;
            };
        }
        const op = primitiveOp(expected);
        if (op !== undefined) {
            if (op === OP.int && wire === OP.nat) return (r) => r.lebBig();
            if (op !== wire) throw new Unsupported(`reading wire type ${wire} as ${expected.display()}`);
            return primitivePlan(op);
        }
        const entry = this.#entry(wire);
        if (expected instanceof IDL.OptClass) {
            if (wire === OP.null || wire === OP.reserved) return () => [];
            if (entry?.kind !== 'opt') throw new Unsupported(`reading wire type ${wire} as ${expected.display()}`);
            const inner = this.plan(entry.inner, expected._type);
            return (r) => {
                const tag = r.u8();
                if (tag === 0) return [];
                if (tag !== 1) throw new RangeError('candid-codec: bad opt tag');
                return nested(r, () => [inner(r)]);
            };
        }
        if (expected instanceof IDL.VecClass) {
            if (entry?.kind !== 'vec') throw new Unsupported(`reading wire type ${wire} as ${expected.display()}`);
            if (isBlobType(expected)) {
                if (entry.inner !== OP.nat8) throw new Unsupported('a blob from another vector type');
                return (r) => r.take(r.count(1));
            }
            if (expected._type instanceof IDL.FixedNatClass || expected._type instanceof IDL.FixedIntClass) throw new Unsupported(`a vector of ${expected._type.display()}`);
            const minBytes = minimumBytes(entry.inner, this.#table);
            if (minBytes === 0) throw new Unsupported('a vector of zero-sized values');
            const element = this.plan(entry.inner, expected._type);
            return (r) =>
                nested(r, () => {
                    const n = r.count(minBytes);
                    const out: unknown[] = new Array(n);
                    for (let i = 0; i < n; i++) out[i] = element(r);
                    return out;
                });
        }
        if (expected instanceof IDL.RecordClass) {
            if (entry?.kind !== 'record') throw new Unsupported(`reading wire type ${wire} as ${expected.display()}`);
            const wanted = fieldsOf(expected);
            const byId = new Map(wanted.map((f) => [f.id, f]));
            const onWire = new Set(entry.fields.map((f) => f.id));
            const steps = entry.fields.map((f) => {
                const field = byId.get(f.id);
                return field === undefined ? { name: undefined, read: this.skip(f.type) } : { name: field.name, read: this.plan(f.type, field.type) };
            });
            const defaults: string[] = [];
            for (const field of wanted) {
                if (onWire.has(field.id)) continue;
                if (!(field.type instanceof IDL.OptClass)) throw new Unsupported(`a record without its field ${field.name}`);
                defaults.push(field.name);
            }
            return (r) =>
                nested(r, () => {
                    const out: Record<string, unknown> = {};
                    for (const step of steps) {
                        const value = step.read(r);
                        if (step.name !== undefined) out[step.name] = value;
                    }
                    for (const name of defaults) out[name] = [];
                    return out;
                });
        }
        if (expected instanceof IDL.VariantClass) {
            if (entry?.kind !== 'variant') throw new Unsupported(`reading wire type ${wire} as ${expected.display()}`);
            const byId = new Map(fieldsOf(expected).map((f) => [f.id, f]));
            const cases = entry.fields.map((f) => {
                const field = byId.get(f.id);
                if (field === undefined) {
                    return (): never => {
                        throw new RangeError(`candid-codec: variant case ${f.id} is not in ${expected.display()}`);
                    };
                }
                const read = this.plan(f.type, field.type);
                const name = field.name;
                return (r: Reader): unknown => ({ [name]: read(r) });
            });
            return (r) =>
                nested(r, () => {
                    const read = cases[r.leb()];
                    if (read === undefined) throw new RangeError('candid-codec: variant index out of range');
                    return read(r);
                });
        }
        throw new Unsupported(`type ${expected.display()}`);
    }
}

/** Runs `body` one level deeper (a failure abandons the whole Reader, so no `finally` is needed). */
function nested<T>(r: Reader, body: () => T): T {
    if (++r.depth > MAX_DEPTH) throw new RangeError('candid-codec: value nested too deeply');
    const value = body();
    r.depth--;
    return value;
}

/** The fewest bytes a value of wire type `wire` takes (0 for null-like types). */
function minimumBytes(wire: number, table: WireEntry[], seen = new Set<number>()): number {
    if (wire < 0) {
        const sizes: Record<number, number> = { [OP.null]: 0, [OP.reserved]: 0, [OP.empty]: 0, [OP.nat16]: 2, [OP.int16]: 2, [OP.nat32]: 4, [OP.int32]: 4, [OP.float32]: 4, [OP.nat64]: 8, [OP.int64]: 8, [OP.float64]: 8 };
        return sizes[wire] ?? 1;
    }
    const entry = table[wire];
    if (entry === undefined || seen.has(wire)) return 0;
    if (entry.kind !== 'record') return 1;
    seen.add(wire);
    const total = entry.fields.reduce((n, f) => n + minimumBytes(f.type, table, seen), 0);
    seen.delete(wire);
    return total;
}

function readPrincipal(r: Reader): Principal {
    if (r.u8() !== 1) throw new Unsupported('an opaque principal reference');
    return Principal.fromUint8Array(r.take(r.leb()).slice());
}

/** A reader of one little-endian fixed-width number. */
function fixedWidth(size: number, read: (view: DataView, at: number) => number | bigint): Plan {
    return (r) => {
        r.need(size);
        const value = read(r.view, r.pos);
        r.pos += size;
        return value;
    };
}

function primitivePlan(op: number): Plan {
    switch (op) {
        case OP.null:
            return () => null;
        case OP.bool:
            return (r) => {
                const byte = r.u8();
                if (byte > 1) throw new RangeError('candid-codec: bad bool');
                return byte === 1;
            };
        case OP.nat:
            return (r) => r.lebBig();
        case OP.int:
            return (r) => r.slebBig();
        case OP.nat8:
            return (r) => r.u8();
        case OP.nat16:
            return fixedWidth(2, (view, at) => view.getUint16(at, true));
        case OP.nat32:
            return fixedWidth(4, (view, at) => view.getUint32(at, true));
        case OP.nat64:
            return fixedWidth(8, (view, at) => view.getBigUint64(at, true));
        case OP.int8:
            return (r) => {
                r.need(1);
                return r.view.getInt8(r.pos++);
            };
        case OP.int16:
            return fixedWidth(2, (view, at) => view.getInt16(at, true));
        case OP.int32:
            return fixedWidth(4, (view, at) => view.getInt32(at, true));
        case OP.int64:
            return fixedWidth(8, (view, at) => view.getBigInt64(at, true));
        case OP.float32:
            return fixedWidth(4, (view, at) => view.getFloat32(at, true));
        case OP.float64:
            return fixedWidth(8, (view, at) => view.getFloat64(at, true));
        case OP.text:
            return (r) => decodeUtf8(r.take(r.leb()));
        case OP.principal:
            return (r) => readPrincipal(r);
        default:
            throw new Unsupported(`primitive opcode ${op}`);
    }
}

// ------------------------------------------------------------------ messages

/** A header seen for a signature: its bytes (as a latin1 string) and its plans (null: not handled here). */
type KnownHeader = { key: string; length: number; plans: Plan[] | null };

/** Everything known about one list of types: its header, and the headers seen for it (most recent first). */
type Signature = { header: Uint8Array; encoders: Encoder[]; seen: KnownHeader[] };

/** Decoding plans kept per list of types (each header seen, up to this many). */
const MAX_HEADERS_PER_SIGNATURE = 16;

/**
 * Signatures by their types, one WeakMap level per position (the list itself may be a fresh
 * array). `null`: the types are not compiled here (see Unsupported).
 */
type SignatureNode = { signature?: Signature | null; next: WeakMap<IDL.Type, SignatureNode> };
const signatures: SignatureNode = { next: new WeakMap() };

function signatureOf(types: IDL.Type[]): Signature | null {
    let node = signatures;
    for (const type of types) {
        let next = node.next.get(type);
        if (next === undefined) {
            next = { next: new WeakMap() };
            node.next.set(type, next);
        }
        node = next;
    }
    if (node.signature === undefined) {
        try {
            node.signature = { header: writeHeader(types), encoders: types.map(encoderOf), seen: [] };
        } catch (error) {
            if (!(error instanceof Unsupported)) throw error;
            node.signature = null;
        }
    }
    return node.signature;
}

/**
 * Compiles the header and encoders of `types` now. Queries need it: their heap changes are
 * discarded, so a codec compiled inside a query would be compiled again by every query.
 */
export function precompile(types: IDL.Type[]): void {
    signatureOf(types);
}

/**
 * A Candid message carrying `values` of `types` (exactly what IDL.encode would accept; types
 * this module does not compile are encoded by IDL.encode).
 */
export function encodeMessage(types: IDL.Type[], values: unknown[]): Uint8Array {
    const signature = signatureOf(types);
    if (signature === null) return new Uint8Array(IDL.encode(types, values));
    if (values.length !== types.length) throw new TypeError(`candid-codec: ${values.length} values for ${types.length} types`);
    const w = new Writer();
    w.bytes(signature.header);
    for (let i = 0; i < values.length; i++) signature.encoders[i]?.(w, values[i]);
    return w.finish();
}

function latin1(bytes: Uint8Array): string {
    let out = '';
    for (let at = 0; at < bytes.length; at += 8192) out += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
    return out;
}

/**
 * Decodes a message as `types` (extra values on the wire are skipped, as IDL.decode does).
 * Blobs come back as views of `bytes`. Anything this module does not handle, or any failure, is
 * decoded again by @dfinity/candid, whose result (or error) is returned.
 */
export function decodeMessage(types: IDL.Type[], bytes: Uint8Array): unknown[] {
    try {
        return decodeFast(types, bytes);
    } catch {
        return IDL.decode(types, bytes) as unknown[];
    }
}

/** The fast path alone (throws where decodeMessage falls back); exported for the tests. */
export function decodeFast(types: IDL.Type[], bytes: Uint8Array): unknown[] {
    const signature = signatureOf(types);
    if (signature === null) throw new Unsupported('these types');
    const known = knownHeader(signature, types, bytes);
    if (known.plans === null) throw new Unsupported('this header');
    const r = new Reader(bytes);
    r.pos = known.length;
    const out: unknown[] = [];
    for (let i = 0; i < known.plans.length; i++) {
        const value = (known.plans[i] as Plan)(r);
        if (i < types.length) out.push(value);
    }
    if (r.pos !== bytes.length) throw new RangeError('candid-codec: bytes left over after the values');
    return out;
}

/**
 * The plans for the header `bytes` start with. A header seen before is recognized by comparing
 * its bytes (one native string comparison); a new one is walked, parsed and planned once.
 */
function knownHeader(signature: Signature, types: IDL.Type[], bytes: Uint8Array): KnownHeader {
    for (const seen of signature.seen) {
        if (bytes.length >= seen.length && latin1(bytes.subarray(0, seen.length)) === seen.key) return seen;
    }
    const length = headerLength(new Reader(bytes));
    let plans: Plan[] | null;
    try {
        const header = readHeader(new Reader(bytes));
        if (header.args.length < types.length) throw new RangeError('candid-codec: fewer values than expected');
        const planner = new Planner(header.table);
        plans = header.args.map((wire, i) => {
            const expected = types[i];
            return expected === undefined ? planner.skip(wire) : planner.plan(wire, expected);
        });
    } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
        plans = null;
    }
    const known: KnownHeader = { key: latin1(bytes.subarray(0, length)), length, plans };
    signature.seen.unshift(known);
    if (signature.seen.length > MAX_HEADERS_PER_SIGNATURE) signature.seen.pop();
    return known;
}

/** The length of a message's header, found by walking it (cheaply: no entries are kept). */
function headerLength(r: Reader): number {
    for (const byte of MAGIC) if (r.u8() !== byte) throw new RangeError('candid-codec: not a Candid message (wrong magic)');
    for (let count = r.leb(); count > 0; count--) {
        const op = r.sleb();
        if (op === OP.opt || op === OP.vec) r.sleb();
        else if (op === OP.record || op === OP.variant) {
            for (let n = r.leb(); n > 0; n--) {
                r.leb();
                r.sleb();
            }
        } else if (op === OP.func) {
            for (let list = 0; list < 2; list++) for (let n = r.leb(); n > 0; n--) r.sleb();
            r.take(r.leb());
        } else if (op === OP.service) {
            for (let n = r.leb(); n > 0; n--) {
                r.take(r.leb());
                r.sleb();
            }
        } else throw new RangeError(`candid-codec: illegal type table opcode ${op}`);
    }
    for (let n = r.leb(); n > 0; n--) r.sleb();
    return r.pos;
}

// ------------------------------------------------------------------ stable records

/** Encodes and decodes one type's values without a header (the bytes of a stable record). */
export type ValueCodec<T> = { toBytes: (value: T) => Uint8Array; fromBytes: (bytes: Uint8Array) => T };

/**
 * The Candid value encoding of `type`, without the header: what the upgrader stores. Decoding
 * uses the plan of the type read as itself, and refuses trailing bytes.
 */
export function valueCodec<T>(type: IDL.Type): ValueCodec<T> {
    const encode = encoderOf(type);
    let plan: Plan | undefined;
    const planOf = (): Plan => {
        if (plan === undefined) {
            const header = readHeader(new Reader(writeHeader([type])));
            plan = new Planner(header.table).plan(header.args[0] ?? OP.empty, type);
        }
        return plan;
    };
    return {
        toBytes: (value: T): Uint8Array => {
            const w = new Writer();
            encode(w, value);
            return w.finish();
        },
        fromBytes: (bytes: Uint8Array): T => {
            const r = new Reader(bytes);
            const value = planOf()(r) as T;
            if (r.pos !== bytes.length) throw new RangeError('candid-codec: bytes left over after the record');
            return value;
        }
    };
}
