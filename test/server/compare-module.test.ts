/**
 * scripts/compare-module.ts end to end (issue 9, item 3): the upgrader deployed on the replica
 * server through a genuine @dfinity/agent, an app registered, a module uploaded and proposed; then
 * the script, run as a voter would run it (a child process over HTTP), downloads the module the
 * proposal names and compares it with a local file.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Principal } from '@dfinity/principal';

import { InitArgs } from '../../canisters/upgrader/types.js';
import { reportVerdict } from '../../scripts/compare-module.js';
import { createCanister, installCode } from '../../scripts/lib/ic.js';
import { gzWasmPath, repoRoot, wasmPath } from '../../scripts/paths.js';
import { UpgraderClient } from '../../src/client/upgrader.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { agentFor } from './support.js';

type Run = { code: number; stdout: string; stderr: string };

/** Runs the script in a child process, without blocking this process (which serves its requests). */
function compareModule(args: string[]): Promise<Run> {
    return new Promise((resolve) => {
        execFile(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'scripts', 'compare-module.ts'), ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
            resolve({ code, stdout, stderr });
        });
    });
}

describe('compare-module against the replica server', () => {
    let server: ReplicaServer;
    let upgraderId: Principal;
    let proposalId: bigint;

    beforeEach(async () => {
        server = await startReplicaServer({ port: 0, log: () => undefined });
        const owner = Ed25519KeyIdentity.generate();
        const recovery = Ed25519KeyIdentity.generate().getPrincipal();
        const agent = await agentFor(server.url, owner);
        const self = owner.getPrincipal();
        upgraderId = await createCanister(agent, [self]);
        const free = { registration_fee: 0n, storage_fee_per_mib: 0n, max_apps: [], max_proposals_kept: [], max_audit_entries_per_app: [] };
        await installCode(agent, upgraderId, new Uint8Array(readFileSync(gzWasmPath('upgrader'))), new Uint8Array(IDL.encode([InitArgs], [[free]])));
        const app = await createCanister(agent, [self, upgraderId, recovery]);
        const upgrader = UpgraderClient.create({ agent, canisterId: upgraderId });
        await upgrader.register({
            app,
            policy: { voters: [{ principal: self, weight: 1 }], threshold: 1, proposers: [self], proposal_lifetime_seconds: 3_600n, health_check: [] },
            snapshot_policy: { keep: 1, required: false, rehearse: false },
            recovery
        });
        // The gzipped demo app v2 (two chunks), as dfx would deploy it.
        const module = await upgrader.uploadModule({ app, wasm: new Uint8Array(readFileSync(gzWasmPath('demo_app_v2'))) });
        proposalId = await upgrader.proposeUpgrade(app, { module_hash: module.hash, arg: new Uint8Array(IDL.encode([], [])), options: { take_snapshot: false, skip_pre_upgrade: false, wasm_memory_persistence: [] }, downgrade: false });
    }, 300_000);

    afterEach(async () => {
        await server.close();
    });

    const args = (proposal: bigint, wasm: string): string[] => ['--network', server.url, '--upgrader', upgraderId.toText(), '--proposal', String(proposal), '--wasm', wasm];

    it('says "matches your build" (exit 0) for the same build, and what differs (exit 1) for another', async () => {
        const same = await compareModule(args(proposalId, gzWasmPath('demo_app_v2')));
        expect({ code: same.code, stderr: same.stderr }).toEqual({ code: 0, stderr: '' });
        expect(same.stdout).toMatch(/downloaded chunk 2 of 2/);
        expect(same.stdout.trim().split('\n').at(-1)).toBe('matches your build');

        const other = await compareModule(args(proposalId, wasmPath('demo_app_v1')));
        expect(other.code).toBe(1);
        expect(other.stdout).toMatch(/stored module: [0-9a-f]{64} {2}\d+ bytes \(gzip, \d+ bytes of Wasm inside\)/);
        expect(other.stdout).toMatch(/your build: {4}[0-9a-f]{64} {2}\d+ bytes \(raw Wasm\)/);
        expect(other.stdout).toMatch(/DIFFERS: the Wasm \(\d+ vs \d+ bytes\) first differs at byte \d+, .*in section \d+ \(/);
        expect(other.stdout).toMatch(/sections that differ: .+/);

        // The same Wasm, not gzipped: only the encoding differs.
        const raw = await compareModule(args(proposalId, wasmPath('demo_app_v2')));
        expect(raw.code).toBe(1);
        expect(raw.stdout).toMatch(/DIFFERS only in encoding: .*stored gzip, your build raw/);
    }, 300_000);

    it('says in one line that a proposal does not exist, and refuses a bad command line (exit 2)', async () => {
        const unknown = await compareModule(args(proposalId + 100n, gzWasmPath('demo_app_v2')));
        expect(unknown.code).toBe(2);
        expect(unknown.stdout.trim().split('\n').at(-1)).toMatch(/^proposal \d+ does not exist on this upgrader .*: check the id/);

        const usage = await compareModule(['--network', server.url]);
        expect(usage.code).toBe(2);
        expect(usage.stderr).toMatch(/are all needed\nusage: npx tsx scripts\/compare-module.ts/);
        const badId = await compareModule(args(proposalId, gzWasmPath('demo_app_v2')).map((a) => (a === String(proposalId) ? 'seven' : a)));
        expect(badId.code).toBe(2);
        expect(badId.stderr).toMatch(/--proposal must be a proposal id/);
    }, 300_000);
});

describe('compare-module verdicts', () => {
    const proposal = { proposalId: 4n, app: Ed25519KeyIdentity.generate().getPrincipal(), moduleHash: new Uint8Array(32).fill(1), status: 'executed' };

    it('says in one line that a proposal installs no module (exit 2)', () => {
        expect(reportVerdict({ kind: 'no-module', proposalId: 4n, action: 'change_policy' })).toEqual({
            lines: ['proposal 4 is a change_policy proposal and installs no module: there is nothing to compare (check its action with get_proposal)'],
            exitCode: 2
        });
    });

    it('compares hashes only once the module left the store, and says so', () => {
        const why = 'the upgrader no longer stores the module';
        const same = reportVerdict({ kind: 'hash-only', proposal, matches: true, localSha256: '01'.repeat(32), localSize: 10, why });
        expect(same.exitCode).toBe(0);
        expect(same.lines.at(-1)).toBe('matches your build (by hash)');
        const other = reportVerdict({ kind: 'hash-only', proposal, matches: false, localSha256: '02'.repeat(32), localSize: 10, why });
        expect(other.exitCode).toBe(1);
        expect(other.lines.join('\n')).toMatch(/only hashes are compared[\s\S]*DIFFERS: your build does not hash to the proposal's module hash/);
    });
});
