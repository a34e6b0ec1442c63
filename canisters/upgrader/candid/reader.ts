/**
 * A cursor over a Candid message being decoded, with the decoding budget.
 *
 * Cost bound: every read advances the cursor, and every step that reads no byte (a `null`,
 * `reserved` or record value, an absent field, a value coerced into `opt`, an element of a
 * vector of zero-sized values, the bytes re-read after an `opt` coercion fails) spends budget
 * units. A message of L bytes starts with DECODE_QUOTA + BUDGET_PER_BYTE * L units, and is
 * rejected (CandidDecodeError 'too-costly') when they run out, so decoding does at most
 * O(DECODE_QUOTA + L) steps of constant work, whatever the types: a vector of 10^9 nulls in a
 * few bytes is refused at its length, before any element is made.
 */
import { CandidDecodeError, malformed } from './errors';

/** Steps that read no byte, allowed in any message (the Rust implementation's "zero-sized" quota). */
const DECODE_QUOTA = 100_000;
/** Further steps allowed per byte of the message (a record around a value, for instance). */
const BUDGET_PER_BYTE = 4;
/** Nesting depth at which a value is refused (a hostile recursive type must not exhaust the stack). */
export const MAX_DEPTH = 256;

/** The budget of a message of `length` bytes. */
function decodeBudget(length: number): number {
    return DECODE_QUOTA + BUDGET_PER_BYTE * length;
}

let utf8Decoder: TextDecoder | undefined;

/** Strict UTF-8 (malformed input throws CandidDecodeError). */
export function decodeUtf8(bytes: Uint8Array): string {
    utf8Decoder ??= new TextDecoder('utf-8', { fatal: true });
    try {
        return utf8Decoder.decode(bytes);
    } catch (error) {
        throw new CandidDecodeError('malformed', 'text is not valid UTF-8', { cause: error });
    }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Reader {
    readonly bytes: Uint8Array;
    readonly view: DataView;
    pos = 0;
    depth = 0;
    budget: number;

    constructor(bytes: Uint8Array, budget = decodeBudget(bytes.length)) {
        this.bytes = bytes;
        this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        this.budget = budget;
    }

    /** Spends `units` of the budget (see the header). */
    spend(units: number): void {
        this.budget -= units;
        if (this.budget < 0) throw new CandidDecodeError('too-costly', `decoding needs more than ${DECODE_QUOTA} steps plus ${BUDGET_PER_BYTE} per byte`);
    }

    /** One level deeper into a value. */
    enter(): void {
        if (++this.depth > MAX_DEPTH) throw new CandidDecodeError('too-costly', `a value nested more than ${MAX_DEPTH} deep`);
    }

    need(n: number): void {
        if (this.pos + n > this.bytes.length) malformed('unexpected end of the message');
    }

    u8(): number {
        if (this.pos >= this.bytes.length) malformed('unexpected end of the message');
        return this.bytes[this.pos++] as number;
    }

    /** Unsigned LEB128, at most 2^53 - 1 (lengths, indices, field ids). */
    leb(): number {
        let value = 0;
        let scale = 1;
        for (;;) {
            const byte = this.u8();
            value += (byte & 0x7f) * scale;
            if ((byte & 0x80) === 0) {
                if (value > Number.MAX_SAFE_INTEGER) malformed('LEB128 number too large');
                return value;
            }
            scale *= 0x80;
            if (scale > 2 ** 63) malformed('LEB128 number too large');
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
            if ((byte & 0x80) === 0) return (byte & 0x40) !== 0 ? value - scale : value;
            if (scale > 2 ** 49) malformed('SLEB128 number too large');
        }
    }

    /** The end of the LEB128 number at the cursor (exclusive), checked to be in the message. */
    #lebEnd(): number {
        const bytes = this.bytes;
        let at = this.pos;
        while (at < bytes.length && ((bytes[at] as number) & 0x80) !== 0) at++;
        if (at >= bytes.length) malformed('unexpected end of the message');
        return at + 1;
    }

    /** Skips a LEB128 or SLEB128 number. */
    skipLeb(): void {
        this.pos = this.#lebEnd();
    }

    /** A nat: a number below 2^49 stays on the fast path; longer ones are converted in linear time. */
    lebBig(): bigint {
        const end = this.#lebEnd();
        const start = this.pos;
        this.pos = end;
        return end - start <= 7 ? BigInt(this.#small(start, end)) : this.#large(start, end, false);
    }

    /** An int (signed LEB128), as lebBig. */
    slebBig(): bigint {
        const end = this.#lebEnd();
        const start = this.pos;
        this.pos = end;
        if (end - start > 7) return this.#large(start, end, true);
        const value = this.#small(start, end);
        const negative = ((this.bytes[end - 1] as number) & 0x40) !== 0;
        return BigInt(negative ? value - 2 ** (7 * (end - start)) : value);
    }

    #small(start: number, end: number): number {
        let value = 0;
        let scale = 1;
        for (let at = start; at < end; at++) {
            value += ((this.bytes[at] as number) & 0x7f) * scale;
            scale *= 0x80;
        }
        return value;
    }

    /** 7-bit groups packed into bytes, then one hexadecimal BigInt parse (no quadratic shifting). */
    #large(start: number, end: number, signed: boolean): bigint {
        const groups = end - start;
        const out = new Uint8Array(Math.ceil((groups * 7) / 8));
        let acc = 0;
        let bits = 0;
        let o = 0;
        for (let at = start; at < end; at++) {
            acc |= ((this.bytes[at] as number) & 0x7f) << bits;
            bits += 7;
            if (bits >= 8) {
                out[o++] = acc & 0xff;
                acc >>>= 8;
                bits -= 8;
            }
        }
        if (bits > 0 && o < out.length) out[o++] = acc & 0xff;
        const hex: string[] = new Array(out.length);
        for (let i = 0; i < out.length; i++) hex[i] = HEX[out[out.length - 1 - i] as number] as string;
        const value = BigInt(`0x${hex.join('')}`);
        const negative = signed && ((this.bytes[end - 1] as number) & 0x40) !== 0;
        return negative ? value - (1n << BigInt(7 * groups)) : value;
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
        if (minBytes === 0) this.spend(n);
        else if (n * minBytes > this.bytes.length - this.pos) malformed(`a length of ${n} is longer than the message`);
        return n;
    }
}
