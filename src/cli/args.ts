/**
 * Parsers of option values: each throws a UsageError naming the option and an example of a
 * valid value, so a typo ends in one line and exit code 2.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { Principal } from '@dfinity/principal';

import { fromHex } from '../encoding/hex.js';
import { UsageError } from './errors.js';

/** @throws UsageError naming `what` when `text` is not a principal. */
export function parsePrincipal(text: string, what: string): Principal {
    try {
        return Principal.fromText(text);
    } catch {
        throw new UsageError(`${what}: ${JSON.stringify(text)} is not a principal (e.g. ryjl3-tyaaa-aaaaa-aaaba-cai)`);
    }
}

/** A SHA-256 in hex (64 digits, an optional 0x). */
export function parseHash(text: string, what: string): Uint8Array {
    const hex = text.startsWith('0x') ? text.slice(2) : text;
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`${what}: a SHA-256 is 64 hex digits, not ${JSON.stringify(text)}`);
    return fromHex(hex);
}

/** Bytes in hex (an even number of digits, an optional 0x). */
export function parseHexBytes(text: string, what: string): Uint8Array {
    const hex = text.startsWith('0x') ? text.slice(2) : text;
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new UsageError(`${what}: expected hex bytes (e.g. 4449444c0000), not ${JSON.stringify(text)}`);
    return fromHex(hex);
}

/** A whole number ≥ 0 as a bigint (nat, nat64, cycles). */
export function parseNat(text: string, what: string): bigint {
    if (!/^\d+$/.test(text)) throw new UsageError(`${what}: expected a whole number ≥ 0, not ${JSON.stringify(text)}`);
    return BigInt(text);
}

/** A whole number from 0 to `max`. */
export function parseSmall(text: string, what: string, max: number): number {
    const value = parseNat(text, what);
    if (value > BigInt(max)) throw new UsageError(`${what}: at most ${max}, not ${text}`);
    return Number(value);
}

/** A file's bytes, the path relative to `cwd`. */
export async function readBytes(path: string, cwd: string, what: string): Promise<Uint8Array> {
    try {
        return new Uint8Array(await readFile(resolve(cwd, path)));
    } catch (error) {
        throw new UsageError(`${what}: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`);
    }
}

/** Commander's collector for repeatable options (`--voter a --voter b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
    return [...(previous ?? []), value];
}

/**
 * Principals given as repeated flags and/or in a file (one per line; blank lines and `#`
 * comments skipped), in order. @throws UsageError naming the flag or the file's line of a value
 * that is not a principal, or of a principal given twice.
 */
export async function parsePrincipalList(flags: readonly string[] | undefined, file: string | undefined, cwd: string, what: { flag: string; fileFlag: string }): Promise<Principal[]> {
    const entries: Array<{ text: string; where: string }> = (flags ?? []).map((text) => ({ text, where: what.flag }));
    if (file !== undefined) {
        const lines = new TextDecoder().decode(await readBytes(file, cwd, what.fileFlag)).split('\n');
        lines.forEach((line, index) => {
            const text = line.replace(/#.*/, '').trim();
            if (text !== '') entries.push({ text, where: `${what.fileFlag} ${file} line ${index + 1}` });
        });
    }
    const seen = new Map<string, string>();
    return entries.map(({ text, where }) => {
        const principal = parsePrincipal(text, where);
        const earlier = seen.get(principal.toText());
        if (earlier !== undefined) throw new UsageError(`${where}: ${text} is named twice (first at ${earlier})`);
        seen.set(principal.toText(), where);
        return principal;
    });
}
