/**
 * Decoding plans: for one header's type table, the closure that reads a value of wire type `w`
 * as expected IDL type `t` (the spec's decoding followed by coercion, "Coercion" section), built
 * once per pair and kept with the header. A value that does not coerce throws
 * CandidDecodeError('mismatch') when it is met (an unused variant case or an empty vector of a
 * mismatched type is fine); under `opt`, that value becomes null and is skipped, as the spec's
 * option rules say. Everything else that is wrong throws 'malformed'.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { CandidDecodeError, mismatch, Unsupported } from './errors';
import type { WireTable } from './header';
import { absentValue, acceptsNull, fieldsOf, fixedSize, OP, primitiveOp, resolve } from './idl';
import type { Reader } from './reader';
import { minimumBytes, type Plan, principalBytes, readBool, readText, Skipper } from './skips';
import { Subtyping, tableTypeOf } from './subtype';

type TypedArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array;

/** Vectors of fixed-width numbers come back as typed arrays, as @dfinity/candid returns them. */
const TYPED_VECTORS: Record<number, (n: number) => TypedArray> = {
    [OP.nat8]: (n) => new Uint8Array(n),
    [OP.int8]: (n) => new Int8Array(n),
    [OP.nat16]: (n) => new Uint16Array(n),
    [OP.int16]: (n) => new Int16Array(n),
    [OP.nat32]: (n) => new Uint32Array(n),
    [OP.int32]: (n) => new Int32Array(n),
    [OP.nat64]: (n) => new BigUint64Array(n),
    [OP.int64]: (n) => new BigInt64Array(n)
};

/** A reader of one little-endian fixed-width number. */
function fixedWidth(size: number, read: (view: DataView, at: number) => number | bigint): Plan {
    return (r) => {
        r.need(size);
        const value = read(r.view, r.pos);
        r.pos += size;
        return value;
    };
}

function readNull(r: Reader): null {
    r.spend(1);
    return null;
}

function primitivePlan(op: number): Plan {
    switch (op) {
        case OP.null:
            return readNull;
        case OP.bool:
            return readBool;
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
            return fixedWidth(1, (view, at) => view.getInt8(at));
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
            return readText;
        case OP.principal:
            return readPrincipal;
        default:
            throw new Unsupported(`primitive opcode ${op}`);
    }
}

function readPrincipal(r: Reader): Principal {
    return Principal.fromUint8Array(principalBytes(r).slice());
}

function fails(detail: string): Plan {
    return () => mismatch(detail);
}

/** Reads `n` fixed-width numbers into a typed array (copied, so aligned and little-endian). */
function typedVector(op: number): Plan {
    const size = fixedSize(op);
    const make = TYPED_VECTORS[op] as (n: number) => TypedArray;
    if (op === OP.nat8) return (r) => r.take(r.count(1));
    if (op === OP.int8) {
        return (r) => {
            const bytes = r.take(r.count(1));
            return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
        };
    }
    const read = primitivePlan(op);
    return (r) => {
        const n = r.count(size);
        const out = make(n);
        for (let i = 0; i < n; i++) out[i] = read(r) as never;
        return out;
    };
}

export class Planner {
    readonly #table: WireTable;
    readonly #skipper: Skipper;
    readonly #plans = new Map<IDL.Type, Map<number, Plan>>();
    #subtyping: Map<IDL.Type, Subtyping> | undefined;

    constructor(table: WireTable) {
        this.#table = table;
        this.#skipper = new Skipper(table);
    }

    skip(wire: number): Plan {
        return this.#skipper.skip(wire);
    }

    /** Reads wire type `wire` as `expected` (memoized per pair; recursive pairs bind lazily). */
    plan(wire: number, expected: IDL.Type): Plan {
        const type = resolve(expected);
        let byWire = this.#plans.get(type);
        if (byWire === undefined) {
            byWire = new Map();
            this.#plans.set(type, byWire);
        }
        const known = byWire.get(wire);
        if (known !== undefined) return known;
        let real: Plan | undefined;
        byWire.set(wire, (r) => (real as Plan)(r));
        real = this.#build(wire, type);
        byWire.set(wire, real);
        return real;
    }

    /** Wire type `wire` <: `expected` (for references). */
    #isSubtype(wire: number, expected: IDL.Type): boolean {
        const target = tableTypeOf(expected);
        this.#subtyping ??= new Map();
        let checker = this.#subtyping.get(expected);
        if (checker === undefined) {
            checker = new Subtyping(this.#table, target.table);
            this.#subtyping.set(expected, checker);
        }
        return checker.isSubtype(wire, target.ref);
    }

    #build(wire: number, expected: IDL.Type): Plan {
        const wrong = `wire type ${wire} does not coerce to ${expected.display()}`;
        if (expected instanceof IDL.ReservedClass) {
            const skip = this.skip(wire);
            return (r) => {
                r.spend(1);
                skip(r);
                return null;
            };
        }
        if (expected instanceof IDL.OptClass) return this.#opt(wire, expected);
        const entry = wire >= 0 ? this.#table[wire] : undefined;
        const op = primitiveOp(expected);
        if (op !== undefined) {
            if (op === OP.principal && entry?.kind === 'service') return readPrincipal;
            if (op === OP.empty) return wire === OP.empty ? this.skip(wire) : fails(wrong);
            if (op === wire || (op === OP.int && wire === OP.nat)) return op === OP.int && wire === OP.nat ? (r) => r.lebBig() : primitivePlan(op);
            return wire === OP.empty ? this.skip(wire) : fails(wrong);
        }
        if (entry === undefined) return wire === OP.empty ? this.skip(wire) : fails(wrong);
        if (expected instanceof IDL.VecClass && entry.kind === 'vec') return this.#vec(entry.inner, expected);
        if (expected instanceof IDL.RecordClass && entry.kind === 'record') return this.#record(entry.fields, expected);
        if (expected instanceof IDL.VariantClass && entry.kind === 'variant') return this.#variant(entry.fields, expected);
        if (expected instanceof IDL.FuncClass && entry.kind === 'func') {
            if (!this.#isSubtype(wire, expected)) return fails(`the function type on the wire is not a subtype of ${expected.display()}`);
            return (r) => {
                if (r.u8() !== 1) throw new CandidDecodeError('malformed', 'opaque function references are not supported');
                const principal = readPrincipal(r);
                return [principal, readText(r)];
            };
        }
        if (expected instanceof IDL.ServiceClass && entry.kind === 'service') {
            return this.#isSubtype(wire, expected) ? readPrincipal : fails(`the service type on the wire is not a subtype of ${expected.display()}`);
        }
        return fails(wrong);
    }

    /** The spec's option rules: null and reserved read as none, opt reads its content, anything else as some when it coerces. */
    #opt(wire: number, expected: IDL.OptClass<unknown>): Plan {
        if (wire === OP.null || wire === OP.reserved) return (r) => (r.spend(1), []);
        const entry = wire >= 0 ? this.#table[wire] : undefined;
        if (entry?.kind === 'opt') {
            const inner = this.plan(entry.inner, expected._type);
            const skip = this.skip(entry.inner);
            return (r) => {
                const tag = r.u8();
                if (tag === 0) return [];
                if (tag !== 1) throw new CandidDecodeError('malformed', `opt tag ${tag} is not 0 or 1`);
                return recover(r, inner, skip);
            };
        }
        const inner = this.plan(wire, expected._type);
        const skip = this.skip(wire);
        return (r) => {
            r.spend(1);
            return recover(r, inner, skip);
        };
    }

    #vec(inner: number, expected: IDL.VecClass<unknown>): Plan {
        const elementType = resolve(expected._type);
        const op = primitiveOp(elementType);
        const typed = op === undefined ? undefined : TYPED_VECTORS[op];
        if (op !== undefined && typed !== undefined) {
            // Only the same element type reads; any other (even nat as nat64) leaves only the empty vector.
            if (inner === op) return typedVector(op);
            const minBytes = minimumBytes(inner, this.#table);
            return (r) => {
                if (r.count(minBytes) !== 0) mismatch(`a vector does not coerce to ${expected.display()}`);
                return typed(0);
            };
        }
        const element = this.plan(inner, elementType);
        const minBytes = minimumBytes(inner, this.#table);
        return (r) => {
            r.enter();
            const n = r.count(minBytes);
            const out: unknown[] = new Array(n);
            for (let i = 0; i < n; i++) out[i] = element(r);
            r.depth--;
            return out;
        };
    }

    #record(wireFields: Array<{ id: number; type: number }>, expected: IDL.RecordClass): Plan {
        const wanted = fieldsOf(expected);
        const byId = new Map(wanted.map((f, i) => [f.id, { field: f, index: i }]));
        const onWire = new Set(wireFields.map((f) => f.id));
        const missing = wanted.filter((f) => !onWire.has(f.id));
        const required = missing.find((f) => !acceptsNull(f.type));
        if (required !== undefined) return fails(`a record without its field ${required.name}`);
        const asTuple = expected instanceof IDL.TupleClass;
        const keys: Array<string | number | undefined> = [];
        const reads: Plan[] = [];
        for (const f of wireFields) {
            const match = byId.get(f.id);
            keys.push(match === undefined ? undefined : asTuple ? match.index : match.field.name);
            reads.push(match === undefined ? this.skip(f.type) : this.plan(f.type, match.field.type));
        }
        const absentKeys = missing.map((f) => (asTuple ? byId.get(f.id)?.index : f.name) as string | number);
        const absentValues = missing.map((f) => absentValue(f.type));
        const n = reads.length;
        const cost = 1 + missing.length;
        return (r) => {
            r.spend(cost);
            r.enter();
            const out = (asTuple ? new Array(wanted.length) : {}) as Record<string | number, unknown>;
            for (let i = 0; i < n; i++) {
                const value = (reads[i] as Plan)(r);
                const key = keys[i];
                if (key !== undefined) out[key] = value;
            }
            for (let i = 0; i < absentKeys.length; i++) out[absentKeys[i] as string | number] = absentValues[i] === null ? null : [];
            r.depth--;
            return out;
        };
    }

    #variant(wireFields: Array<{ id: number; type: number }>, expected: IDL.VariantClass): Plan {
        const byId = new Map(fieldsOf(expected).map((f) => [f.id, f]));
        const cases: Plan[] = wireFields.map((f) => {
            const field = byId.get(f.id);
            if (field === undefined) return fails(`variant case ${f.id} is not in ${expected.display()}`);
            const read = this.plan(f.type, field.type);
            const name = field.name;
            return (r: Reader): unknown => ({ [name]: read(r) });
        });
        return (r) => {
            r.enter();
            const index = r.leb();
            const read = cases[index];
            if (read === undefined) throw new CandidDecodeError('malformed', `variant index ${index} is out of range`);
            const value = read(r);
            r.depth--;
            return value;
        };
    }
}

/**
 * Reads an option's content; if it does not coerce, the option is none and the content is
 * skipped from where it started (the bytes read in vain are charged to the budget).
 */
function recover(r: Reader, inner: Plan, skip: Plan): unknown[] {
    const start = r.pos;
    const depth = r.depth;
    r.enter();
    try {
        const value = inner(r);
        r.depth = depth;
        return [value];
    } catch (error) {
        if (!(error instanceof CandidDecodeError) || error.reason !== 'mismatch') throw error;
        r.spend(10 + r.pos - start);
        r.pos = start;
        r.depth = depth + 1;
        skip(r);
        r.depth = depth;
        return [];
    }
}
