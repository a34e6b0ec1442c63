/** Where the repository and the Azle build outputs live, for scripts and tests. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (the directory holding dfx.json). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `.azle/<name>/`: Azle's output directory for one canister (wiped by every `azle build`). */
export function azleOutDir(name: string): string {
    return join(repoRoot, '.azle', name);
}

/** The raw wasm module written by `azle build`. */
export function wasmPath(name: string): string {
    return join(azleOutDir(name), `${name}.wasm`);
}

/** The gzipped wasm module written by scripts/build.ts (what install_code receives). */
export function gzWasmPath(name: string): string {
    return join(azleOutDir(name), `${name}.wasm.gz`);
}

/** The Candid interface generated for the canister. */
export function didPath(name: string): string {
    return join(azleOutDir(name), `${name}.did`);
}

/** The fingerprint of the inputs of the last successful build. */
export function fingerprintPath(name: string): string {
    return join(azleOutDir(name), '.fingerprint');
}
