/**
 * A forward-only cursor over Wasm bytes. Every read is bounds-checked against `end` and
 * fails with an error that names the byte offset: `InvalidWasmModuleError`, or for LEB128
 * numbers `Leb128Error` (which `prepareModule` turns into an `InvalidWasmModuleError`).
 */
import { InvalidWasmModuleError } from './errors.js';
import { readS32, readS64, readU32, skipLeb, type LebCursor } from '../../encoding/leb128.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ByteReader implements LebCursor {
    pos: number;
    end: number;

    /** Reads `bytes[start, end)`; `end` defaults to the array's length. */
    constructor(
        readonly bytes: Uint8Array,
        start = 0,
        end = bytes.length
    ) {
        this.pos = start;
        this.end = end;
    }

    get atEnd(): boolean {
        return this.pos >= this.end;
    }

    /** An error that says what is malformed and where. */
    fail(what: string, at: number = this.pos): InvalidWasmModuleError {
        return new InvalidWasmModuleError(`Wasm module is malformed: ${what} (at byte ${at}).`);
    }

    u8(): number {
        if (this.pos >= this.end) throw this.fail('unexpected end of data');
        return this.bytes[this.pos++]!;
    }

    u32(): number {
        return readU32(this.bytes, this, this.end);
    }

    s32(): number {
        return readS32(this.bytes, this, this.end);
    }

    s64(): bigint {
        return readS64(this.bytes, this, this.end);
    }

    /** Skips a LEB128 number of any width. */
    skipLeb(): void {
        this.pos = skipLeb(this.bytes, this.pos, this.end);
    }

    /** Skips `n` raw bytes. */
    skip(n: number): void {
        if (n > this.end - this.pos) throw this.fail(`expected ${n} more bytes`);
        this.pos += n;
    }

    /** A view (not a copy) of the next `n` bytes. */
    take(n: number): Uint8Array {
        const start = this.pos;
        this.skip(n);
        return this.bytes.subarray(start, start + n);
    }

    /** A length-prefixed UTF-8 name. */
    name(): string {
        const length = this.u32();
        const at = this.pos;
        const raw = this.take(length);
        try {
            return utf8.decode(raw);
        } catch (cause) {
            throw new InvalidWasmModuleError(`Wasm module is malformed: a name is not valid UTF-8 (at byte ${at}).`, { cause });
        }
    }
}
