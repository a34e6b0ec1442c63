/**
 * A backup's manifest (manifest.json in the backup folder): the canister, the snapshot, when it
 * was made, the module hash, the snapshot's metadata in exact JSON (integers as decimal strings,
 * floats as their IEEE-754 bits in hex) and every part's file, size and SHA-256.
 */
import { fromHex, toHex } from '../../encoding/hex.js';
import type { SnapshotMetadata } from './management.js';
import type { SnapshotPart } from './parts.js';

export const MANIFEST_FORMAT = 'upgrader-backup/1';

export interface ManifestPart {
    /** A snapshot part, or `wasm_chunk` for one chunk of its chunk store. */
    kind: SnapshotPart | 'wasm_chunk';
    /** Its file, relative to the backup folder. */
    file: string;
    size: number;
    sha256: string;
}

type StoredGlobal = { i32: string } | { i64: string } | { f32: string } | { f64: string } | { v128: string };

export interface StoredMetadata {
    source: 'taken_from_canister' | 'metadata_upload';
    taken_at_timestamp: string;
    wasm_module_size: string;
    wasm_memory_size: string;
    stable_memory_size: string;
    globals: StoredGlobal[];
    chunk_hashes: string[];
    canister_version: string;
    certified_data: string;
    /** null: none recorded; "inactive"; or the time it fires (ns). */
    global_timer: null | 'inactive' | { active: string };
    on_low_wasm_memory_hook_status: null | 'condition_not_satisfied' | 'ready' | 'executed';
}

export interface Manifest {
    format: typeof MANIFEST_FORMAT;
    canister_id: string;
    snapshot_id: string;
    /** When the backup finished (ISO 8601). */
    created_at: string;
    /** SHA-256 of the Wasm module, as canister_status reports it. */
    module_hash: string;
    metadata: StoredMetadata;
    parts: ManifestPart[];
}

function floatBits(value: number, bytes: 4 | 8): string {
    const view = new DataView(new ArrayBuffer(bytes));
    if (bytes === 4) view.setFloat32(0, value);
    else view.setFloat64(0, value);
    return toHex(new Uint8Array(view.buffer));
}

function bitsFloat(hex: string, bytes: 4 | 8): number {
    const raw = fromHex(hex);
    if (raw.length !== bytes) throw new ManifestError(`a float global has ${raw.length} bytes, not ${bytes}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return bytes === 4 ? view.getFloat32(0) : view.getFloat64(0);
}

/** The manifest is not one this version can read. */
export class ManifestError extends Error {
    override name = 'ManifestError';
}

export function storeMetadata(m: SnapshotMetadata): StoredMetadata {
    const timer = m.global_timer[0];
    const hook = m.on_low_wasm_memory_hook_status[0];
    return {
        source: 'metadata_upload' in m.source ? 'metadata_upload' : 'taken_from_canister',
        taken_at_timestamp: m.taken_at_timestamp.toString(),
        wasm_module_size: m.wasm_module_size.toString(),
        wasm_memory_size: m.wasm_memory_size.toString(),
        stable_memory_size: m.stable_memory_size.toString(),
        globals: m.globals.map((g): StoredGlobal => {
            if ('i32' in g) return { i32: String(g.i32) };
            if ('i64' in g) return { i64: g.i64.toString() };
            if ('f32' in g) return { f32: floatBits(g.f32, 4) };
            if ('f64' in g) return { f64: floatBits(g.f64, 8) };
            return { v128: g.v128.toString() };
        }),
        chunk_hashes: m.wasm_chunk_store.map((c) => toHex(c.hash)),
        canister_version: m.canister_version.toString(),
        certified_data: toHex(m.certified_data),
        global_timer: timer === undefined ? null : 'inactive' in timer ? 'inactive' : { active: timer.active.toString() },
        on_low_wasm_memory_hook_status: hook === undefined ? null : 'ready' in hook ? 'ready' : 'executed' in hook ? 'executed' : 'condition_not_satisfied'
    };
}

function integer(text: unknown, what: string): bigint {
    if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw new ManifestError(`${what} is not an integer`);
    return BigInt(text);
}

function hexText(text: unknown, what: string): Uint8Array {
    if (typeof text !== 'string' || !/^([0-9a-f]{2})*$/.test(text)) throw new ManifestError(`${what} is not lowercase hex`);
    return fromHex(text);
}

export function loadMetadata(s: StoredMetadata): SnapshotMetadata {
    const globals = s.globals.map((g): SnapshotMetadata['globals'][number] => {
        if ('i32' in g) return { i32: Number(integer(g.i32, 'an i32 global')) };
        if ('i64' in g) return { i64: integer(g.i64, 'an i64 global') };
        if ('f32' in g) return { f32: bitsFloat(g.f32, 4) };
        if ('f64' in g) return { f64: bitsFloat(g.f64, 8) };
        if ('v128' in g) return { v128: integer(g.v128, 'a v128 global') };
        throw new ManifestError('a global has no known type');
    });
    const timer = s.global_timer;
    const hook = s.on_low_wasm_memory_hook_status;
    return {
        source: s.source === 'metadata_upload' ? { metadata_upload: null } : { taken_from_canister: null },
        taken_at_timestamp: integer(s.taken_at_timestamp, 'taken_at_timestamp'),
        wasm_module_size: integer(s.wasm_module_size, 'wasm_module_size'),
        wasm_memory_size: integer(s.wasm_memory_size, 'wasm_memory_size'),
        stable_memory_size: integer(s.stable_memory_size, 'stable_memory_size'),
        globals,
        wasm_chunk_store: s.chunk_hashes.map((h) => ({ hash: hexText(h, 'a chunk hash') })),
        canister_version: integer(s.canister_version, 'canister_version'),
        certified_data: hexText(s.certified_data, 'certified_data'),
        global_timer: timer === null ? [] : [timer === 'inactive' ? { inactive: null } : { active: integer(timer.active, 'global_timer') }],
        on_low_wasm_memory_hook_status: hook === null ? [] : [hook === 'ready' ? { ready: null } : hook === 'executed' ? { executed: null } : { condition_not_satisfied: null }]
    };
}

/** Parses manifest.json's text, checking its shape (not yet the files it names). */
export function parseManifest(text: string): Manifest {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        throw new ManifestError(`manifest.json is not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const m = value as Partial<Manifest> | null;
    if (m === null || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) throw new ManifestError(`manifest.json is not an ${MANIFEST_FORMAT} manifest`);
    if (typeof m.canister_id !== 'string' || typeof m.snapshot_id !== 'string' || typeof m.module_hash !== 'string' || m.metadata === undefined || !Array.isArray(m.parts)) {
        throw new ManifestError('manifest.json lacks canister_id, snapshot_id, module_hash, metadata or parts');
    }
    for (const part of m.parts) {
        if (typeof part.file !== 'string' || part.file.includes('..') || part.file.startsWith('/') || !Number.isSafeInteger(part.size) || part.size < 0 || typeof part.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(part.sha256)) {
            throw new ManifestError(`manifest.json has a malformed part: ${JSON.stringify(part)}`);
        }
    }
    loadMetadata(m.metadata);
    return m as Manifest;
}
