/**
 * Byte encodings of StableBTreeMap keys and small values. Keys are raw bytes chosen so that
 * their byte order is the order we page in. The upgrader's records are encoded by records.ts;
 * `candid` (a value with @dfinity/candid, header included) is what the demo app uses.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import type { Serializable } from 'azle';

/** A value stored as Candid of type `type`. */
export function candid<T>(type: IDL.Type): Serializable {
    return {
        toBytes: (value: T): Uint8Array => new Uint8Array(IDL.encode([type], [value])),
        fromBytes: (bytes: Uint8Array): T => IDL.decode([type], bytes)[0] as T
    };
}

/** A nat64 value as 8 big-endian bytes. */
export const u64Value: Serializable = {
    toBytes: (value: bigint): Uint8Array => u64Bytes(value),
    fromBytes: (bytes: Uint8Array): bigint => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)
};

/** A nat32 value as 4 big-endian bytes. */
export const u32Value: Serializable = {
    toBytes: (value: number): Uint8Array => {
        const out = new Uint8Array(4);
        new DataView(out.buffer).setUint32(0, value);
        return out;
    },
    fromBytes: (bytes: Uint8Array): number => new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
};

/** Raw bytes, stored as they are (module chunks: no copy through JSON or Candid). */
export const rawBytes: Serializable = {
    toBytes: (value: Uint8Array): Uint8Array => value,
    fromBytes: (bytes: Uint8Array): Uint8Array => bytes
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A text key as its UTF-8 bytes (sorted like the strings, for ASCII). */
export const textKey: Serializable = {
    toBytes: (value: string): Uint8Array => encoder.encode(value),
    fromBytes: (bytes: Uint8Array): string => decoder.decode(bytes)
};

/** A principal key as its raw bytes. */
export const principalKey: Serializable = {
    toBytes: (value: Principal): Uint8Array => value.toUint8Array(),
    fromBytes: (bytes: Uint8Array): Principal => Principal.fromUint8Array(bytes)
};

/** A nat64 key as 8 big-endian bytes, so keys sort numerically. */
export const u64Key: Serializable = {
    toBytes: (value: bigint): Uint8Array => u64Bytes(value),
    fromBytes: (bytes: Uint8Array): bigint => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)
};

/** A (principal, nat64) key: length byte, principal bytes, 8 big-endian bytes. */
export const principalU64Key: Serializable = {
    toBytes: ([principal, n]: [Principal, bigint]): Uint8Array => {
        const p = principal.toUint8Array();
        const out = new Uint8Array(1 + p.length + 8);
        out[0] = p.length;
        out.set(p, 1);
        out.set(u64Bytes(n), 1 + p.length);
        return out;
    },
    fromBytes: (bytes: Uint8Array): [Principal, bigint] => {
        const length = bytes[0] ?? 0;
        const principal = Principal.fromUint8Array(bytes.slice(1, 1 + length));
        const n = new DataView(bytes.buffer, bytes.byteOffset + 1 + length, 8).getBigUint64(0);
        return [principal, n];
    }
};

function u64Bytes(value: bigint): Uint8Array {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, value);
    return out;
}

const HEX_DIGITS: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * Lower-case hex of bytes (for keys and messages): all of them, or the first `maxBytes` followed
 * by "... (N bytes)" so that a message about a long value costs no more than one about a hash.
 * Linear: one table lookup per byte and one join (repeated `+=` on a growing string is quadratic
 * in QuickJS).
 */
export function toHex(bytes: Uint8Array, maxBytes = Infinity): string {
    const shown = bytes.length <= maxBytes ? bytes : bytes.subarray(0, maxBytes);
    const digits = new Array<string>(shown.length);
    for (let i = 0; i < shown.length; i++) digits[i] = HEX_DIGITS[shown[i] ?? 0] ?? '00';
    const hex = digits.join('');
    return shown.length === bytes.length ? hex : `${hex}... (${bytes.length} bytes)`;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}

export function principalEqual(a: Principal, b: Principal): boolean {
    return a.compareTo(b) === 'eq';
}
