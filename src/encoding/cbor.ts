/**
 * A small CBOR (RFC 8949) codec for the IC HTTP interface.
 *
 * Decoding is what the replica needs for request envelopes: maps with text keys become
 * `Map<string, CborValue>`, every integer becomes a `bigint`, byte strings become
 * `Uint8Array`s, the self-describe tag 55799 is dropped wherever it appears and any other
 * tag is kept as a `CborTag`. Indefinite-length items are accepted.
 *
 * Encoding emits definite lengths only, the shortest integer heads, and no tags except an
 * optional leading self-describe tag: exactly what `@dfinity/cbor` (used by the agent)
 * accepts. Plain objects and `Map`s encode as maps; `undefined` entries are skipped.
 */

export class CborTag {
    constructor(
        readonly tag: bigint,
        readonly value: CborInput
    ) {}
}

/** What decoding produces. */
export type CborValue = bigint | number | string | boolean | null | undefined | Uint8Array | CborValue[] | CborMap | CborTag;
export type CborMap = Map<string, CborValue>;

/** What encoding accepts. */
export type CborInput =
    | bigint
    | number
    | string
    | boolean
    | null
    | undefined
    | Uint8Array
    | CborTag
    | readonly CborInput[]
    | ReadonlyMap<string, CborInput>
    | { readonly [key: string]: CborInput };

class CborDecodeError extends Error {}

const SELF_DESCRIBE_TAG = 55799n;
const SELF_DESCRIBE_HEAD = new Uint8Array([0xd9, 0xd9, 0xf7]);

// ------------------------------------------------------------------ encoding

class Writer {
    #buf = new Uint8Array(256);
    #view = new DataView(this.#buf.buffer);
    length = 0;

    #reserve(n: number): void {
        if (this.length + n <= this.#buf.length) return;
        let size = this.#buf.length * 2;
        while (size < this.length + n) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.#buf.subarray(0, this.length));
        this.#buf = next;
        this.#view = new DataView(next.buffer);
    }

    byte(b: number): void {
        this.#reserve(1);
        this.#buf[this.length++] = b;
    }

    bytes(data: Uint8Array): void {
        this.#reserve(data.length);
        this.#buf.set(data, this.length);
        this.length += data.length;
    }

    head(major: number, value: number | bigint): void {
        const m = major << 5;
        if (typeof value === 'number' && value < 24) return this.byte(m | value);
        const v = BigInt(value);
        if (v < 24n) return this.byte(m | Number(v));
        if (v < 0x100n) {
            this.byte(m | 24);
            return this.byte(Number(v));
        }
        if (v < 0x10000n) {
            this.#reserve(3);
            this.#buf[this.length] = m | 25;
            this.#view.setUint16(this.length + 1, Number(v));
            this.length += 3;
            return;
        }
        if (v < 0x100000000n) {
            this.#reserve(5);
            this.#buf[this.length] = m | 26;
            this.#view.setUint32(this.length + 1, Number(v));
            this.length += 5;
            return;
        }
        if (v < 0x10000000000000000n) {
            this.#reserve(9);
            this.#buf[this.length] = m | 27;
            this.#view.setBigUint64(this.length + 1, v);
            this.length += 9;
            return;
        }
        throw new RangeError(`CBOR: integer ${v} does not fit in 64 bits`);
    }

    float64(value: number): void {
        this.#reserve(9);
        this.#buf[this.length] = 0xfb;
        this.#view.setFloat64(this.length + 1, value);
        this.length += 9;
    }

    result(): Uint8Array {
        return this.#buf.slice(0, this.length);
    }
}

const textEncoder = new TextEncoder();

function writeValue(w: Writer, value: CborInput): void {
    if (value === null) return w.byte(0xf6);
    if (value === undefined) return w.byte(0xf7);
    if (value === true) return w.byte(0xf5);
    if (value === false) return w.byte(0xf4);
    if (typeof value === 'bigint') return value >= 0n ? w.head(0, value) : w.head(1, -1n - value);
    if (typeof value === 'number') {
        if (Number.isSafeInteger(value)) return value >= 0 ? w.head(0, value) : w.head(1, -1 - value);
        return w.float64(value);
    }
    if (typeof value === 'string') {
        const utf8 = textEncoder.encode(value);
        w.head(3, utf8.length);
        return w.bytes(utf8);
    }
    if (value instanceof Uint8Array) {
        w.head(2, value.length);
        return w.bytes(value);
    }
    if (value instanceof CborTag) {
        w.head(6, value.tag);
        return writeValue(w, value.value);
    }
    if (isArray(value)) {
        w.head(4, value.length);
        for (const item of value) writeValue(w, item);
        return;
    }
    const entries: Array<[string, CborInput]> = [];
    if (isMap(value)) {
        for (const [k, v] of value) if (v !== undefined) entries.push([k, v]);
    } else {
        for (const [k, v] of Object.entries(value)) if (v !== undefined) entries.push([k, v]);
    }
    w.head(5, entries.length);
    for (const [k, v] of entries) {
        writeValue(w, k);
        writeValue(w, v);
    }
}

function isArray(value: CborInput): value is readonly CborInput[] {
    return Array.isArray(value);
}

function isMap(value: CborInput): value is ReadonlyMap<string, CborInput> {
    return value instanceof Map;
}

/** Encodes `value`, by default behind the self-describe tag 55799 (as the IC does). */
export function encodeCbor(value: CborInput, options: { selfDescribe?: boolean } = {}): Uint8Array {
    const w = new Writer();
    if (options.selfDescribe ?? true) w.bytes(SELF_DESCRIBE_HEAD);
    writeValue(w, value);
    return w.result();
}

// ------------------------------------------------------------------ decoding

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const BREAK = Symbol('break');

class Reader {
    pos = 0;
    readonly #view: DataView;
    depth = 0;

    constructor(readonly bytes: Uint8Array) {
        this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }

    #need(n: number): void {
        if (this.pos + n > this.bytes.length) throw new CborDecodeError('CBOR: unexpected end of input');
    }

    u8(): number {
        this.#need(1);
        return this.bytes[this.pos++]!;
    }

    /** The argument of a head with additional info `info`; null for indefinite length. */
    argument(info: number): bigint | null {
        if (info < 24) return BigInt(info);
        switch (info) {
            case 24:
                return BigInt(this.u8());
            case 25: {
                this.#need(2);
                const v = this.#view.getUint16(this.pos);
                this.pos += 2;
                return BigInt(v);
            }
            case 26: {
                this.#need(4);
                const v = this.#view.getUint32(this.pos);
                this.pos += 4;
                return BigInt(v);
            }
            case 27: {
                this.#need(8);
                const v = this.#view.getBigUint64(this.pos);
                this.pos += 8;
                return v;
            }
            case 31:
                return null;
            default:
                throw new CborDecodeError(`CBOR: reserved additional information ${info}`);
        }
    }

    take(n: bigint): Uint8Array {
        if (n > BigInt(this.bytes.length - this.pos)) throw new CborDecodeError('CBOR: unexpected end of input');
        const start = this.pos;
        this.pos += Number(n);
        return this.bytes.slice(start, this.pos);
    }

    float(info: number): number {
        if (info === 25) {
            this.#need(2);
            const half = this.#view.getUint16(this.pos);
            this.pos += 2;
            return decodeHalf(half);
        }
        if (info === 26) {
            this.#need(4);
            const v = this.#view.getFloat32(this.pos);
            this.pos += 4;
            return v;
        }
        this.#need(8);
        const v = this.#view.getFloat64(this.pos);
        this.pos += 8;
        return v;
    }
}

function decodeHalf(half: number): number {
    const exp = (half >> 10) & 0x1f;
    const mant = half & 0x3ff;
    const sign = half & 0x8000 ? -1 : 1;
    if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
    if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
    return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

const MAX_DEPTH = 128;

function readItem(r: Reader): CborValue | typeof BREAK {
    const initial = r.u8();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) {
        switch (info) {
            case 20:
                return false;
            case 21:
                return true;
            case 22:
                return null;
            case 23:
                return undefined;
            case 25:
            case 26:
            case 27:
                return r.float(info);
            case 31:
                return BREAK;
            default:
                if (info < 24) return undefined;
                if (info === 24) {
                    r.u8();
                    return undefined;
                }
                throw new CborDecodeError(`CBOR: unsupported simple value ${info}`);
        }
    }
    const arg = r.argument(info);
    switch (major) {
        case 0:
            if (arg === null) throw new CborDecodeError('CBOR: indefinite integer');
            return arg;
        case 1:
            if (arg === null) throw new CborDecodeError('CBOR: indefinite integer');
            return -1n - arg;
        case 2:
        case 3: {
            let data: Uint8Array;
            if (arg !== null) {
                data = r.take(arg);
            } else {
                const parts: Uint8Array[] = [];
                for (;;) {
                    const part = readItem(r);
                    if (part === BREAK) break;
                    if (major === 2 && part instanceof Uint8Array) parts.push(part);
                    else if (major === 3 && typeof part === 'string') parts.push(textEncoder.encode(part));
                    else throw new CborDecodeError(`CBOR: bad chunk in an indefinite ${major === 2 ? 'byte' : 'text'} string`);
                }
                data = new Uint8Array(Buffer.concat(parts));
            }
            if (major === 2) return data;
            try {
                return textDecoder.decode(data);
            } catch {
                throw new CborDecodeError('CBOR: text string is not valid UTF-8');
            }
        }
        case 4: {
            if (++r.depth > MAX_DEPTH) throw new CborDecodeError('CBOR: nesting too deep');
            const items: CborValue[] = [];
            if (arg === null) {
                for (;;) {
                    const item = readItem(r);
                    if (item === BREAK) break;
                    items.push(item);
                }
            } else {
                if (arg > BigInt(r.bytes.length - r.pos)) throw new CborDecodeError('CBOR: array longer than the input');
                for (let i = 0n; i < arg; i++) items.push(readValue(r));
            }
            r.depth--;
            return items;
        }
        case 5: {
            if (++r.depth > MAX_DEPTH) throw new CborDecodeError('CBOR: nesting too deep');
            const map: CborMap = new Map();
            const readEntry = (key: CborValue): void => {
                if (typeof key !== 'string') throw new CborDecodeError('CBOR: map keys must be text strings');
                map.set(key, readValue(r));
            };
            if (arg === null) {
                for (;;) {
                    const key = readItem(r);
                    if (key === BREAK) break;
                    readEntry(key);
                }
            } else {
                if (arg > BigInt(r.bytes.length - r.pos)) throw new CborDecodeError('CBOR: map longer than the input');
                for (let i = 0n; i < arg; i++) readEntry(readValue(r));
            }
            r.depth--;
            return map;
        }
        case 6: {
            if (arg === null) throw new CborDecodeError('CBOR: indefinite tag');
            const inner = readValue(r);
            return arg === SELF_DESCRIBE_TAG ? inner : new CborTag(arg, inner);
        }
        default:
            throw new CborDecodeError(`CBOR: unknown major type ${major}`);
    }
}

function readValue(r: Reader): CborValue {
    const item = readItem(r);
    if (item === BREAK) throw new CborDecodeError('CBOR: unexpected break');
    return item;
}

/** Decodes one CBOR item that must span all of `bytes`. @throws CborDecodeError */
export function decodeCbor(bytes: Uint8Array): CborValue {
    const r = new Reader(bytes);
    const value = readValue(r);
    if (r.pos !== bytes.length) throw new CborDecodeError(`CBOR: ${bytes.length - r.pos} trailing bytes`);
    return value;
}

// ------------------------------------------------------------------ typed access

export function isCborMap(value: CborValue): value is CborMap {
    return value instanceof Map;
}

export function isBytes(value: CborValue): value is Uint8Array {
    return value instanceof Uint8Array;
}
