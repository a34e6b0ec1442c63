/**
 * Turns the bytes given to `install_code` into a compiled, instrumented module: decompress
 * (gzip), validate (IC rules, then V8), instrument, compile. Results are cached in memory
 * (one compilation per module per process) and on disk (see cache.ts).
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { toHex } from '../../encoding/hex.js';
import { Leb128Error } from '../../encoding/leb128.js';
import { defaultModuleCacheDir, readModuleCache, writeModuleCache } from './cache.js';
import { InvalidWasmModuleError, WasmInstrumentationError } from './errors.js';
import { instrumentModule } from './instrument.js';
import { WASM_MAGIC } from './parsed-module.js';
import { parseModule } from './sections.js';
import type { CanisterModuleInfo, PreparedModule } from './module-info.js';
import type { SystemApiSignatures } from './signatures.js';
import { MODULE_LIMITS, validateCanisterModule } from './validate.js';

export type { CanisterModuleInfo, PreparedModule } from './module-info.js';

export interface PrepareModuleOptions {
    /** The `ic0` functions imports are checked against: the engine's `IC0_SIGNATURES`. */
    systemApi: SystemApiSignatures;
    /**
     * Directory of the on-disk cache. Default: `$REPLICA_MODULE_CACHE`, else
     * `<repo>/.cache/replica-modules`. `null` disables the disk cache.
     */
    cacheDir?: string | null;
}

/** How `prepareModule` calls were served since the process started (or the last clear). */
export interface PrepareStats {
    /** Parsed, validated and instrumented from scratch. */
    instrumented: number;
    /** Loaded from the disk cache (no parsing or instrumenting). */
    diskHits: number;
    /** Returned from this process's memory cache. */
    memoryHits: number;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

/** Prepared modules by module hash, per System API table (one table in practice). */
let prepared = new WeakMap<SystemApiSignatures, Map<string, PreparedModule>>();
const stats: PrepareStats = { instrumented: 0, diskHits: 0, memoryHits: 0 };

/**
 * Validates, instruments and compiles a canister module (raw or gzipped).
 *
 * @param bytes the module as given to install_code.
 * @param options the System API to validate imports against, and `cacheDir` (see `PrepareModuleOptions`).
 * @returns the compiled module and its info; the same object for the same bytes within
 *   one process.
 * @throws InvalidWasmModuleError if the bytes are not a module the IC would install.
 * @throws WasmInstrumentationError if instrumenting a valid module failed (a replica bug).
 * @example
 *   const { compiled, info } = prepareModule(readFileSync('app.wasm.gz'), { systemApi: IC0_SIGNATURES });
 */
export function prepareModule(bytes: Uint8Array, options: PrepareModuleOptions): PreparedModule {
    const moduleHash = new Uint8Array(createHash('sha256').update(bytes).digest());
    const hashHex = toHex(moduleHash);
    let byHash = prepared.get(options.systemApi);
    if (byHash === undefined) {
        byHash = new Map();
        prepared.set(options.systemApi, byHash);
    }
    const known = byHash.get(hashHex);
    if (known !== undefined) {
        stats.memoryHits++;
        return known;
    }

    const wasm = decodeModuleBytes(bytes);
    const cacheDir = options.cacheDir === undefined ? defaultModuleCacheDir() : options.cacheDir;

    let result: PreparedModule | undefined;
    if (cacheDir !== null) {
        const cached = readModuleCache(cacheDir, hashHex);
        // An entry validated against a table that had functions this one lacks is a miss (validated again below).
        if (cached !== null && [...cached.info.importedSystemApi].every((name) => options.systemApi.has(name))) {
            const compiled = tryCompile(cached.instrumented);
            if (compiled !== null) {
                stats.diskHits++;
                result = { moduleHash, givenSize: bytes.length, given: bytes, wasm, compiled, info: cached.info };
            }
        }
    }

    if (result === undefined) {
        const module = readingModule(() => parseModule(wasm));
        const summary = validateCanisterModule(module, options.systemApi);
        checkWithV8(wasm);
        const instrumented = readingModule(() => instrumentModule(module));
        let compiled: WebAssembly.Module;
        try {
            compiled = new WebAssembly.Module(bufferSource(instrumented.bytes));
        } catch (cause) {
            throw new WasmInstrumentationError(
                `The embedded replica produced an invalid instrumented module (${errorText(cause)}). The module itself is valid; please report this.`,
                { cause }
            );
        }
        const info: CanisterModuleInfo = {
            ...summary,
            hasStart: instrumented.hasStart,
            hasMemory: instrumented.hasMemory,
            hasTable: instrumented.hasTable,
            mutableGlobals: instrumented.mutableGlobals,
            wasmSize: wasm.length
        };
        stats.instrumented++;
        if (cacheDir !== null) writeModuleCache(cacheDir, hashHex, instrumented.bytes, info);
        result = { moduleHash, givenSize: bytes.length, given: bytes, wasm, compiled, info };
    }

    byHash.set(hashHex, result);
    return result;
}

/**
 * The raw module inside `bytes`: gunzipped if it starts with the gzip magic.
 *
 * @throws InvalidWasmModuleError for anything that is neither gzip nor Wasm, bad gzip
 *   data, or more than 100 MiB uncompressed.
 */
export function decodeModuleBytes(bytes: Uint8Array): Uint8Array {
    let wasm = bytes;
    const gzipped = GZIP_MAGIC.every((b, i) => bytes[i] === b);
    if (gzipped) {
        try {
            wasm = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MODULE_LIMITS.maxWasmBytes }));
        } catch (cause) {
            const tooLarge = cause instanceof RangeError || (cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
            throw new InvalidWasmModuleError(
                tooLarge
                    ? `Wasm module is too large: it decompresses to more than ${MODULE_LIMITS.maxWasmBytes} bytes (100 MiB).`
                    : `Wasm module looks gzip-compressed but could not be decompressed: ${errorText(cause)}.`,
                { cause }
            );
        }
    }
    if (!WASM_MAGIC.every((b, i) => wasm[i] === b)) {
        throw new InvalidWasmModuleError(
            gzipped
                ? 'Wasm module is gzip-compressed, but what it decompresses to is not a Wasm binary (00 61 73 6d 01 00 00 00).'
                : 'Wasm module is neither a Wasm binary (00 61 73 6d 01 00 00 00) nor gzip-compressed (1f 8b 08). Check that you are installing a .wasm or .wasm.gz file.'
        );
    }
    if (wasm.length > MODULE_LIMITS.maxWasmBytes) {
        throw new InvalidWasmModuleError(`Wasm module is too large: ${wasm.length} bytes, the limit is ${MODULE_LIMITS.maxWasmBytes} bytes (100 MiB).`);
    }
    return wasm;
}

/** Runs a step that decodes the module's LEB128 numbers: a malformed number makes the module invalid. */
function readingModule<T>(step: () => T): T {
    try {
        return step();
    } catch (cause) {
        if (cause instanceof Leb128Error) throw new InvalidWasmModuleError(`Wasm module is malformed: ${cause.message}`, { cause });
        throw cause;
    }
}

/** Lets V8 judge structural validity (types, stack discipline, ...). */
function checkWithV8(wasm: Uint8Array): void {
    const source = bufferSource(wasm);
    if (WebAssembly.validate(source)) return;
    try {
        new WebAssembly.Module(source);
    } catch (cause) {
        throw new InvalidWasmModuleError(`Wasm module is not valid Wasm: ${errorText(cause)}`, { cause });
    }
    throw new InvalidWasmModuleError('Wasm module is not valid Wasm.');
}

function tryCompile(bytes: Uint8Array): WebAssembly.Module | null {
    try {
        return new WebAssembly.Module(bufferSource(bytes));
    } catch {
        return null;
    }
}

/** A view V8's WebAssembly API accepts (not backed by a SharedArrayBuffer). */
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
    return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** Forgets every module prepared in this process (the disk cache is untouched). */
export function clearPreparedModuleCache(): void {
    prepared = new WeakMap();
}

/** Counters of how `prepareModule` calls were served. */
export function prepareModuleStats(): PrepareStats {
    return { ...stats };
}
