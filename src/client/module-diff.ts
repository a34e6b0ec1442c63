/**
 * What differs between two builds of a canister module: the one stored in the upgrader and a
 * voter's own build. Hashes and sizes first; then, if either is gzipped, the Wasm inside (the
 * same Wasm gzipped twice rarely gives the same bytes, and the IC hashes the bytes as uploaded);
 * then the first differing byte of the Wasm and the section it falls in (a custom section such as
 * `name`, the code, the data...), and every section whose contents differ.
 *
 * No Node API (gzip through the web platform's DecompressionStream), so a browser can use it.
 */
import { sha256 } from '@noble/hashes/sha2';

import { concatBytes, equalBytes } from '../encoding/bytes.js';
import { toHex } from '../encoding/hex.js';
import { readU32 } from '../encoding/leb128.js';

/** The IC's limit on a module's uncompressed Wasm; a gzipped module that inflates past it is refused. */
const MAX_WASM_BYTES = 100 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];
const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];

export type Encoding = 'gzip' | 'raw';

/** One side of a comparison: its bytes as given, hashed, and the Wasm inside them. */
export interface ModuleDigest {
    sha256: Uint8Array;
    size: number;
    encoding: Encoding;
    /** Bytes of the Wasm (after gunzip for a gzipped module). */
    wasmSize: number;
}

/** A section of a Wasm module: `start` is its id byte, `end` is past its last byte. */
export interface WasmSection {
    /** Position among the module's sections, from 0. */
    index: number;
    /** `code`, `data`, `custom "name"`... */
    name: string;
    start: number;
    end: number;
}

/** Where the first differing byte falls, on one side. */
export interface SectionPosition {
    section: WasmSection;
    /** Offset of the byte from the section's start (its id byte). */
    offsetInSection: number;
}

export type ModuleDifference =
    /** Byte for byte the same. */
    | { kind: 'identical' }
    /** The same Wasm, differently encoded (one side gzipped, or gzipped differently). */
    | { kind: 'encoding'; wasmSha256: Uint8Array }
    /**
     * Different Wasm. `offset` is the first differing byte of the two Wasm modules; `stored` and
     * `local` say which section holds it on each side (absent past a side's last section), and
     * `sections` lists every section whose bytes differ, or that only one side has.
     */
    | { kind: 'wasm'; offset: number; stored?: SectionPosition; local?: SectionPosition; sections: string[] }
    /** At least one side is not a Wasm module (nor gzipped Wasm): the first differing byte of the two. */
    | { kind: 'bytes'; offset: number; reason: string };

export interface ModuleComparison {
    stored: ModuleDigest;
    local: ModuleDigest;
    difference: ModuleDifference;
}

/** A module that could not be read as gzip or whose Wasm is over the IC's limit. */
export class ModuleDecodeError extends Error {
    override name = 'ModuleDecodeError';
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
    return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** Index of the first byte where `a` and `b` differ (the shorter length if one is a prefix of the other), or -1 if equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
    const length = Math.min(a.length, b.length);
    for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
    return a.length === b.length ? -1 : length;
}

/** Inflates a gzipped module, refusing more than MAX_WASM_BYTES. */
async function gunzip(bytes: Uint8Array, what: string): Promise<Uint8Array> {
    const reader = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    try {
        for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            size += value.length;
            if (size > MAX_WASM_BYTES) throw new ModuleDecodeError(`${what} inflates to more than ${MAX_WASM_BYTES} bytes, past the IC's limit for a module's Wasm`);
            parts.push(value);
        }
    } catch (error) {
        await reader.cancel().catch(() => undefined);
        if (error instanceof ModuleDecodeError) throw error;
        throw new ModuleDecodeError(`${what} starts like gzip but is not valid gzip: ${error instanceof Error ? error.message : String(error)}`);
    }
    return concatBytes(parts);
}

/** The sections of a Wasm module, or undefined when the bytes are not a well-formed module. */
export function wasmSections(wasm: Uint8Array): WasmSection[] | undefined {
    if (!startsWith(wasm, WASM_HEADER)) return undefined;
    const sections: WasmSection[] = [];
    const cursor = { pos: WASM_HEADER.length };
    try {
        while (cursor.pos < wasm.length) {
            const start = cursor.pos;
            const id = wasm[cursor.pos++]!;
            const size = readU32(wasm, cursor, wasm.length);
            const contentStart = cursor.pos;
            const end = contentStart + size;
            if (end > wasm.length) return undefined;
            let name = SECTION_NAMES[id] ?? `unknown (id ${id})`;
            if (id === 0) {
                const nameLength = readU32(wasm, cursor, end);
                if (cursor.pos + nameLength > end) return undefined;
                name = `custom ${JSON.stringify(new TextDecoder().decode(wasm.subarray(cursor.pos, cursor.pos + nameLength)))}`;
            }
            sections.push({ index: sections.length, name, start, end });
            cursor.pos = end;
        }
    } catch {
        return undefined;
    }
    return sections;
}

function positionOf(sections: WasmSection[], offset: number): SectionPosition | undefined {
    const section = sections.find((s) => offset >= s.start && offset < s.end);
    return section === undefined ? undefined : { section, offsetInSection: offset - section.start };
}

/** Names of the sections whose bytes differ, pairing the n-th section of a name on one side with the n-th on the other. */
function differingSections(storedWasm: Uint8Array, stored: WasmSection[], localWasm: Uint8Array, local: WasmSection[]): string[] {
    const keyed = (wasm: Uint8Array, sections: WasmSection[]): Map<string, Uint8Array> => {
        const seen = new Map<string, number>();
        const out = new Map<string, Uint8Array>();
        for (const s of sections) {
            const n = seen.get(s.name) ?? 0;
            seen.set(s.name, n + 1);
            out.set(n === 0 ? s.name : `${s.name} #${n + 1}`, wasm.subarray(s.start, s.end));
        }
        return out;
    };
    const a = keyed(storedWasm, stored);
    const b = keyed(localWasm, local);
    const names: string[] = [];
    for (const [name, bytes] of a) {
        const other = b.get(name);
        if (other === undefined) names.push(`${name} (only in the stored module)`);
        else if (!equalBytes(bytes, other)) names.push(name);
    }
    for (const name of b.keys()) if (!a.has(name)) names.push(`${name} (only in your build)`);
    return names;
}

/** The Wasm of a module as installed (gzipped or raw), and which it was. @throws ModuleDecodeError on bad gzip */
export async function wasmOf(bytes: Uint8Array, what: string): Promise<{ encoding: Encoding; wasm: Uint8Array }> {
    return startsWith(bytes, GZIP_MAGIC) ? { encoding: 'gzip', wasm: await gunzip(bytes, what) } : { encoding: 'raw', wasm: bytes };
}

/**
 * Compares the module stored in the upgrader with a local build.
 * @throws ModuleDecodeError when a side starts like gzip but does not inflate (or inflates past 100 MiB)
 */
export async function compareModules(storedBytes: Uint8Array, localBytes: Uint8Array): Promise<ModuleComparison> {
    const stored = await wasmOf(storedBytes, 'the stored module');
    const local = await wasmOf(localBytes, 'your build');
    const digest = (bytes: Uint8Array, side: { encoding: Encoding; wasm: Uint8Array }): ModuleDigest => ({ sha256: sha256(bytes), size: bytes.length, encoding: side.encoding, wasmSize: side.wasm.length });
    const result = { stored: digest(storedBytes, stored), local: digest(localBytes, local) };
    if (equalBytes(result.stored.sha256, result.local.sha256)) return { ...result, difference: { kind: 'identical' } };
    const offset = firstDifference(stored.wasm, local.wasm);
    if (offset === -1) return { ...result, difference: { kind: 'encoding', wasmSha256: sha256(stored.wasm) } };
    const storedSections = wasmSections(stored.wasm);
    const localSections = wasmSections(local.wasm);
    if (storedSections === undefined || localSections === undefined) {
        const which = storedSections === undefined ? (localSections === undefined ? 'neither side is' : 'the stored module is not') : 'your build is not';
        return { ...result, difference: { kind: 'bytes', offset, reason: `${which} a well-formed Wasm module` } };
    }
    return {
        ...result,
        difference: {
            kind: 'wasm',
            offset,
            stored: positionOf(storedSections, offset),
            local: positionOf(localSections, offset),
            sections: differingSections(stored.wasm, storedSections, local.wasm, localSections)
        }
    };
}

function side(label: string, d: ModuleDigest): string {
    const wasm = d.encoding === 'gzip' ? `gzip, ${d.wasmSize} bytes of Wasm inside` : 'raw Wasm';
    return `${label} ${toHex(d.sha256)}  ${d.size} bytes (${wasm})`;
}

function where(position: SectionPosition | undefined): string {
    return position === undefined ? 'past its last section' : `in section ${position.section.index} (${position.section.name}), ${position.offsetInSection} bytes into it`;
}

/** The comparison as lines for a person: both hashes and sizes, then what differs. */
export function describeComparison({ stored, local, difference }: ModuleComparison): string[] {
    const lines = [side('stored module:', stored), side('your build:   ', local)];
    switch (difference.kind) {
        case 'identical':
            return [...lines, 'matches your build'];
        case 'encoding':
            return [
                ...lines,
                `DIFFERS only in encoding: the same Wasm (SHA-256 ${toHex(difference.wasmSha256)}), ${stored.encoding === local.encoding ? 'gzipped differently on each side' : `stored ${stored.encoding}, your build ${local.encoding}`}.`,
                'The IC hashes the module as uploaded: build with the same gzip settings (or none) as the uploader to reproduce its hash.'
            ];
        case 'wasm': {
            const sameSection = difference.stored !== undefined && difference.local !== undefined && difference.stored.section.name === difference.local.section.name && difference.stored.section.index === difference.local.section.index;
            const at = sameSection ? `${where(difference.stored)} of both` : `stored module: ${where(difference.stored)}; your build: ${where(difference.local)}`;
            return [
                ...lines,
                `DIFFERS: the Wasm (${stored.wasmSize} vs ${local.wasmSize} bytes) first differs at byte ${difference.offset}, ${at}`,
                `sections that differ: ${difference.sections.length === 0 ? 'none by content (their order differs)' : difference.sections.join(', ')}`
            ];
        }
        case 'bytes':
            return [...lines, `DIFFERS: ${difference.reason}; the bytes first differ at offset ${difference.offset}`];
    }
}
