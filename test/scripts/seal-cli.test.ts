/**
 * scripts/seal.ts and scripts/verify.ts as real processes (tsx, as the README runs them) against
 * the replica server: their exit codes (0 sealed and verified, 1 not, 2 usage errors) and the
 * lines they print. Every spawn costs a tsx start, so each case spawns as few as it can.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';

import { certifiedInfo, connect, createCanister, installCode, resolveNetwork } from '../../scripts/lib/ic.js';
import { gzWasmPath } from '../../scripts/paths.js';
import { sealUpgrader } from '../../scripts/seal.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { wat } from '../replica/wasm/helpers.js';
import { identityFile, printed, runScript, type ScriptRun } from './seal-support.js';

const UPGRADER_GZ_PATH = gzWasmPath('upgrader');
const UPGRADER_HASH = createHash('sha256').update(readFileSync(UPGRADER_GZ_PATH)).digest('hex');
const STACK_FRAME = /^\s+at /m;

let server: ReplicaServer;

beforeEach(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterEach(async () => {
    await server.close();
});

function expectExit(run: ScriptRun, code: number): void {
    if (run.code !== code) throw new Error(`expected exit ${code}, got ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

const verify = (...args: string[]): Promise<ScriptRun> => runScript('verify.ts', ['--network', server.url, ...args]);

describe('seal.ts and verify.ts', () => {
    it('seal.ts seals the built upgrader with an identity file; verify.ts exits 0 for it against the built module', async () => {
        const key = await identityFile();
        try {
            const sealed = await runScript('seal.ts', ['--network', server.url, '--identity', key.path, '--registration-fee', '0', '--storage-fee-per-mib', '0']);
            expectExit(sealed, 0);
            expect(printed(sealed.stdout, 'identity')).toBe(key.identity.getPrincipal().toText());
            expect(printed(sealed.stdout, 'prices')).toBe('registration 0, storage 0 per MiB (cycles)');
            expect(printed(sealed.stdout, 'module hash')).toBe(UPGRADER_HASH);
            expect(printed(sealed.stdout, 'controllers')).toBe('none (sealed; checked in the certified state)');
            const canister = printed(sealed.stdout, 'upgrader');
            expect(printed(sealed.stdout, 'next')).toContain(`scripts/verify.ts --network ${server.url} --canister ${canister} --expect-wasm ${UPGRADER_GZ_PATH}`);

            const verified = await verify('--canister', canister, '--expect-wasm', UPGRADER_GZ_PATH);
            expectExit(verified, 0);
            expect(printed(verified.stdout, 'module hash')).toBe(UPGRADER_HASH);
            expect(printed(verified.stdout, 'controllers')).toBe('none');
            expect(printed(verified.stdout, 'expected')).toBe('matches');
            expect(printed(verified.stdout, 'verdict')).toBe('VERIFIED: sealed, and runs exactly the expected module');
        } finally {
            await key.remove();
        }
    });

    it('verify.ts exits 1 for an upgrader that still has a controller, naming it and saying what to do', async () => {
        const deployer = Ed25519KeyIdentity.generate();
        const agent = await connect(resolveNetwork(server.url), deployer);
        const id = await createCanister(agent, [deployer.getPrincipal()]);
        await installCode(agent, id, new Uint8Array(readFileSync(UPGRADER_GZ_PATH)), new Uint8Array(IDL.encode([], [])));

        const run = await verify('--canister', id.toText(), '--expect-wasm', UPGRADER_GZ_PATH);
        expectExit(run, 1);
        expect(printed(run.stdout, 'controllers')).toBe(deployer.getPrincipal().toText());
        expect(printed(run.stdout, 'sealed')).toBe('NO: its controllers can change its code at any time');
        expect(printed(run.stdout, 'expected')).toBe('matches');
        expect(printed(run.stdout, 'verdict')).toMatch(/^NOT VERIFIED: do not rely on it while it has controllers; they can seal it/);
    });

    it('verify.ts exits 1 for a sealed canister running another module, given --expect or --expect-wasm', async () => {
        const other = await wat('(module (memory 1))');
        const agent = await connect(resolveNetwork(server.url), Ed25519KeyIdentity.generate());
        const { canisterId, moduleHash } = await sealUpgrader(agent, other);
        const [byHash, byFile] = await Promise.all([verify('--canister', canisterId.toText(), '--expect', UPGRADER_HASH), verify('--canister', canisterId.toText(), '--expect-wasm', UPGRADER_GZ_PATH)]);
        for (const run of [byHash, byFile]) {
            expectExit(run, 1);
            expect(printed(run.stdout, 'module hash')).toBe(moduleHash);
            expect(printed(run.stdout, 'sealed')).toBe('yes: nobody can change its code');
            expect(printed(run.stdout, 'expected')).toBe(`MISMATCH: expected ${UPGRADER_HASH}`);
            expect(printed(run.stdout, 'verdict')).toMatch(/^NOT VERIFIED: it runs another build/);
        }
    });

    it('verify.ts exits 1 for a canister that does not exist, rather than calling it sealed', async () => {
        const run = await verify('--canister', 'lxzze-o7777-77777-aaaaa-cai');
        expectExit(run, 1);
        expect(run.stderr).toContain('error: canister lxzze-o7777-77777-aaaaa-cai does not exist on this network');
        expect(run.stdout).not.toContain('sealed:');
        expect(run.stderr).not.toMatch(STACK_FRAME);
    });

    it('seal.ts exits 1 with a clear message, no stack trace, for a canister its identity does not control', async () => {
        const owner = Ed25519KeyIdentity.generate();
        const id = await createCanister(await connect(resolveNetwork(server.url), owner), [owner.getPrincipal()]);
        const key = await identityFile();
        try {
            // The other accepted identity form: a 32-byte secret key in hex.
            await writeFile(key.path, Buffer.from(key.identity.getKeyPair().secretKey.subarray(0, 32)).toString('hex'));
            const run = await runScript('seal.ts', ['--network', server.url, '--identity', key.path, '--canister', id.toText()]);
            expectExit(run, 1);
            expect(printed(run.stdout, 'identity')).toBe(key.identity.getPrincipal().toText());
            expect(run.stderr.trim()).toBe(
                `error: ${key.identity.getPrincipal().toText()} is not a controller of ${id.toText()} (its controllers: ${owner.getPrincipal().toText()}). Run seal.ts with the identity of one of its controllers, or pass another canister.`
            );
            expect(await certifiedInfo(await connect(resolveNetwork(server.url), owner), id)).toEqual({ controllers: [owner.getPrincipal()], moduleHash: null });
        } finally {
            await key.remove();
        }
    });

    it('exit 2 on usage errors, with the usage line, before touching any network: a --network typo, bad or half fee options', async () => {
        const key = await identityFile();
        try {
            const seal = (...args: string[]): Promise<ScriptRun> => runScript('seal.ts', ['--network', server.url, '--identity', key.path, ...args]);
            const [typo, halfFees, badFee] = await Promise.all([
                runScript('verify.ts', ['--network', 'locl', '--canister', 'aaaaa-aa']),
                seal('--registration-fee', '0'),
                seal('--registration-fee', '1e12', '--storage-fee-per-mib', '0')
            ]);
            for (const run of [typo, halfFees, badFee]) {
                expectExit(run, 2);
                expect(run.stdout).toBe('');
                expect(run.stderr).not.toMatch(STACK_FRAME);
            }
            expect(typo.stderr).toContain('unknown network "locl": use "local", "ic" or a URL');
            expect(typo.stderr).toContain('usage: npx tsx scripts/verify.ts');
            expect(halfFees.stderr).toContain('give both --registration-fee and --storage-fee-per-mib');
            expect(badFee.stderr).toContain('--registration-fee must be a whole number of cycles in decimal digits');
            expect(badFee.stderr).toContain('usage: npx tsx scripts/seal.ts');
        } finally {
            await key.remove();
        }
    });
});
