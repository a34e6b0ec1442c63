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
import { encodeLeb128 } from './leb128.js';

/** A value that can be hashed: what CBOR decoding yields, and plain objects. */
export type Hashable = CborValue | readonly Hashable[] | ReadonlyMap<string, Hashable> | { readonly [key: string]: Hashable };

class HashValueError extends Error {}

export function sha256(...parts: Uint8Array[]): Uint8Array {
    const h = createHash('sha256');
    for (const part of parts) h.update(part);
    return new Uint8Array(h.digest());
}

const textEncoder = new TextEncoder();

function hashValue(value: Hashable): Uint8Array {
    if (typeof value === 'string') return sha256(textEncoder.encode(value));
    if (typeof value === 'bigint' || typeof value === 'number') {
        if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new HashValueError(`cannot hash the non-integer ${value}`);
        if (value < 0) throw new HashValueError(`cannot hash the negative number ${value}: the hash encodes natural numbers only`);
        return sha256(encodeLeb128(value));
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

/** Hashes of map keys seen so far: requests use a handful of field names (bounded: keys come from clients). */
const keyHashes = new Map<string, Uint8Array>();
const MAX_KEY_HASHES = 256;

function keyHash(key: string): Uint8Array {
    let hash = keyHashes.get(key);
    if (hash === undefined) {
        hash = sha256(textEncoder.encode(key));
        if (keyHashes.size < MAX_KEY_HASHES) keyHashes.set(key, hash);
    }
    return hash;
}

/** The hash of a map; entries whose value is `undefined` are left out. */
export function hashOfMap(map: ReadonlyMap<string, Hashable> | { readonly [key: string]: Hashable }): Uint8Array {
    const entries = map instanceof Map ? [...(map as ReadonlyMap<string, Hashable>)] : Object.entries(map as { readonly [key: string]: Hashable });
    const pairs: Buffer[] = [];
    for (const [key, value] of entries) {
        if (value === undefined) continue;
        const pair = Buffer.allocUnsafe(64);
        pair.set(keyHash(key));
        pair.set(hashValue(value), 32);
        pairs.push(pair);
    }
    pairs.sort(Buffer.compare);
    return sha256(...pairs);
}
