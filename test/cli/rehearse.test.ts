/**
 * `npx upgrader rehearse` against the replica's HTTP server: demo app v1, registered with a
 * sealed upgrader whose policy names the health check, rehearsed to v2 on its live state
 * (downloaded by the recovery principal, a controller); over-budget and bad-input exits.
 */
import { mkdtempSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { snapshotManagement } from '../../src/client/snapshots/management.js';
import { Principal } from '@dfinity/principal';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { agentAs, cli, governedApp, type GovernedApp, makeHome, V2_ARG_HEX, V2_WASM } from './support.js';

interface JsonHook {
    hook: string;
    module: string;
    instructions: string;
    percentOfUpgradeLimit: number;
    percentOfMessageLimit: number;
    trap: string | null;
}
interface JsonReport {
    canisterId: string;
    limits: { upgradeInstructions: string; messageInstructions: string };
    steps: Array<{ step: string; status: string; detail: string | null; hooks: JsonHook[]; heap: { before: string; after: string; limit: string } | null }>;
    failures: string[];
    passed: boolean;
}

let server: ReplicaServer;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

/** Each test rehearses real Azle upgrades (two per rehearsal): minutes on a loaded machine. */
const SLOW = 300_000;

/** A backup folder of the app, made by `npx upgrader backup` as its recovery principal. */
async function backupOf(governed: GovernedApp): Promise<string> {
    const out = join(mkdtempSync(join(tmpdir(), 'rehearse-backup-')), 'backup');
    const backup = await governed.run(['backup', '--app', governed.app, '--out', out, '--identity', 'recovery', '--json']);
    if (backup.code !== 0) throw new Error(`backup failed: ${backup.stderr}`);
    return out;
}

it("passes demo app v1 → v2 on the live state, with the policy's health check and real figures, and leaves the app as it was", async () => {
    const governed = await governedApp(server.url);
    const run = await governed.run(['rehearse', '--app', governed.app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--identity', 'recovery', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { report, health_check } = run.json<{ report: JsonReport; health_check: string }>();
    expect(health_check).toBe('health');
    expect(report.canisterId).toBe(governed.app);
    expect(report.limits).toEqual({ upgradeInstructions: '300000000000', messageInstructions: '40000000000' });
    expect(report.steps.map((s) => [s.step, s.status])).toEqual([
        ['upgrade', 'passed'],
        ['upgrade_again', 'passed'],
        ['health_check', 'passed']
    ]);
    const post = report.steps[0]!.hooks.find((h) => h.hook === 'post_upgrade')!;
    expect(post.module).toBe('new');
    // An Azle post_upgrade re-evaluates the whole JS bundle: hundreds of millions of instructions, well under 1 % of 300 B.
    expect(BigInt(post.instructions)).toBeGreaterThan(100_000_000n);
    expect(post.percentOfUpgradeLimit).toBeGreaterThan(0);
    expect(post.percentOfUpgradeLimit).toBeLessThan(5);
    expect(post.percentOfMessageLimit).toBeCloseTo(post.percentOfUpgradeLimit * 7.5, 0);
    expect(BigInt(report.steps[0]!.heap!.before)).toBeGreaterThan(0n);
    expect(report.failures).toEqual([]);

    // The rehearsal took a snapshot for the download and deleted it again.
    const mgmt = snapshotManagement(await agentAs(server.url, governed.home.identities.recovery!));
    expect(await mgmt.list_canister_snapshots({ canister_id: Principal.fromText(governed.app) })).toEqual([]);
}, SLOW);

it('exits 1 when a hook uses more than --max-share of its limit, naming the hook and its share', async () => {
    const governed = await governedApp(server.url);
    const run = await governed.run(['rehearse', '--app', governed.app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--identity', 'recovery', '--max-share', '0.01']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/post_upgrade \(new module\): \d+(\.\d+)? % of the upgrade's instruction limit at today's size/);
    expect(run.stdout).toContain('3. health check: PASSED');
    expect(run.stdout).toContain('verdict: FAILED');
    expect(run.stdout).toMatch(/✗ post_upgrade \(new module\) in upgrade used \d+(\.\d+)? % of the upgrade's instruction limit, over the 0.01 % allowed/);
}, SLOW);

it('exits 1 with the trap when the new module cannot run on this state (a bad upgrade argument)', async () => {
    const governed = await governedApp(server.url);
    const run = await governed.run(['rehearse', '--app', governed.app, '--wasm', V2_WASM, '--arg', '4449444c0000', '--identity', 'recovery', '--json']);
    expect(run.code).toBe(1);
    const { report } = run.json<{ report: JsonReport }>();
    expect(report.steps[0]!.status).toBe('failed');
    expect(report.steps[0]!.hooks.at(-1)!.trap).not.toBeNull();
    expect(report.steps[1]!.status).toBe('skipped');
}, SLOW);

it('rehearses on a backup folder: the backed-up heap, the controllers from the network', async () => {
    const governed = await governedApp(server.url);
    const out = await backupOf(governed);
    const run = await governed.run(['rehearse', '--app', governed.app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--from-backup', out, '--identity', 'recovery', '--json']);
    expect(run.code).toBe(0);
    const result = run.json<{ report: JsonReport; state_from: string; controllers_from: string; health_check: string }>();
    expect(result.state_from).toContain(out);
    expect(result.controllers_from).toContain('canister_status');
    expect(result.health_check).toBe('health');
    expect(result.report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { metadata: { wasm_memory_size: string } };
    expect(result.report.steps[0]!.heap!.before).toBe(manifest.metadata.wasm_memory_size);
}, SLOW);

it('rehearses a backup with the network gone, and refuses a truncated one before anything runs', async () => {
    const governed = await governedApp(server.url);
    const out = await backupOf(governed);
    // Nothing listens on port 1: the identity controls the rehearsal, --health names the check.
    const offline = await cli(['--network', 'http://127.0.0.1:1', 'rehearse', '--app', governed.app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--from-backup', out, '--health', 'health', '--identity', 'recovery', '--json'], {
        home: governed.home.dir
    });
    expect(offline.code).toBe(0);
    const result = offline.json<{ report: JsonReport; controllers_from: string }>();
    expect(result.controllers_from).toMatch(/^the identity alone/);
    expect(result.report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { parts: Array<{ kind: string; file: string }> };
    truncateSync(join(out, manifest.parts.find((p) => p.kind === 'wasm_memory')!.file), 1000);
    const broken = await governed.run(['rehearse', '--app', governed.app, '--wasm', V2_WASM, '--from-backup', out, '--identity', 'recovery']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/BackupCorrupt.*1000 bytes/);
}, SLOW);

it('refuses bad input with one line and exit 2', async () => {
    const home = makeHome([]);
    const offline = (args: string[]) => cli(['rehearse', ...args], { home: home.dir });
    const app = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
    for (const args of [
        ['--app', 'not-a-principal', '--wasm', V2_WASM],
        ['--app', app, '--wasm', '/no/such/module.wasm'],
        ['--app', app, '--wasm', V2_WASM, '--arg', 'xyz'],
        ['--app', app, '--wasm', V2_WASM, '--max-share', '0'],
        ['--app', app, '--wasm', V2_WASM, '--max-share', '150'],
        ['--wasm', V2_WASM],
        ['--app', app, '--wasm', V2_WASM, '--from-backup', '/no/such/folder', '--health', 'health']
    ]) {
        const run = await offline(args);
        expect(run.code).toBe(2);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
});
