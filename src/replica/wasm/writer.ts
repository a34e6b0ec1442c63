/**
 * A growable byte buffer for building Wasm binaries. Copies of original byte ranges
 * (`copy`) are the common case, so instrumented code stays a sequence of block copies.
 */
import { MAX_LEB_BYTES_32, MAX_LEB_BYTES_64, writePaddedU32, writeS32, writeS64, writeU32 } from '../../encoding/leb128.js';

const utf8 = new TextEncoder();

export class ByteWriter {
    private buf: Uint8Array;
    /** Number of bytes written so far (the next write position). */
    length = 0;

    constructor(initialCapacity = 1024) {
        this.buf = new Uint8Array(Math.max(16, initialCapacity));
    }

    /** Makes room for `n` more bytes. */
    reserve(n: number): void {
        const needed = this.length + n;
        if (needed <= this.buf.length) return;
        let capacity = this.buf.length * 2;
        while (capacity < needed) capacity *= 2;
        const next = new Uint8Array(capacity);
        next.set(this.buf.subarray(0, this.length));
        this.buf = next;
    }

    u8(byte: number): void {
        if (this.length >= this.buf.length) this.reserve(1);
        this.buf[this.length++] = byte;
    }

    u32(value: number): void {
        this.reserve(MAX_LEB_BYTES_32);
        this.length = writeU32(this.buf, this.length, value);
    }

    s32(value: number): void {
        this.reserve(MAX_LEB_BYTES_32);
        this.length = writeS32(this.buf, this.length, value);
    }

    /** A signed 64-bit LEB128 of a safe integer. */
    s64(value: number): void {
        this.reserve(MAX_LEB_BYTES_64);
        this.length = writeS64(this.buf, this.length, value);
    }

    /** Writes a 5-byte placeholder u32 and returns its position for `patchU32`. */
    placeholderU32(): number {
        this.reserve(MAX_LEB_BYTES_32);
        const at = this.length;
        this.length = writePaddedU32(this.buf, at, 0);
        return at;
    }

    /** Fills a placeholder written by `placeholderU32`. */
    patchU32(at: number, value: number): void {
        writePaddedU32(this.buf, at, value);
    }

    bytes(data: Uint8Array): void {
        this.reserve(data.length);
        this.buf.set(data, this.length);
        this.length += data.length;
    }

    /** Copies `source[start, end)`. */
    copy(source: Uint8Array, start: number, end: number): void {
        const n = end - start;
        if (n <= 0) return;
        this.reserve(n);
        if (n < 16) {
            const buf = this.buf;
            let at = this.length;
            for (let i = start; i < end; i++) buf[at++] = source[i]!;
        } else {
            this.buf.set(source.subarray(start, end), this.length);
        }
        this.length += n;
    }

    /** A length-prefixed UTF-8 name. */
    name(text: string): void {
        const encoded = utf8.encode(text);
        this.u32(encoded.length);
        this.bytes(encoded);
    }

    /** Writes a section: id, size and the content another writer built. */
    section(id: number, content: ByteWriter): void {
        this.u8(id);
        this.u32(content.length);
        this.reserve(content.length);
        this.buf.set(content.buf.subarray(0, content.length), this.length);
        this.length += content.length;
    }

    /** The bytes written so far (a copy trimmed to size). */
    finish(): Uint8Array {
        return this.buf.slice(0, this.length);
    }
}
