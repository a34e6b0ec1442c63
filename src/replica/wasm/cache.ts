/**
 * The on-disk module cache: instrumented bytes and module info, keyed by the module's
 * SHA-256 and the instrumentation version, so a second process skips parsing,
 * validating and instrumenting entirely.
 *
 * Layout: `<dir>/<hex hash>-v<INSTRUMENTATION_VERSION>.wasm` and `.json`. Both files are
 * written atomically (temporary file + rename), the `.wasm` first; the `.json` records
 * the `.wasm`'s size and SHA-256, so a torn or corrupted pair is detected and ignored.
 * Cache problems never fail a load: unreadable entries are misses, unwritable
 * directories are skipped.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTRUMENTATION_VERSION } from './instrument.js';
import type { CanisterModuleInfo } from './module-info.js';

/** Environment variable that overrides the default cache directory. */
export const MODULE_CACHE_ENV = 'REPLICA_MODULE_CACHE';

/** Bumped if the JSON layout changes. */
const CACHE_FORMAT = 1;

/** `<repo>/.cache/replica-modules`, or `$REPLICA_MODULE_CACHE` when set. */
export function defaultModuleCacheDir(): string {
    const fromEnv = process.env[MODULE_CACHE_ENV];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return fileURLToPath(new URL('../../../.cache/replica-modules', import.meta.url));
}

/** The two files of one cache entry. */
export function moduleCachePaths(dir: string, moduleHashHex: string): { wasm: string; json: string } {
    const base = join(dir, `${moduleHashHex}-v${INSTRUMENTATION_VERSION}`);
    return { wasm: `${base}.wasm`, json: `${base}.json` };
}

/** `CanisterModuleInfo` as JSON: sets become string arrays, section contents base64 text. */
type SerializedInfo = {
    [K in keyof CanisterModuleInfo]: CanisterModuleInfo[K] extends ReadonlySet<string>
        ? string[]
        : CanisterModuleInfo[K] extends ReadonlyMap<string, Uint8Array>
          ? Array<[string, string]>
          : CanisterModuleInfo[K] extends ReadonlyArray<infer E>
            ? E[]
            : CanisterModuleInfo[K];
};

interface CacheRecord {
    format: number;
    instrumentationVersion: number;
    moduleHash: string;
    instrumentedSize: number;
    instrumentedSha256: string;
    info: SerializedInfo;
}

/** The JSON-serialisable form of a module's info. */
function serializeModuleInfo(info: CanisterModuleInfo): SerializedInfo {
    const sections = (m: ReadonlyMap<string, Uint8Array>): Array<[string, string]> =>
        [...m].map(([name, content]) => [name, Buffer.from(content).toString('base64')]);
    return {
        ...info,
        updateMethods: [...info.updateMethods],
        queryMethods: [...info.queryMethods],
        compositeQueryMethods: [...info.compositeQueryMethods],
        mutableGlobals: info.mutableGlobals.map((g) => ({ exportName: g.exportName, valueType: g.valueType })),
        publicCustomSections: sections(info.publicCustomSections),
        privateCustomSections: sections(info.privateCustomSections),
        importedSystemApi: [...info.importedSystemApi]
    };
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isSectionList = (v: unknown): v is Array<[string, string]> =>
    Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string');
const GLOBAL_TYPES: ReadonlySet<string> = new Set(['i32', 'i64', 'f32', 'f64', 'v128']);

/** Rebuilds module info from JSON, or returns null if it is not what `serializeModuleInfo` wrote. */
function deserializeModuleInfo(value: unknown): CanisterModuleInfo | null {
    if (typeof value !== 'object' || value === null) return null;
    const v = value as Record<string, unknown>;
    const flags = ['hasInit', 'hasPreUpgrade', 'hasPostUpgrade', 'hasInspectMessage', 'hasHeartbeat', 'hasGlobalTimer', 'hasOnLowWasmMemory', 'hasStart', 'hasMemory', 'hasTable'];
    if (!flags.every((f) => typeof v[f] === 'boolean')) return null;
    if (!isStringArray(v.updateMethods) || !isStringArray(v.queryMethods) || !isStringArray(v.compositeQueryMethods) || !isStringArray(v.importedSystemApi)) return null;
    if (!isSectionList(v.publicCustomSections) || !isSectionList(v.privateCustomSections)) return null;
    if (typeof v.customSectionsSize !== 'number' || typeof v.wasmSize !== 'number') return null;
    const globals = v.mutableGlobals;
    if (
        !Array.isArray(globals) ||
        !globals.every(
            (g: unknown) =>
                typeof g === 'object' &&
                g !== null &&
                typeof (g as Record<string, unknown>).exportName === 'string' &&
                GLOBAL_TYPES.has(String((g as Record<string, unknown>).valueType))
        )
    ) {
        return null;
    }
    const sections = (list: Array<[string, string]>): Map<string, Uint8Array> =>
        new Map(list.map(([name, b64]) => [name, new Uint8Array(Buffer.from(b64, 'base64'))]));
    const s = v as unknown as SerializedInfo;
    return {
        updateMethods: new Set(s.updateMethods),
        queryMethods: new Set(s.queryMethods),
        compositeQueryMethods: new Set(s.compositeQueryMethods),
        hasInit: s.hasInit,
        hasPreUpgrade: s.hasPreUpgrade,
        hasPostUpgrade: s.hasPostUpgrade,
        hasInspectMessage: s.hasInspectMessage,
        hasHeartbeat: s.hasHeartbeat,
        hasGlobalTimer: s.hasGlobalTimer,
        hasOnLowWasmMemory: s.hasOnLowWasmMemory,
        hasStart: s.hasStart,
        hasMemory: s.hasMemory,
        hasTable: s.hasTable,
        mutableGlobals: s.mutableGlobals.map((g) => ({ exportName: g.exportName, valueType: g.valueType })),
        publicCustomSections: sections(s.publicCustomSections),
        privateCustomSections: sections(s.privateCustomSections),
        customSectionsSize: s.customSectionsSize,
        wasmSize: s.wasmSize,
        importedSystemApi: new Set(s.importedSystemApi)
    };
}

function sha256Hex(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
}

/** A cache entry, or null if there is none or it is damaged. */
export function readModuleCache(dir: string, moduleHashHex: string): { instrumented: Uint8Array; info: CanisterModuleInfo } | null {
    const paths = moduleCachePaths(dir, moduleHashHex);
    let record: CacheRecord;
    let instrumented: Uint8Array;
    try {
        record = JSON.parse(readFileSync(paths.json, 'utf8')) as CacheRecord;
        instrumented = new Uint8Array(readFileSync(paths.wasm));
    } catch {
        return null;
    }
    if (
        typeof record !== 'object' ||
        record === null ||
        record.format !== CACHE_FORMAT ||
        record.instrumentationVersion !== INSTRUMENTATION_VERSION ||
        record.moduleHash !== moduleHashHex ||
        record.instrumentedSize !== instrumented.length ||
        record.instrumentedSha256 !== sha256Hex(instrumented)
    ) {
        return null;
    }
    const info = deserializeModuleInfo(record.info);
    return info === null ? null : { instrumented, info };
}

function writeAtomically(path: string, data: Uint8Array | string): void {
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
        writeFileSync(temp, data);
        renameSync(temp, path);
    } catch (error) {
        rmSync(temp, { force: true });
        throw error;
    }
}

/** Stores a cache entry; returns false (and leaves no partial entry) if the directory is unusable. */
export function writeModuleCache(dir: string, moduleHashHex: string, instrumented: Uint8Array, info: CanisterModuleInfo): boolean {
    const paths = moduleCachePaths(dir, moduleHashHex);
    const record: CacheRecord = {
        format: CACHE_FORMAT,
        instrumentationVersion: INSTRUMENTATION_VERSION,
        moduleHash: moduleHashHex,
        instrumentedSize: instrumented.length,
        instrumentedSha256: sha256Hex(instrumented),
        info: serializeModuleInfo(info)
    };
    try {
        mkdirSync(dir, { recursive: true });
        writeAtomically(paths.wasm, instrumented);
        writeAtomically(paths.json, JSON.stringify(record));
        return true;
    } catch {
        return false;
    }
}
