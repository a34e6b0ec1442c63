/**
 * `npx upgrader rehearse` against the replica's HTTP server: an app registered with a sealed
 * upgrader whose policy names the health check, rehearsed on its live state (downloaded by the
 * recovery principal, a controller) or on a backup; over-budget, trap and bad-input exits.
 * Real Azle hooks (demo app v1 → v2) where their instruction figures are what is checked; the
 * small fleet member elsewhere, with stable memory over several download slices that its health
 * check finds whole or not.
 */
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { snapshotManagement } from '../../src/client/snapshots/management.js';
import { Principal } from '@dfinity/principal';
import { WASM_PAGE_BYTES } from '../../src/replica/index.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { fleetMemberModule, type FleetMemberVersion, MULTI_SLICE_STABLE_PAGES, POST_UPGRADE_TRAP_MESSAGE } from '../fleet/member-module.js';
import { agentAs, type AppModule, cli, governedApp, type GovernedApp, makeHome, V2_ARG_HEX, V2_WASM } from './support.js';

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

/** A test that rehearses real Azle upgrades (two per rehearsal): minutes on a loaded machine. */
const SLOW = 300_000;

/** The member's stable memory: 5,242,880 bytes, three slices of the download. */
const MEMBER_STABLE_PAGES = MULTI_SLICE_STABLE_PAGES;
const memberWasm = (version: FleetMemberVersion): Promise<Uint8Array> => fleetMemberModule(version, { stablePages: MEMBER_STABLE_PAGES });

/** The fleet member v1 as an app (its init takes any argument). */
async function memberApp(): Promise<AppModule> {
    return { wasm: await memberWasm('v1'), arg: new Uint8Array() };
}

/** The member module of `version`, written to a file for --wasm. */
async function memberFile(version: FleetMemberVersion): Promise<string> {
    const path = join(mkdtempSync(join(tmpdir(), 'rehearse-member-')), `member_${version}.wasm`);
    writeFileSync(path, await memberWasm(version));
    return path;
}

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
    const governed = await governedApp(server.url, await memberApp());
    // Its post_upgrade spends over 0.03 % of the upgrade's limit.
    const run = await governed.run(['rehearse', '--app', governed.app, '--wasm', await memberFile('busy_post_upgrade'), '--identity', 'recovery', '--max-share', '0.01']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/post_upgrade \(new module\): \d+(\.\d+)? % of the upgrade's instruction limit at today's size/);
    expect(run.stdout).toContain('3. health check: PASSED');
    expect(run.stdout).toContain('verdict: FAILED');
    expect(run.stdout).toMatch(/✗ post_upgrade \(new module\) in upgrade used \d+(\.\d+)? % of the upgrade's instruction limit, over the 0.01 % allowed/);

    // The same app and limit pass with a post_upgrade that spends nearly nothing.
    const light = await governed.run(['rehearse', '--app', governed.app, '--wasm', await memberFile('v2'), '--identity', 'recovery', '--max-share', '0.01']);
    expect(light.stdout).toContain('verdict: PASSED');
    expect(light.code).toBe(0);
});

it('exits 1 with the trap when the new module cannot run on this state (its post_upgrade traps)', async () => {
    const governed = await governedApp(server.url, await memberApp());
    const run = await governed.run(['rehearse', '--app', governed.app, '--wasm', await memberFile('trap_post_upgrade'), '--identity', 'recovery', '--json']);
    expect(run.code).toBe(1);
    const { report } = run.json<{ report: JsonReport }>();
    expect(report.steps[0]!.status).toBe('failed');
    expect(report.steps[0]!.hooks.at(-1)!.trap).toContain(POST_UPGRADE_TRAP_MESSAGE);
    expect(report.steps.slice(1).map((s) => s.status)).toEqual(['skipped', 'skipped']);
});

it('rehearses on a backup folder: the backed-up heap and stable memory, the controllers from the network', async () => {
    const governed = await governedApp(server.url, await memberApp());
    const out = await backupOf(governed);
    const run = await governed.run(['rehearse', '--app', governed.app, '--wasm', await memberFile('v2'), '--from-backup', out, '--identity', 'recovery', '--json']);
    expect(run.code).toBe(0);
    const result = run.json<{ report: JsonReport; state_from: string; controllers_from: string; health_check: string }>();
    expect(result.state_from).toContain(out);
    expect(result.controllers_from).toContain('canister_status');
    expect(result.health_check).toBe('health');
    // The health check passes only on the member's stable pages whole, as backed up.
    expect(result.report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { metadata: { wasm_memory_size: string; stable_memory_size: string } };
    expect(manifest.metadata.stable_memory_size).toBe(String(MEMBER_STABLE_PAGES * WASM_PAGE_BYTES));
    expect(result.report.steps[0]!.heap!.before).toBe(manifest.metadata.wasm_memory_size);
});

it('rehearses a backup with the network gone, and refuses a truncated one before anything runs', async () => {
    const governed = await governedApp(server.url, await memberApp());
    const out = await backupOf(governed);
    const v2 = await memberFile('v2');
    // Nothing listens on port 1: the identity controls the rehearsal, --health names the check.
    const offline = await cli(['--network', 'http://127.0.0.1:1', 'rehearse', '--app', governed.app, '--wasm', v2, '--from-backup', out, '--health', 'health', '--identity', 'recovery', '--json'], {
        home: governed.home.dir
    });
    expect(offline.code).toBe(0);
    const result = offline.json<{ report: JsonReport; controllers_from: string }>();
    expect(result.controllers_from).toMatch(/^the identity alone/);
    expect(result.report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { parts: Array<{ kind: string; file: string }> };
    truncateSync(join(out, manifest.parts.find((p) => p.kind === 'wasm_memory')!.file), 1000);
    const broken = await governed.run(['rehearse', '--app', governed.app, '--wasm', v2, '--from-backup', out, '--identity', 'recovery']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/BackupCorrupt.*1000 bytes/);
});

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
