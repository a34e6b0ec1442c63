/**
 * A TextEncoder / TextDecoder pair that is fast in QuickJS (see runtime.ts, which installs it).
 * Exact UTF-8: lone surrogates encode as U+FFFD like the standard encoder, and invalid input
 * throws on decode (like a `fatal` decoder). Pure: no Azle import, so it is tested in Node.
 */
/** Strings up to this length are remembered (labels, small texts). */
const MEMO_MAX_CHARS = 64;
/** At most this many strings are remembered; the memo is emptied when full. */
const MEMO_MAX_ENTRIES = 2048;
const memo = new Map<string, Uint8Array>();

function utf8(text: string): Uint8Array {
    const ascii = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0x7f) return utf8Slow(text);
        ascii[i] = code;
    }
    return ascii;
}

function utf8Slow(text: string): Uint8Array {
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) {
        let code = text.charCodeAt(i);
        if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
            const low = text.charCodeAt(i + 1);
            if (low >= 0xdc00 && low <= 0xdfff) {
                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                i++;
            }
        }
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate, as TextEncoder does
        if (code < 0x80) out.push(code);
        else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
        else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
        else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
    return Uint8Array.from(out);
}

export class FastTextEncoder {
    readonly encoding = 'utf-8';

    encode(input: string = ''): Uint8Array {
        if (input.length > MEMO_MAX_CHARS) return utf8(input);
        let bytes = memo.get(input);
        if (bytes === undefined) {
            if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
            bytes = utf8(input);
            memo.set(input, bytes);
        }
        return bytes.slice();
    }
}

const NON_ASCII = /[\x80-\xff]/;

export class FastTextDecoder {
    readonly encoding = 'utf-8';

    decode(input?: ArrayBufferView | ArrayBuffer): string {
        if (input === undefined) return '';
        const bytes = input instanceof Uint8Array ? input : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
        let binary = '';
        for (let at = 0; at < bytes.length; at += 8192) binary += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
        // escape() turns each byte into %XX and decodeURIComponent reads them as UTF-8 (throwing on invalid input).
        return NON_ASCII.test(binary) ? decodeURIComponent(escape(binary)) : binary;
    }
}

