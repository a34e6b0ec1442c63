/**
 * Tokens of Candid's textual syntax (`.did` files and the test-suite format built on it):
 * identifiers and keywords, numbers, text literals (with escapes decoded to UTF-8 bytes, as
 * `blob "..."` needs), and punctuation. Comments (`//`, nested `/* *\/`) are skipped.
 */

export type Token =
    | { kind: 'id'; value: string; at: number }
    | { kind: 'number'; value: bigint; at: number }
    /** A decimal literal with a fraction or an exponent (`1.`, `0.5`, `3e10`): only values have them. */
    | { kind: 'float'; value: number; at: number }
    | { kind: 'text'; bytes: Uint8Array; at: number }
    | { kind: 'symbol'; value: string; at: number };

export class CandidSyntaxError extends Error {
    constructor(message: string, at: number) {
        super(`Candid syntax error at offset ${at}: ${message}. Fix the Candid source there.`);
        this.name = 'CandidSyntaxError';
    }
}

const SYMBOLS = ['!=', '==', '!:', '->', '(', ')', '{', '}', ';', ':', ',', '=', '.', '+', '-'];
const utf8 = new TextEncoder();

function isIdStart(c: string): boolean {
    return /[A-Za-z_]/.test(c);
}

function isIdPart(c: string): boolean {
    return /[A-Za-z0-9_]/.test(c);
}

/** Reads a text literal starting after its opening quote; returns its bytes and the offset after the closing quote. */
function readText(source: string, start: number): { bytes: Uint8Array; end: number } {
    const out: number[] = [];
    let i = start;
    for (;;) {
        if (i >= source.length) throw new CandidSyntaxError('unterminated text literal', start - 1);
        const c = source[i] as string;
        if (c === '"') return { bytes: Uint8Array.from(out), end: i + 1 };
        if (c !== '\\') {
            const code = source.codePointAt(i) as number;
            const char = String.fromCodePoint(code);
            out.push(...utf8.encode(char));
            i += char.length;
            continue;
        }
        const e = source[i + 1];
        const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, '"': 34, "'": 39 };
        if (e !== undefined && simple[e] !== undefined) {
            out.push(simple[e] as number);
            i += 2;
        } else if (e === 'u' && source[i + 2] === '{') {
            const close = source.indexOf('}', i + 3);
            if (close < 0) throw new CandidSyntaxError('unclosed \\u{ escape', i);
            const hex = source.slice(i + 3, close).replaceAll('_', '');
            if (!/^[0-9a-fA-F]{1,6}$/.test(hex)) throw new CandidSyntaxError('bad \\u{} escape', i);
            out.push(...utf8.encode(String.fromCodePoint(parseInt(hex, 16))));
            i = close + 1;
        } else if (e !== undefined && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 1, i + 3))) {
            out.push(parseInt(source.slice(i + 1, i + 3), 16));
            i += 3;
        } else throw new CandidSyntaxError(`unknown escape \\${e ?? ''}`, i);
    }
}

/** The tokens of `source`. */
export function tokenize(source: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < source.length) {
        const c = source[i] as string;
        if (/\s/.test(c)) {
            i++;
        } else if (source.startsWith('//', i)) {
            const end = source.indexOf('\n', i);
            i = end < 0 ? source.length : end + 1;
        } else if (source.startsWith('/*', i)) {
            let depth = 1;
            let j = i + 2;
            while (depth > 0) {
                if (j >= source.length) throw new CandidSyntaxError('unterminated comment', i);
                if (source.startsWith('/*', j)) {
                    depth++;
                    j += 2;
                } else if (source.startsWith('*/', j)) {
                    depth--;
                    j += 2;
                } else j++;
            }
            i = j;
        } else if (c === '"') {
            const { bytes, end } = readText(source, i + 1);
            tokens.push({ kind: 'text', bytes, at: i });
            i = end;
        } else if (/[0-9]/.test(c)) {
            const match = /^(0x[0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9][0-9_]*)?)/.exec(source.slice(i)) as RegExpExecArray;
            const digits = match[0].replaceAll('_', '');
            const isFloat = match[2] !== undefined || match[3] !== undefined;
            tokens.push(isFloat ? { kind: 'float', value: Number(digits), at: i } : { kind: 'number', value: BigInt(digits), at: i });
            i += match[0].length;
        } else if (isIdStart(c)) {
            let j = i + 1;
            while (j < source.length && isIdPart(source[j] as string)) j++;
            tokens.push({ kind: 'id', value: source.slice(i, j), at: i });
            i = j;
        } else {
            const symbol = SYMBOLS.find((s) => source.startsWith(s, i));
            if (symbol === undefined) throw new CandidSyntaxError(`unexpected character ${JSON.stringify(c)}`, i);
            tokens.push({ kind: 'symbol', value: symbol, at: i });
            i += symbol.length;
        }
    }
    return tokens;
}
