/**
 * `backup` and `restore --from` end to end against the replica server, as the app's recovery
 * principal: a backup restores byte for byte into the same app after its state changed and
 * into another canister; an interrupted download resumes; a corrupted or truncated backup is
 * refused before anything is uploaded; bad input exits 2.
 */
import { readFileSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Actor, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { createCanister } from '../../scripts/lib/ic.js';
import { downloadSnapshot } from '../../src/client/snapshots/download.js';
import { snapshotManagement } from '../../src/client/snapshots/management.js';
import type { Manifest } from '../../src/client/snapshots/manifest.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { agentAs, cli, governedApp, type GovernedApp } from './support.js';

let server: ReplicaServer;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

interface Notes {
    add_note(text: string): Promise<bigint>;
    count(): Promise<bigint>;
}
const notesIdl: IDL.InterfaceFactory = () => IDL.Service({ add_note: IDL.Func([IDL.Text], [IDL.Nat64], []), count: IDL.Func([], [IDL.Nat64], ['query']) });
const notes = (agent: HttpAgent, canisterId: string) => Actor.createActor<Notes>(notesIdl, { agent, canisterId });

const outDir = () => join(mkdtempSync(join(tmpdir(), 'upgrader-backup-')), 'backup');
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
const partFile = (dir: string, kind: string) => join(dir, manifestOf(dir).parts.find((p) => p.kind === kind)!.file);

/** A snapshot of the canister now, downloaded, compared with a backup's part files. */
async function expectSameBytes(agent: HttpAgent, canisterId: string, dir: string): Promise<void> {
    const mgmt = snapshotManagement(agent);
    const id = Principal.fromText(canisterId);
    const { id: snapshotId } = await mgmt.take_canister_snapshot({ canister_id: id, replace_snapshot: [] });
    const now = await downloadSnapshot(agent, id, snapshotId);
    await mgmt.delete_canister_snapshot({ canister_id: id, snapshot_id: snapshotId });
    for (const kind of ['wasm_module', 'wasm_memory', 'stable_memory'] as const) expect(Buffer.compare(now.parts[kind], readFileSync(partFile(dir, kind)))).toBe(0);
}

async function recoveryAgent(app: GovernedApp): Promise<HttpAgent> {
    return agentAs(server.url, app.home.identities.recovery!);
}

it('backs up an app and restores it byte for byte after its state changed, and into another canister', async () => {
    const governed = await governedApp(server.url);
    const { run, app } = governed;
    const agent = await recoveryAgent(governed);
    await notes(agent, app).add_note('kept in the backup');
    const out = outDir();

    const backup = await run(['backup', '--app', app, '--out', out, '--identity', 'recovery', '--json']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const result = backup.json<{ module_hash: string; snapshot_deleted: boolean; resumed: boolean }>();
    expect(result).toMatchObject({ snapshot_deleted: true, resumed: false });
    const manifest = manifestOf(out);
    expect(manifest).toMatchObject({ format: 'upgrader-backup/1', canister_id: app, module_hash: result.module_hash });
    const status = await snapshotManagement(agent).canister_status({ canister_id: Principal.fromText(app) });
    expect(Buffer.from(status.module_hash[0]!).toString('hex')).toBe(manifest.module_hash);
    expect(await snapshotManagement(agent).list_canister_snapshots({ canister_id: Principal.fromText(app) })).toEqual([]);
    expect(existsSync(join(out, 'download.json'))).toBe(false);

    await notes(agent, app).add_note('written after the backup');
    expect(await notes(agent, app).count()).toBe(2n);
    const restore = await run(['restore', '--from', out, '--app', app, '--identity', 'recovery', '--yes', '--json']);
    expect(restore.code).toBe(0);
    expect(restore.json()).toMatchObject({ app, backup_of: app, module_hash: manifest.module_hash });
    expect(await notes(agent, app).count()).toBe(1n);
    await expectSameBytes(agent, app, out);

    const deployer = await agentAs(server.url, governed.home.identities.deployer!);
    const other = (await createCanister(deployer, [Principal.fromText(governed.home.principal('recovery'))])).toText();
    const copy = await run(['restore', '--from', out, '--app', other, '--identity', 'recovery', '--yes']);
    expect(copy.code).toBe(0);
    expect(copy.stdout).toMatch(new RegExp(`restored: +${other} from .* \\(a backup of ${app}\\)`));
    expect(await notes(agent, other).count()).toBe(1n);
    await expectSameBytes(agent, other, out);
});

it('resumes an interrupted download, keeping what it had', async () => {
    const governed = await governedApp(server.url);
    const { app } = governed;
    const full = outDir();
    expect((await governed.run(['backup', '--app', app, '--out', full, '--identity', 'recovery', '--keep-snapshot'])).code).toBe(0);
    const snapshot = manifestOf(full).snapshot_id;

    const out = outDir();
    const args = ['--network', server.url, 'backup', '--app', app, '--out', out, '--snapshot', snapshot, '--identity', 'recovery'];
    const stopped = await cli(args, { home: governed.home.dir, env: { UPGRADER_TEST_BACKUP_STOP_AFTER_SLICES: '3' } });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^Interrupted: stopped after 3 slices .*run backup again to resume$/m);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'download.json'), 'utf8'))).toMatchObject({ snapshot_id: snapshot, taken_here: false });

    const resumed = await cli([...args, '--json'], { home: governed.home.dir });
    expect(resumed.code).toBe(0);
    expect(resumed.json()).toMatchObject({ resumed: true, snapshot_id: snapshot, snapshot_deleted: false });
    expect(manifestOf(out).parts).toEqual(manifestOf(full).parts);
    expect(manifestOf(out).module_hash).toBe(manifestOf(full).module_hash);
});

it('refuses a corrupted or truncated backup before uploading anything', async () => {
    const governed = await governedApp(server.url);
    const { run, app } = governed;
    const agent = await recoveryAgent(governed);
    const out = outDir();
    expect((await run(['backup', '--app', app, '--out', out, '--identity', 'recovery'])).code).toBe(0);
    await notes(agent, app).add_note('must survive a refused restore');
    const snapshotsBefore = await snapshotManagement(agent).list_canister_snapshots({ canister_id: Principal.fromText(app) });

    const heap = partFile(out, 'wasm_memory');
    const original = readFileSync(heap);
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1] ^= 0xff;
    writeFileSync(heap, flipped);
    const corrupted = await run(['restore', '--from', out, '--app', app, '--identity', 'recovery', '--yes']);
    expect(corrupted.code).toBe(1);
    expect(corrupted.stderr).toMatch(/^BackupCorrupt: .*wasm_memory\.bin has SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} manifest\.json gives \(corrupted or altered\)\. The backup is damaged: restore from another backup\. Nothing was uploaded or loaded; the app is unchanged\.$/m);
    writeFileSync(heap, original);

    const stable = partFile(out, 'stable_memory');
    truncateSync(stable, readFileSync(stable).length - 1);
    const truncated = await run(['restore', '--from', out, '--app', app, '--identity', 'recovery', '--yes']);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/^BackupCorrupt: .*stable_memory\.bin has \d+ bytes, not the \d+ manifest\.json gives \(truncated or altered\)/m);

    writeFileSync(join(out, 'manifest.json'), '{ not json');
    expect((await run(['restore', '--from', out, '--app', app, '--identity', 'recovery', '--yes'])).stderr).toMatch(/^BackupCorrupt: .*manifest\.json is not JSON/m);

    expect(await notes(agent, app).count()).toBe(1n);
    expect(await snapshotManagement(agent).list_canister_snapshots({ canister_id: Principal.fromText(app) })).toEqual(snapshotsBefore);
});

it('exits 2 on bad input', async () => {
    const home = (await import('./support.js')).makeHome(['someone'], 'someone');
    const run = (args: string[]) => cli(['--network', server.url, ...args], { home: home.dir });
    const missingOut = await run(['backup', '--app', 'aaaaa-aa']);
    expect(missingOut.code).toBe(2);
    expect((await run(['backup', '--app', 'not a principal', '--out', outDir()])).code).toBe(2);
    expect((await run(['backup', '--app', 'aaaaa-aa', '--out', outDir(), '--snapshot', 'zz'])).code).toBe(2);
    expect((await run(['backup', '--app', 'aaaaa-aa', '--out', outDir(), '--snapshot', '00', '--newest'])).code).toBe(2);
    const nowhere = await run(['restore', '--from', join(tmpdir(), 'no-such-backup-folder'), '--app', 'aaaaa-aa', '--yes']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/usage error: --from: .* is not a folder/);
    expect((await run(['restore', '--from', tmpdir(), '--snapshot', '00', '--app', 'aaaaa-aa', '--yes'])).code).toBe(2);
});
