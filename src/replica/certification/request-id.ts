/**
 * The representation-independent hash of the IC interface specification: request ids,
 * delegation hashes and the hashes node signatures of query responses sign.
 *
 * A map hashes to SHA-256 of the sorted concatenation of `sha256(key) ‖ hash(value)`;
 * text hashes as its UTF-8, blobs as themselves, natural numbers as their unsigned LEB128,
 * arrays as SHA-256 of their elements' hashes concatenated, nested maps recursively.
 */
import { createHash } from 'node:crypto';
import { CborTag, CborValue } from './cbor.js';

/** A value that can be hashed: what CBOR decoding yields, and plain objects. */
export type Hashable = CborValue | readonly Hashable[] | ReadonlyMap<string, Hashable> | { readonly [key: string]: Hashable };

export class HashValueError extends Error {}

export function sha256(...parts: Uint8Array[]): Uint8Array {
    const h = createHash('sha256');
    for (const part of parts) h.update(part);
    return new Uint8Array(h.digest());
}

/** Unsigned LEB128 of a natural number. */
export function leb128(value: bigint | number): Uint8Array {
    let v = BigInt(value);
    if (v < 0n) throw new HashValueError(`cannot LEB128-encode the negative number ${v}`);
    const out: number[] = [];
    do {
        let byte = Number(v & 0x7fn);
        v >>= 7n;
        if (v !== 0n) byte |= 0x80;
        out.push(byte);
    } while (v !== 0n);
    return new Uint8Array(out);
}

/** Reads an unsigned LEB128 number (for /time leaves and reject codes). */
export function readLeb128(bytes: Uint8Array): bigint {
    let result = 0n;
    let shift = 0n;
    for (const byte of bytes) {
        result |= BigInt(byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) return result;
        shift += 7n;
    }
    throw new HashValueError('truncated LEB128 number');
}

const textEncoder = new TextEncoder();

export function hashValue(value: Hashable): Uint8Array {
    if (typeof value === 'string') return sha256(textEncoder.encode(value));
    if (typeof value === 'bigint' || typeof value === 'number') {
        if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new HashValueError(`cannot hash the non-integer ${value}`);
        return sha256(leb128(value));
    }
    if (value instanceof Uint8Array) return sha256(value);
    if (Array.isArray(value)) {
        const h = createHash('sha256');
        for (const item of value as readonly Hashable[]) h.update(hashValue(item));
        return new Uint8Array(h.digest());
    }
    if (value instanceof CborTag) return hashValue(value.value);
    if (value instanceof Map) return hashOfMap(value as ReadonlyMap<string, Hashable>);
    if (typeof value === 'object' && value !== null) return hashOfMap(value as { readonly [key: string]: Hashable });
    throw new HashValueError(`cannot hash a value of type ${value === null ? 'null' : typeof value}`);
}

/** The hash of a map; entries whose value is `undefined` are left out. */
export function hashOfMap(map: ReadonlyMap<string, Hashable> | { readonly [key: string]: Hashable }): Uint8Array {
    const entries = map instanceof Map ? [...(map as ReadonlyMap<string, Hashable>)] : Object.entries(map as { readonly [key: string]: Hashable });
    const pairs: Buffer[] = [];
    for (const [key, value] of entries) {
        if (value === undefined) continue;
        pairs.push(Buffer.concat([sha256(textEncoder.encode(key)), hashValue(value)]));
    }
    pairs.sort(Buffer.compare);
    return sha256(...pairs);
}

/** Lower-case hex without prefix. */
export function toHex(bytes: Uint8Array): string {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
    return new Uint8Array(Buffer.from(hex, 'hex'));
}
