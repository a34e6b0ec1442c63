/** An output buffer for Candid: grows by doubling; large blobs are appended as parts, not copied. */

/** Blobs at least this long are kept as separate parts and copied once, when the message is assembled. */
const LARGE_BLOB = 64 * 1024;

export class Writer {
    buf = new Uint8Array(256);
    view = new DataView(this.buf.buffer);
    pos = 0;
    parts: Uint8Array[] = [];
    partsBytes = 0;

    room(n: number): void {
        if (this.pos + n <= this.buf.length) return;
        let size = this.buf.length * 2;
        while (size < this.pos + n) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(0, this.pos));
        this.buf = next;
        this.view = new DataView(next.buffer);
    }

    u8(value: number): void {
        if (this.pos >= this.buf.length) this.room(1);
        this.buf[this.pos++] = value;
    }

    bytes(value: Uint8Array): void {
        if (value.length >= LARGE_BLOB) {
            this.parts.push(this.buf.subarray(0, this.pos), value);
            this.partsBytes += this.pos + value.length;
            this.buf = new Uint8Array(256);
            this.view = new DataView(this.buf.buffer);
            this.pos = 0;
            return;
        }
        this.room(value.length);
        this.buf.set(value, this.pos);
        this.pos += value.length;
    }

    /** Unsigned LEB128 of a safe integer. */
    leb(value: number): void {
        this.room(8);
        let rest = value;
        while (rest >= 0x80) {
            this.buf[this.pos++] = (rest % 0x80) | 0x80;
            rest = Math.floor(rest / 0x80);
        }
        this.buf[this.pos++] = rest;
    }

    /** Signed LEB128 of a safe integer. */
    sleb(value: number): void {
        this.room(8);
        let rest = value;
        for (;;) {
            const byte = ((rest % 0x80) + 0x80) % 0x80;
            rest = Math.floor(rest / 0x80);
            const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
            this.buf[this.pos++] = done ? byte : byte | 0x80;
            if (done) return;
        }
    }

    lebBig(value: bigint): void {
        if (value < 0x80000000n) {
            this.leb(Number(value));
            return;
        }
        let rest = value;
        do {
            const byte = Number(rest & 0x7fn);
            rest >>= 7n;
            this.u8(rest === 0n ? byte : byte | 0x80);
        } while (rest !== 0n);
    }

    slebBig(value: bigint): void {
        if (value < 0x80000000n && value > -0x80000000n) {
            this.sleb(Number(value));
            return;
        }
        let rest = value;
        for (;;) {
            const byte = Number(rest & 0x7fn);
            rest >>= 7n;
            const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
            this.u8(done ? byte : byte | 0x80);
            if (done) return;
        }
    }

    /** `bytes` little-endian bytes of an integer (nat16/32, int16/32 as two's complement). */
    fixed(bytes: 2 | 4, value: number): void {
        this.room(4);
        if (bytes === 2) this.view.setUint16(this.pos, value & 0xffff, true);
        else this.view.setUint32(this.pos, value >>> 0, true);
        this.pos += bytes;
    }

    u64(value: bigint): void {
        this.room(8);
        this.view.setBigUint64(this.pos, value, true);
        this.pos += 8;
    }

    i64(value: bigint): void {
        this.room(8);
        this.view.setBigInt64(this.pos, value, true);
        this.pos += 8;
    }

    float(bits: number, value: number): void {
        this.room(8);
        if (bits === 32) this.view.setFloat32(this.pos, value, true);
        else this.view.setFloat64(this.pos, value, true);
        this.pos += bits / 8;
    }

    /** The bytes written, in one array (a view of the buffer when nothing large was appended). */
    finish(): Uint8Array {
        if (this.parts.length === 0) return this.buf.subarray(0, this.pos);
        const out = new Uint8Array(this.partsBytes + this.pos);
        let at = 0;
        for (const part of this.parts) {
            out.set(part, at);
            at += part.length;
        }
        out.set(this.buf.subarray(0, this.pos), at);
        return out;
    }
}
