/**
 * Times module preparation for one Wasm file against the targets:
 * first-time instrumentation (parse + validate + instrument + compile) ≤ 2 s, and loading
 * from the disk cache (in a fresh in-process cache) ≤ 100 ms.
 *
 *   npx tsx bench/instrument.ts <module.wasm | module.wasm.gz>
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { IC0_SIGNATURES } from '../src/replica/engine/ic0/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearPreparedModuleCache, instrumentModule, parseModule, prepareModule, prepareModuleStats, decodeModuleBytes, validateCanisterModule } from '../src/replica/wasm/index.js';

const FIRST_TIME_TARGET_MS = 2000;
const DISK_CACHE_TARGET_MS = 100;

function time<T>(run: () => T): [T, number] {
    const start = performance.now();
    const result = run();
    return [result, performance.now() - start];
}

function line(label: string, ms: number, target?: number): void {
    const verdict = target === undefined ? '' : ms <= target ? `  (target ≤ ${target} ms: ok)` : `  (target ≤ ${target} ms: MISSED)`;
    console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms${verdict}`);
}

const path = process.argv[2];
if (path === undefined) {
    console.error('usage: npx tsx bench/instrument.ts <module.wasm>');
    process.exit(2);
}
const bytes = new Uint8Array(readFileSync(path));
const cacheDir = mkdtempSync(join(tmpdir(), 'replica-bench-'));
try {
    console.log(`${path}: ${bytes.length} bytes`);

    // Phases on their own (no caches involved).
    const [wasm, decodeMs] = time(() => decodeModuleBytes(bytes));
    const [parsed, parseMs] = time(() => parseModule(wasm));
    const [, validateMs] = time(() => validateCanisterModule(parsed, IC0_SIGNATURES));
    const [, v8ValidateMs] = time(() => WebAssembly.validate(new Uint8Array(wasm)));
    const [instrumented, instrumentMs] = time(() => instrumentModule(parsed));
    const [, compileMs] = time(() => new WebAssembly.Module(new Uint8Array(instrumented.bytes)));
    console.log(`instrumented size: ${instrumented.bytes.length} bytes (${((instrumented.bytes.length / wasm.length - 1) * 100).toFixed(1)}% larger)`);
    line('  decode', decodeMs);
    line('  parse sections', parseMs);
    line('  IC validation', validateMs);
    line('  V8 validation of the original', v8ValidateMs);
    line('  instrument', instrumentMs);
    line('  compile instrumented (new WebAssembly.Module)', compileMs);

    // End to end, as the engine sees it.
    clearPreparedModuleCache();
    const [, firstMs] = time(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir }));
    line('prepareModule, first time (empty disk cache)', firstMs, FIRST_TIME_TARGET_MS);
    clearPreparedModuleCache();
    const [, diskMs] = time(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir }));
    line('prepareModule, from the disk cache', diskMs, DISK_CACHE_TARGET_MS);
    const [, memoryMs] = time(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir }));
    line('prepareModule, from the in-process cache', memoryMs);
    const stats = prepareModuleStats();
    console.log(`served: ${stats.instrumented} instrumented, ${stats.diskHits} from disk, ${stats.memoryHits} from memory`);
} finally {
    rmSync(cacheDir, { recursive: true, force: true });
}
