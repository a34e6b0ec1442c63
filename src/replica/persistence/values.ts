/**
 * The value model of saved replica state: plain records of bigints, numbers, text, bytes
 * and lists, which any binary encoding that keeps bigints and bytes apart (the server uses
 * CBOR) can store. Readers check shapes and fail with the path of what is wrong.
 */
import { Principal } from '@dfinity/principal';

export type Stored = bigint | number | string | boolean | null | Uint8Array | Stored[] | StoredRecord;
export interface StoredRecord {
    [key: string]: Stored;
}

export class CorruptStateError extends Error {}

function fail(what: string, value: unknown): never {
    const kind = value === null ? 'null' : value instanceof Uint8Array ? 'bytes' : Array.isArray(value) ? 'list' : typeof value;
    throw new CorruptStateError(`Saved replica state is corrupt: expected ${what}, found ${kind}`);
}

export function rec(value: Stored | undefined): StoredRecord {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array || Array.isArray(value)) fail('a record', value);
    return value;
}

export function field(record: StoredRecord, name: string): Stored {
    const value = record[name];
    if (value === undefined) throw new CorruptStateError(`Saved replica state is corrupt: missing field ${name}`);
    return value;
}

export function big(value: Stored | undefined): bigint {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    return fail('an integer', value);
}

export function num(value: Stored | undefined): number {
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(value);
    return fail('a number', value);
}

export function str(value: Stored | undefined): string {
    if (typeof value !== 'string') fail('text', value);
    return value;
}

export function bool(value: Stored | undefined): boolean {
    if (typeof value !== 'boolean') fail('a boolean', value);
    return value;
}

export function bytes(value: Stored | undefined): Uint8Array {
    if (!(value instanceof Uint8Array)) fail('bytes', value);
    return value;
}

export function list(value: Stored | undefined): Stored[] {
    if (!Array.isArray(value)) fail('a list', value);
    return value;
}

export function principal(value: Stored | undefined): Principal {
    return Principal.fromUint8Array(bytes(value));
}

/** A principal as stored: its bytes. */
export function pid(p: Principal): Uint8Array {
    return p.toUint8Array();
}

export function optional<T>(value: Stored | undefined, read: (v: Stored) => T): T | null {
    return value === undefined || value === null ? null : read(value);
}

/** Numbers are stored as their 8 IEEE-754 bytes so integers and floats keep their JS type. */
export function storeNumber(value: number): Uint8Array {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, value);
    return out;
}

export function loadNumber(value: Stored | undefined): number {
    const b = bytes(value);
    if (b.length !== 8) fail('8 bytes of a float64', value);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0);
}
