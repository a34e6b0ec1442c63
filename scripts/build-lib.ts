/**
 * Offline, incremental builds of the Azle canisters declared in dfx.json.
 *
 * Each canister is built with `azle build <name>` (no dfx needed), run so that the module embeds
 * no absolute path (lib/azle-location.ts): the same sources and lockfile give the same bytes in
 * any folder. Its wasm is then gzipped deterministically. A fingerprint of every input is stored
 * beside the outputs so that an unchanged canister is not rebuilt. Reading dfx.json, the fingerprints and the lock that keeps
 * builds of one repository apart are in lib/dfx-json.ts, lib/build-fingerprint.ts, lib/build-lock.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

import { AzleLocation, azleLocation } from './lib/azle-location.js';
import { computeFingerprint, digestSharedInputs } from './lib/build-fingerprint.js';
import { withBuildLock } from './lib/build-lock.js';
import { withCandidMetadata } from './lib/candid-metadata.js';
import { AzleCanisterEntry, customCandidPath, readAzleCanisters, readAzleVersion, selectCanisters } from './lib/dfx-json.js';
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

    const { code, output } = await runAzleBuild(azleLocation(repoRoot, name, canister.main), name, candidSource);
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

    // The interface goes into the module as dfx puts it there, so the IC serves it as metadata.
    const wasm = withCandidMetadata(new Uint8Array(await readFile(outputs.wasmPath)), await readFile(outputs.didPath, 'utf8'));
    await writeFile(outputs.wasmPath, wasm);
    const gz = gzipDeterministic(wasm);
    await writeFile(outputs.gzPath, gz);
    await writeFile(fingerprintPath(name), `${fingerprint}\n`);

    const seconds = (performance.now() - started) / 1000;
    context.log(
        `${name}: built in ${seconds.toFixed(1)} s, ${wasm.length} bytes (${(gz.length / 1e6).toFixed(1)} MB gzipped)`
    );
    return { ...outputs, rebuilt: true };
}

/** Byte 9 of a gzip header names the compressing OS (RFC 1952); 255 is "unknown". */
const GZIP_OS_BYTE = 9;
const GZIP_OS_UNKNOWN = 255;

/**
 * gzip at level 9. Node's zlib writes a header with no file name and a zero modification time,
 * but an OS byte of the machine it runs on (3 on Linux, 19 on macOS): it is set to 255 so that
 * the header is the same everywhere. The header has no checksum of its own (no FHCRC flag).
 * The deflate stream itself is only as stable as Node's bundled zlib: see the README,
 * "Reproducing the upgrader's hash".
 */
function gzipDeterministic(data: Uint8Array): Buffer {
    const gz = gzipSync(data, { level: 9 });
    gz[GZIP_OS_BYTE] = GZIP_OS_UNKNOWN;
    return gz;
}

/** Runs `azle build` where the module it writes does not depend on the repository's folder (lib/azle-location.ts). */
function runAzleBuild(
    location: AzleLocation,
    name: string,
    candidPath: string
): Promise<{ code: number | null; output: string }> {
    const azleBin = join(repoRoot, 'node_modules', '.bin', 'azle');
    return new Promise((resolve, reject) => {
        const child = spawn(azleBin, ['build', name], {
            cwd: location.cwd,
            env: { ...process.env, CANISTER_CANDID_PATH: candidPath, AZLE_DFX_ROOT: location.dfxRoot },
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
