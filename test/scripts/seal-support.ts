/**
 * Helpers of the sealing tests: running scripts/seal.ts and scripts/verify.ts as real processes
 * (tsx, as the README runs them) against a replica server started by the test, and identity files.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ed25519KeyIdentity } from '@dfinity/identity';

import { repoRoot } from '../../scripts/paths.js';

export type ScriptRun = { code: number; stdout: string; stderr: string };

const TSX = join(repoRoot, 'node_modules', '.bin', 'tsx');

/**
 * Runs `scripts/<script>` with `args` and resolves with its exit code and output (never rejects
 * on a non-zero exit). Asynchronous on purpose: the replica server it talks to runs in this process.
 */
export function runScript(script: 'seal.ts' | 'verify.ts', args: readonly string[]): Promise<ScriptRun> {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not the scripts' business
    return new Promise((resolve, reject) => {
        execFile(TSX, [join(repoRoot, 'scripts', script), ...args], { cwd: repoRoot, env, timeout: 60_000 }, (error, stdout, stderr) => {
            if (error !== null && typeof error.code !== 'number') {
                reject(new Error(`${script} could not run: ${error.message}\n${stderr}`));
                return;
            }
            resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
        });
    });
}

/** The value printed after `label:` on a line of a script's output. */
export function printed(output: string, label: string): string {
    const line = output.split('\n').find((l) => l.startsWith(`${label}:`));
    if (line === undefined) throw new Error(`no "${label}:" line in:\n${output}`);
    return line.slice(label.length + 1).trim();
}

/** A fresh Ed25519 identity written to a temporary file as Ed25519KeyIdentity JSON; `remove` deletes it. */
export async function identityFile(): Promise<{ identity: Ed25519KeyIdentity; path: string; remove: () => Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), 'seal-test-'));
    const identity = Ed25519KeyIdentity.generate();
    const path = join(dir, 'identity.json');
    await writeFile(path, JSON.stringify(identity.toJSON()), { mode: 0o600 });
    return { identity, path, remove: () => rm(dir, { recursive: true, force: true }) };
}
