/** Encoders of Candid values, compiled once per IDL type (a closure per type, none per value). */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { Unsupported } from './errors';
import { fieldsOf, isBlobType, resolve } from './idl';
import type { Writer } from './writer';

export type Encoder = (w: Writer, value: unknown) => void;

const encoders = new WeakMap<IDL.Type, Encoder>();
const utf8Encoder = new TextEncoder();

function fail(type: IDL.Type, value: unknown): never {
    const shown = typeof value === 'object' && value !== null ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : String(value);
    throw new TypeError(`candid-codec: ${shown} is not a ${type.display()}`);
}

function bigintOf(type: IDL.Type, value: unknown, min?: bigint, max?: bigint): bigint {
    const big = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : fail(type, value);
    if ((min !== undefined && big < min) || (max !== undefined && big > max)) fail(type, value);
    return big;
}

/** The encoder of `type`'s values (compiled once per type object). */
export function encoderOf(type: IDL.Type): Encoder {
    let encoder = encoders.get(type);
    if (encoder === undefined) {
        if (type instanceof IDL.RecClass) {
            // Bound on first use: the recursive type may not be filled yet, and may contain itself.
            let inner: Encoder | undefined;
            encoder = (w, v) => (inner ??= encoderOf(resolve(type)))(w, v);
        } else encoder = compileEncoder(type);
        encoders.set(type, encoder);
    }
    return encoder;
}

function writePrincipal(w: Writer, type: IDL.Type, v: unknown): void {
    if (typeof v !== 'object' || v === null || Reflect.get(v, '_isPrincipal') !== true) fail(type, v);
    const bytes = (v as Principal).toUint8Array();
    w.u8(1);
    w.leb(bytes.length);
    w.bytes(bytes);
}

function writeText(w: Writer, v: string): void {
    const bytes = utf8Encoder.encode(v);
    w.leb(bytes.length);
    w.bytes(bytes);
}

function isNumberArray(v: unknown): v is ArrayLike<unknown> & Iterable<unknown> {
    return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function compileEncoder(type: IDL.Type): Encoder {
    if (type instanceof IDL.NullClass) return (_w, v) => (v === null ? undefined : fail(type, v));
    if (type instanceof IDL.ReservedClass) return () => undefined;
    if (type instanceof IDL.EmptyClass) return (_w, v) => fail(type, v);
    if (type instanceof IDL.BoolClass) {
        return (w, v) => {
            if (typeof v !== 'boolean') fail(type, v);
            w.u8(v ? 1 : 0);
        };
    }
    if (type instanceof IDL.TextClass) {
        return (w, v) => {
            if (typeof v !== 'string') fail(type, v);
            writeText(w, v);
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
                const big = bigintOf(type, v, min, max);
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
    if (type instanceof IDL.PrincipalClass || type instanceof IDL.ServiceClass) return (w, v) => writePrincipal(w, type, v);
    if (type instanceof IDL.FuncClass) {
        return (w, v) => {
            if (!Array.isArray(v) || v.length !== 2 || typeof v[1] !== 'string') fail(type, v);
            w.u8(1);
            writePrincipal(w, type, v[0]);
            writeText(w, v[1] as string);
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
        const element = encoderOf(type._type);
        return (w, v) => {
            if (!isNumberArray(v)) fail(type, v);
            w.leb(v.length);
            for (const item of v) element(w, item);
        };
    }
    if (type instanceof IDL.TupleClass) {
        const components = fieldsOf(type).map((f) => encoderOf(f.type));
        return (w, v) => {
            if (!Array.isArray(v) || v.length < components.length) fail(type, v);
            for (let i = 0; i < components.length; i++) (components[i] as Encoder)(w, v[i]);
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
