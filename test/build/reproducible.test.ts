/**
 * Reproducible builds (issue 9): the upgrader built from the same sources in folders at other
 * paths gives byte-identical .wasm and .wasm.gz, equal to the ones the repository's own build
 * (jest's global setup) produced. Each copy holds what `npm run build` reads, with node_modules
 * symlinked, and is built with the documented command.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { gzWasmPath, repoRoot, wasmPath } from '../../scripts/paths.js';

/** What `npm run build` reads besides node_modules: the sources and the build scripts. */
const BUILD_INPUTS = ['dfx.json', 'package.json', 'package-lock.json', 'tsconfig.json', '.npmrc', 'canisters', 'scripts', 'src/candid', 'src/encoding'];

const CANISTER = 'upgrader';

type Built = { wasm: Buffer; gz: Buffer };

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function copyBuildInputs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const input of BUILD_INPUTS) await cp(join(repoRoot, input), join(dir, input), { recursive: true });
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
}

/** Runs `npm run build -- upgrader` in `dir` and returns what it wrote. */
async function buildIn(dir: string): Promise<Built> {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not part of a normal build
    const output: Buffer[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn('npm', ['run', 'build', '--', CANISTER], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
        child.on('error', reject);
        child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`npm run build in ${dir} exited with ${String(code)}:\n${Buffer.concat(output).toString('utf8')}`);
    const outDir = join(dir, '.azle', CANISTER);
    return {
        wasm: await readFile(join(outDir, `${CANISTER}.wasm`)),
        gz: await readFile(join(outDir, `${CANISTER}.wasm.gz`))
    };
}

describe('reproducible build of the upgrader', () => {
    let scratch: string;

    beforeEach(async () => {
        scratch = await mkdtemp(join(tmpdir(), 'reproducible-'));
    });

    afterEach(async () => {
        await rm(scratch, { recursive: true, force: true });
    });

    it('gives the same .wasm and .wasm.gz in folders of other paths as in the repository', async () => {
        const short = join(scratch, 'a');
        const long = join(scratch, 'a-much-longer-folder-name', 'nested', 'two levels deeper');
        await Promise.all([copyBuildInputs(short), copyBuildInputs(long)]);

        const [first, second] = await Promise.all([buildIn(short), buildIn(long)]);
        const repo: Built = { wasm: await readFile(wasmPath(CANISTER)), gz: await readFile(gzWasmPath(CANISTER)) };

        const hashes = (built: Built): { wasm: string; gz: string } => ({ wasm: sha256(built.wasm), gz: sha256(built.gz) });
        expect(hashes(first)).toEqual(hashes(repo));
        expect(hashes(second)).toEqual(hashes(repo));

        // The folder's path appears nowhere in the module.
        for (const [dir, built] of [[short, first], [long, second]] as const) {
            expect(built.wasm.includes(Buffer.from(dir))).toBe(false);
            expect(built.wasm.includes(Buffer.from(scratch))).toBe(false);
        }
        // gzip header (RFC 1952): no flags, no modification time, OS "unknown" whatever the machine.
        expect([...repo.gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
        expect(gunzipSync(repo.gz).equals(repo.wasm)).toBe(true);
    }, 300_000);
});
