/**
 * Offline, incremental builds of the Azle canisters declared in dfx.json.
 *
 * Each canister is built with `azle build <name>` (no dfx needed), then its wasm is gzipped
 * deterministically. A fingerprint of every input is stored beside the outputs so that an
 * unchanged canister is not rebuilt.
 */
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';

import { azleOutDir, didPath, fingerprintPath, gzWasmPath, repoRoot, wasmPath } from './paths.js';

export type BuiltCanister = {
    name: string;
    wasmPath: string;
    gzPath: string;
    didPath: string;
    /** false when the outputs were already up to date */
    rebuilt: boolean;
};

export type BuildOptions = {
    /** Canisters to build; default: every canister of type "azle" in dfx.json. */
    names?: string[];
    /** Rebuild even when the fingerprint is unchanged. */
    force?: boolean;
    /** Receives one progress line per canister (and azle's output on failure). */
    log?: (line: string) => void;
    /** How many builds run at once (default 2, the number of cores of the machine). */
    concurrency?: number;
};

/** Thrown when `azle build` fails; `output` holds everything azle printed. */
class CanisterBuildError extends Error {
    constructor(
        readonly canister: string,
        readonly output: string,
        message: string
    ) {
        super(message);
        this.name = 'CanisterBuildError';
    }
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type AzleCanisterEntry = {
    name: string;
    /** The canister's entry in dfx.json, as written. */
    entry: { [key: string]: JsonValue };
    main: string;
    candidGen: string | undefined;
    candid: string | undefined;
    envNames: string[];
};

/** Environment variables read by `azle build` that change its output. */
const AZLE_BUILD_ENV = [
    'AZLE_CANISTER_BACKTRACES',
    'AZLE_DEV_TEMPLATE',
    'AZLE_EXPERIMENTAL',
    'AZLE_LOG_ACTIONS',
    'AZLE_RECORD_ACTIONS',
    'AZLE_RECORD_BENCHMARKS'
];

/** Project files outside canisters/ that change what esbuild bundles. */
const SHARED_INPUTS = ['tsconfig.json', 'package-lock.json'];

const FINGERPRINT_FORMAT = 'azle-build-fingerprint/1';

export async function buildCanisters(options: BuildOptions = {}): Promise<BuiltCanister[]> {
    const log = options.log ?? ((): void => undefined);
    const concurrency = Math.max(1, options.concurrency ?? 2);

    const canisters = selectCanisters(await readAzleCanisters(), options.names);
    // Two builds of one canister at once would wipe each other's .azle/<name>/ (e.g. two jest
    // runs); the lock makes the later one wait, after which it finds the outputs up to date.
    return await withBuildLock(log, () => buildAll(canisters, options.force === true, concurrency, log));
}

async function buildAll(
    canisters: AzleCanisterEntry[],
    force: boolean,
    concurrency: number,
    log: (line: string) => void
): Promise<BuiltCanister[]> {
    const azleVersion = await readAzleVersion();
    const sharedDigest = await digestSharedInputs();

    const results = new Map<string, BuiltCanister>();
    const failures: CanisterBuildError[] = [];
    let next = 0;

    const worker = async (): Promise<void> => {
        while (failures.length === 0 && next < canisters.length) {
            const canister = canisters[next++];
            if (canister === undefined) break;
            try {
                results.set(
                    canister.name,
                    await buildOne(canister, { azleVersion, sharedDigest, force, log })
                );
            } catch (error) {
                const failure =
                    error instanceof CanisterBuildError
                        ? error
                        : new CanisterBuildError(
                              canister.name,
                              '',
                              `building canister "${canister.name}" failed: ${error instanceof Error ? error.message : String(error)}`
                          );
                failures.push(failure);
            }
        }
    };

    await Promise.all(Array.from({ length: Math.min(concurrency, canisters.length) }, worker));

    const [firstFailure] = failures;
    if (firstFailure !== undefined) throw firstFailure;

    return canisters.map(({ name }) => {
        const built = results.get(name);
        if (built === undefined) throw new Error(`internal error: no build result for "${name}"`);
        return built;
    });
}

async function buildOne(
    canister: AzleCanisterEntry,
    context: { azleVersion: string; sharedDigest: string; force: boolean; log: (line: string) => void }
): Promise<BuiltCanister> {
    const { name } = canister;
    const outputs: BuiltCanister = {
        name,
        wasmPath: wasmPath(name),
        gzPath: gzWasmPath(name),
        didPath: didPath(name),
        rebuilt: false
    };

    const fingerprint = await computeFingerprint(canister, context.azleVersion, context.sharedDigest);
    if (!context.force && (await isUpToDate(outputs, fingerprint))) {
        context.log(`${name}: up to date`);
        return outputs;
    }

    context.log(`building ${name}…`);
    const started = performance.now();

    // The generated .did normally goes straight to .azle/<name>/. With candid_gen "custom", azle
    // reads the hand-written file from CANISTER_CANDID_PATH, and .azle/<name>/ is wiped before that
    // read, so the file must stay where dfx.json's "candid" points; it is copied afterwards.
    const candidSource =
        canister.candidGen === 'custom' ? customCandidPath(canister) : outputs.didPath;

    const { code, output } = await runAzleBuild(name, candidSource);
    if (code !== 0) {
        await mkdir(azleOutDir(name), { recursive: true });
        const logFile = join(azleOutDir(name), 'build.log');
        await writeFile(logFile, output);
        context.log(`${name}: azle build failed (exit code ${String(code)}). Its output:`);
        for (const line of output.trimEnd().split('\n')) {
            // npx's complaints about this machine's npm config are noise (build.log keeps them).
            if (!line.startsWith('npm warn ')) context.log(`    ${line}`);
        }
        throw new CanisterBuildError(
            name,
            output,
            `building canister "${name}" failed (azle exited with ${String(code)}). ` +
                `The output is saved in ${relative(repoRoot, logFile)}; for full stack traces run ` +
                `\`AZLE_VERBOSE=true npm run build -- --force ${name}\`.`
        );
    }

    if (candidSource !== outputs.didPath) await copyFile(candidSource, outputs.didPath);
    for (const path of [outputs.wasmPath, outputs.didPath]) {
        if (!existsSync(path)) {
            throw new CanisterBuildError(name, output, `azle build ${name} succeeded but did not write ${path}`);
        }
    }

    const wasm = await readFile(outputs.wasmPath);
    const gz = gzipDeterministic(wasm);
    await writeFile(outputs.gzPath, gz);
    await writeFile(fingerprintPath(name), `${fingerprint}\n`);

    const seconds = (performance.now() - started) / 1000;
    context.log(
        `${name}: built in ${seconds.toFixed(1)} s, ${wasm.length} bytes (${(gz.length / 1e6).toFixed(1)} MB gzipped)`
    );
    return { ...outputs, rebuilt: true };
}

/**
 * gzip at level 9. Node's zlib writes a header with no file name, a zero modification time
 * and a fixed OS byte, so the same wasm always gives the same bytes.
 */
function gzipDeterministic(data: Uint8Array): Buffer {
    return gzipSync(data, { level: 9 });
}

function runAzleBuild(name: string, candidPath: string): Promise<{ code: number | null; output: string }> {
    const azleBin = join(repoRoot, 'node_modules', '.bin', 'azle');
    return new Promise((resolve, reject) => {
        const child = spawn(azleBin, ['build', name], {
            cwd: repoRoot,
            env: { ...process.env, CANISTER_CANDID_PATH: candidPath, AZLE_DFX_ROOT: repoRoot },
            stdio: ['ignore', 'pipe', 'pipe']
        });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
        child.on('error', reject);
        child.on('close', (code, signal) => {
            const output = Buffer.concat(chunks).toString('utf8');
            resolve({ code, output: signal === null ? output : `${output}\n(killed by ${signal})` });
        });
    });
}

async function isUpToDate(outputs: BuiltCanister, fingerprint: string): Promise<boolean> {
    const stored = await readFile(fingerprintPath(outputs.name), 'utf8').catch(() => undefined);
    return (
        stored?.trim() === fingerprint &&
        existsSync(outputs.wasmPath) &&
        existsSync(outputs.gzPath) &&
        existsSync(outputs.didPath)
    );
}

// ---------------------------------------------------------------------------------------------
// Lock: one build per repository at a time

const LOCK_WAIT_MS = 15 * 60_000;
/** A lock file still empty after this long was left by a process that died while creating it. */
const LOCK_EMPTY_GRACE_MS = 10_000;

async function withBuildLock<T>(log: (line: string) => void, body: () => Promise<T>): Promise<T> {
    const lockPath = join(repoRoot, '.azle', '.build.lock');
    await mkdir(dirname(lockPath), { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS;
    let announced = false;
    for (;;) {
        try {
            const handle = await open(lockPath, 'wx');
            await handle.writeFile(`${process.pid}\n`);
            await handle.close();
            break;
        } catch (error) {
            if (!isErrnoError(error, 'EEXIST')) throw error;
        }
        const holder = await lockHolder(lockPath);
        if (holder === 'stale') {
            await rm(lockPath, { force: true });
            continue;
        }
        if (Date.now() > deadline) {
            throw new Error(`gave up waiting for ${lockPath} (held by ${holder}); delete it if no build is running`);
        }
        if (!announced) {
            log(`waiting for another build to finish (${holder})…`);
            announced = true;
        }
        await sleep(250);
    }
    try {
        return await body();
    } finally {
        await rm(lockPath, { force: true });
    }
}

/** Who holds the lock (`pid N`), or 'stale' when its process is gone. */
async function lockHolder(lockPath: string): Promise<string> {
    const [content, info] = await Promise.all([
        readFile(lockPath, 'utf8').catch(() => undefined),
        stat(lockPath).catch(() => undefined)
    ]);
    if (content === undefined || info === undefined) return 'stale'; // released meanwhile: retry
    const pid = Number(content.trim());
    if (content.trim() === '' || !Number.isSafeInteger(pid) || pid <= 0) {
        return Date.now() - info.mtimeMs > LOCK_EMPTY_GRACE_MS ? 'stale' : 'a process starting a build';
    }
    try {
        process.kill(pid, 0);
        return `pid ${pid}`;
    } catch (error) {
        return isErrnoError(error, 'EPERM') ? `pid ${pid}` : 'stale';
    }
}

function isErrnoError(error: unknown, code: string): boolean {
    return error instanceof Error && Reflect.get(error, 'code') === code;
}

// ---------------------------------------------------------------------------------------------
// Fingerprints

async function computeFingerprint(
    canister: AzleCanisterEntry,
    azleVersion: string,
    sharedDigest: string
): Promise<string> {
    const hash = createHash('sha256');
    const field = (label: string, value: string): void => {
        hash.update(`${label}\0${Buffer.byteLength(value)}\0`);
        hash.update(value);
    };
    field('format', FINGERPRINT_FORMAT);
    field('azle', azleVersion);
    // Azle embeds absolute paths in the wasm, so the same sources elsewhere give another module.
    field('root', repoRoot);
    field('name', canister.name);
    field('entry', canonicalJson(canister.entry));
    field('shared', sharedDigest);
    for (const envName of [...canister.envNames, ...AZLE_BUILD_ENV].sort()) {
        const value = process.env[envName];
        field(`env ${envName}`, value === undefined ? '<unset>' : `=${value}`);
    }
    // Inputs that may live outside canisters/.
    const mainPath = join(repoRoot, canister.main);
    if (!isInside(mainPath, join(repoRoot, 'canisters'))) await hashFile(hash, canister.main);
    if (canister.candidGen === 'custom') await hashFile(hash, customCandidPath(canister));
    return hash.digest('hex');
}

/** One digest over tsconfig.json, package-lock.json and every file under canisters/. */
async function digestSharedInputs(): Promise<string> {
    const hash = createHash('sha256');
    for (const file of SHARED_INPUTS) await hashFile(hash, file);
    for (const file of await listFiles(join(repoRoot, 'canisters'))) await hashFile(hash, file);
    return hash.digest('hex');
}

async function hashFile(hash: Hash, path: string): Promise<void> {
    const absolute = isAbsolute(path) ? path : join(repoRoot, path);
    const label = relative(repoRoot, absolute).split(sep).join('/');
    const content = await readFile(absolute).catch(() => undefined);
    if (content === undefined) {
        hash.update(`missing\0${label}\0`);
        return;
    }
    hash.update(`file\0${label}\0${content.length}\0`);
    hash.update(content);
}

/** Every regular file below `dir`, sorted by path (empty if `dir` does not exist). */
async function listFiles(dir: string): Promise<string[]> {
    if (!existsSync(dir)) return [];
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const files: string[] = [];
    for (const entry of entries) {
        const path = join(entry.parentPath, entry.name);
        if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path)).isFile())) files.push(path);
    }
    return files.sort();
}

function canonicalJson(value: JsonValue): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
    if (value !== null && typeof value === 'object') {
        const keys = Object.keys(value).sort();
        return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`).join(',')}}`;
    }
    return JSON.stringify(value);
}

function isInside(path: string, dir: string): boolean {
    const rel = relative(dir, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

// ---------------------------------------------------------------------------------------------
// dfx.json

async function readAzleCanisters(): Promise<AzleCanisterEntry[]> {
    const dfxJsonPath = join(repoRoot, 'dfx.json');
    const parsed: unknown = JSON.parse(await readFile(dfxJsonPath, 'utf8'));
    const canisters = isJsonObject(parsed) ? parsed.canisters : undefined;
    if (!isJsonObject(canisters)) {
        throw new Error(`${dfxJsonPath}: expected an object with a "canisters" object`);
    }
    const result: AzleCanisterEntry[] = [];
    for (const [name, entry] of Object.entries(canisters)) {
        if (!isJsonObject(entry) || entry.type !== 'azle') continue;
        if (typeof entry.main !== 'string') {
            throw new Error(`dfx.json: canister "${name}" of type "azle" needs a "main" path`);
        }
        const custom = isJsonObject(entry.custom) ? entry.custom : {};
        const env = custom.env;
        result.push({
            name,
            entry,
            main: entry.main,
            candidGen: typeof custom.candid_gen === 'string' ? custom.candid_gen : undefined,
            candid: typeof entry.candid === 'string' ? entry.candid : undefined,
            envNames: Array.isArray(env) ? env.filter((item): item is string => typeof item === 'string') : []
        });
    }
    return result;
}

function selectCanisters(all: AzleCanisterEntry[], names: string[] | undefined): AzleCanisterEntry[] {
    if (names === undefined || names.length === 0) return all;
    const byName = new Map(all.map((canister) => [canister.name, canister]));
    const unknown = names.filter((name) => !byName.has(name));
    if (unknown.length > 0) {
        throw new Error(
            `not an azle canister in dfx.json: ${unknown.join(', ')} (known: ${all.map((c) => c.name).join(', ') || 'none'})`
        );
    }
    return [...new Set(names)].flatMap((name) => byName.get(name) ?? []);
}

function customCandidPath(canister: AzleCanisterEntry): string {
    if (canister.candid === undefined) {
        throw new Error(
            `dfx.json: canister "${canister.name}" has candid_gen "custom" but no "candid" path to a hand-written .did`
        );
    }
    return join(repoRoot, canister.candid);
}

function isJsonObject(value: unknown): value is { [key: string]: JsonValue } {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readAzleVersion(): Promise<string> {
    const parsed: unknown = JSON.parse(
        await readFile(join(repoRoot, 'node_modules', 'azle', 'package.json'), 'utf8')
    );
    if (!isJsonObject(parsed) || typeof parsed.version !== 'string') {
        throw new Error('node_modules/azle/package.json has no version: run npm install');
    }
    return parsed.version;
}
