/**
 * LEB128 integers: the fixed-width ones of the Wasm binary format, and the unbounded
 * unsigned ones of the IC's representation-independent hash and state tree.
 *
 * Decoders read from a byte array at `cursor.pos` and leave `cursor.pos` just past the
 * number, so the hot decoding loops allocate nothing. Encoders write into a caller-sized
 * buffer at `pos` and return the position after the number; `encodeLeb128` allocates.
 * Malformed input throws `Leb128Error`; callers that parse a larger format (the Wasm
 * loader) turn it into their own error.
 */

/** A LEB128 number is truncated, too long for its width, or not encodable. */
export class Leb128Error extends Error {
    override readonly name = 'Leb128Error';
}

/** Anything with a mutable read position (the byte reader is one). */
export interface LebCursor {
    pos: number;
}

/** Most bytes an encoded u32 / s32 can take. */
export const MAX_LEB_BYTES_32 = 5;
/** Most bytes an encoded u64 / s64 can take. */
export const MAX_LEB_BYTES_64 = 10;

function truncated(pos: number): Leb128Error {
    return new Leb128Error(`unexpected end of data in a LEB128 number at byte ${pos}.`);
}

function tooLong(pos: number, bits: number): Leb128Error {
    return new Leb128Error(`LEB128 number at byte ${pos} does not fit in ${bits} bits.`);
}

/** Reads an unsigned 32-bit LEB128 number (0 .. 2^32-1). */
export function readU32(bytes: Uint8Array, cursor: LebCursor, end: number): number {
    let pos = cursor.pos;
    if (pos >= end) throw truncated(pos);
    let byte = bytes[pos++]!;
    if (byte < 0x80) {
        cursor.pos = pos;
        return byte;
    }
    let result = byte & 0x7f;
    let shift = 7;
    for (;;) {
        if (pos >= end) throw truncated(pos);
        byte = bytes[pos++]!;
        if (shift === 28) {
            if (byte > 0x0f) throw tooLong(cursor.pos, 32);
            result = (result | (byte << 28)) >>> 0;
            break;
        }
        result |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
        shift += 7;
    }
    cursor.pos = pos;
    return result >>> 0;
}

/** Reads a signed 32-bit LEB128 number. */
export function readS32(bytes: Uint8Array, cursor: LebCursor, end: number): number {
    let pos = cursor.pos;
    let result = 0;
    let shift = 0;
    let byte: number;
    for (;;) {
        if (pos >= end) throw truncated(pos);
        byte = bytes[pos++]!;
        if (shift === 28) {
            // The last byte holds 4 value bits; the unused bits must repeat the sign bit.
            const upper = byte & 0x70;
            if (byte & 0x80 || upper !== (byte & 0x08 ? 0x70 : 0)) throw tooLong(cursor.pos, 32);
            result |= byte << 28;
            cursor.pos = pos;
            return result | 0;
        }
        result |= (byte & 0x7f) << shift;
        shift += 7;
        if (byte < 0x80) break;
    }
    if (shift < 32 && byte & 0x40) result |= -1 << shift;
    cursor.pos = pos;
    return result | 0;
}

/** Reads a signed 64-bit LEB128 number as a bigint. */
export function readS64(bytes: Uint8Array, cursor: LebCursor, end: number): bigint {
    let pos = cursor.pos;
    let result = 0n;
    let shift = 0n;
    let byte: number;
    let count = 0;
    for (;;) {
        if (pos >= end) throw truncated(pos);
        if (++count > MAX_LEB_BYTES_64) throw tooLong(cursor.pos, 64);
        byte = bytes[pos++]!;
        result |= BigInt(byte & 0x7f) << shift;
        shift += 7n;
        if (byte < 0x80) break;
    }
    if (shift < 64n && byte & 0x40) result |= -1n << shift;
    cursor.pos = pos;
    return BigInt.asIntN(64, result);
}

/**
 * Returns the position just after the LEB128 number at `pos` without decoding it
 * (the caller's validator checks its range).
 */
export function skipLeb(bytes: Uint8Array, pos: number, end: number): number {
    const limit = Math.min(end, pos + MAX_LEB_BYTES_64);
    while (pos < limit) {
        if (bytes[pos++]! < 0x80) return pos;
    }
    if (pos >= end) throw truncated(pos);
    throw tooLong(pos, 64);
}

/** Writes `value` (0 .. 2^32-1) as an unsigned LEB128; returns the position after it. */
export function writeU32(buf: Uint8Array, pos: number, value: number): number {
    let v = value >>> 0;
    while (v >= 0x80) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
    }
    buf[pos++] = v;
    return pos;
}

/** Writes `value` as a 5-byte (padded) unsigned LEB128, so it can be patched later. */
export function writePaddedU32(buf: Uint8Array, pos: number, value: number): number {
    let v = value >>> 0;
    for (let i = 0; i < 4; i++) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
    }
    buf[pos++] = v & 0x7f;
    return pos;
}

/** Writes a signed 32-bit LEB128; returns the position after it. */
export function writeS32(buf: Uint8Array, pos: number, value: number): number {
    let v = value | 0;
    for (;;) {
        const byte = v & 0x7f;
        v >>= 7;
        if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
            buf[pos++] = byte;
            return pos;
        }
        buf[pos++] = byte | 0x80;
    }
}

/** Writes a safe integer (|value| < 2^53) as a signed 64-bit LEB128; returns the position after it. */
export function writeS64(buf: Uint8Array, pos: number, value: number): number {
    let v = value;
    for (;;) {
        const byte = ((v % 128) + 128) % 128;
        v = Math.floor(v / 128);
        if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
            buf[pos++] = byte;
            return pos;
        }
        buf[pos++] = byte | 0x80;
    }
}

/** Unsigned LEB128 of a natural number of any size (the IC's hashes and `/time` leaves). */
export function encodeLeb128(value: bigint | number): Uint8Array {
    let v = BigInt(value);
    if (v < 0n) throw new Leb128Error(`cannot LEB128-encode the negative number ${v}`);
    const out: number[] = [];
    do {
        let byte = Number(v & 0x7fn);
        v >>= 7n;
        if (v !== 0n) byte |= 0x80;
        out.push(byte);
    } while (v !== 0n);
    return new Uint8Array(out);
}
