/**
 * Fingerprints of a canister's build inputs (azle version, its dfx.json entry, environment,
 * tsconfig.json, package-lock.json and every file under canisters/): an unchanged
 * fingerprint means its outputs need no rebuild.
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

import { repoRoot } from '../paths.js';
import { AzleCanisterEntry, customCandidPath, JsonValue } from './dfx-json.js';

/** Environment variables read by `azle build` that change its output. */
const AZLE_BUILD_ENV = [
    'AZLE_CANISTER_BACKTRACES',
    'AZLE_DEV_TEMPLATE',
    'AZLE_EXPERIMENTAL',
    'AZLE_LOG_ACTIONS',
    'AZLE_RECORD_ACTIONS',
    'AZLE_RECORD_BENCHMARKS'
];

/**
 * Project files outside canisters/ that change the outputs: what esbuild bundles, and the code that
 * writes the Candid metadata into the module (lib/candid-metadata.ts: parsing and printing the .did).
 */
const SHARED_INPUTS = ['tsconfig.json', 'package-lock.json', 'scripts/lib/candid-metadata.ts', 'src/candid/ast.ts', 'src/candid/lexer.ts', 'src/candid/parser.ts', 'src/candid/print.ts', 'src/encoding/bytes.ts', 'src/encoding/leb128.ts'];

// 2: builds no longer depend on the repository's folder (lib/azle-location.ts), whose path left the inputs.
// 3: the Wasm carries its Candid interface as metadata (lib/candid-metadata.ts).
const FINGERPRINT_FORMAT = 'azle-build-fingerprint/3';

export async function computeFingerprint(
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
export async function digestSharedInputs(): Promise<string> {
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
