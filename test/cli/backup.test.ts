/**
 * `backup` and `restore --from` end to end against the replica server: a governed app's backup,
 * by its recovery principal, restores byte for byte after the app's state changed; a backup
 * restores into another canister; an interrupted download resumes; a corrupted or truncated
 * backup is refused before anything is uploaded; bad input exits 2. Besides the governed app
 * (an Azle canister: ~110 MB, 57 slices each way), a universal canister with a 5 MB stable
 * memory keeps the other cases quick.
 */
import { existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Actor, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { createCanister, installCode } from '../../scripts/lib/ic.js';
import { snapshotManagement } from '../../src/client/snapshots/management.js';
import type { Manifest } from '../../src/client/snapshots/manifest.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { u64 } from '../replica/conformance/support/harness.js';
import { DATA, prog, universalWasm } from '../replica/conformance/support/universal.js';
import { agentAs, cli, type CliRun, governedApp, makeHome } from './support.js';

let server: ReplicaServer;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

const outDir = () => join(mkdtempSync(join(tmpdir(), 'upgrader-backup-')), 'backup');
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
const partFile = (dir: string, kind: string) => join(dir, manifestOf(dir).parts.find((p) => p.kind === kind)!.file);

/** The canister's committed module, heap and stable memory (read in-process) equal the backup's part files. */
function expectSameBytes(canisterId: string, dir: string): void {
    const code = server.node.subnet.canister(Principal.fromText(canisterId))!.code!;
    expect(Buffer.compare(code.module.given, readFileSync(partFile(dir, 'wasm_module')))).toBe(0);
    expect(Buffer.compare(code.heap.toBytes(), readFileSync(partFile(dir, 'wasm_memory')))).toBe(0);
    expect(Buffer.compare(code.stable.toBytes(), readFileSync(partFile(dir, 'stable_memory')))).toBe(0);
}

/** A universal canister controlled by `owner` whose init stores `n` in its heap and grows stable memory to 80 pages (5 MiB: three slices). */
async function smallCanister(agent: HttpAgent, n: number): Promise<string> {
    const id = await createCanister(agent, [await agent.getPrincipal()]);
    const init = prog().op('store64', DATA, n).ic0('stable64_grow', 80).op('drop').ic0('stable64_write', 5_000_000, 'the end');
    await installCode(agent, id, await universalWasm(), init.build());
    return id.toText();
}

async function heapValue(agent: HttpAgent, canisterId: string): Promise<bigint> {
    const reply = await agent.query(canisterId, { methodName: 'query', arg: prog().op('load64', DATA).appendI64().ic0('msg_reply').build() });
    if (reply.status !== 'replied') throw new Error(`query rejected: ${JSON.stringify(reply)}`);
    return u64(new Uint8Array(reply.reply.arg), 0);
}

/** Stores `n` in the universal canister's heap with an update call, and waits until a query sees it. */
async function setHeapValue(agent: HttpAgent, canisterId: string, n: number): Promise<void> {
    await agent.call(canisterId, { methodName: 'run', arg: prog().op('store64', DATA, n).reply().build() });
    for (let i = 0; i < 100 && (await heapValue(agent, canisterId)) !== BigInt(n); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await heapValue(agent, canisterId)).toBe(BigInt(n));
}

function ok(run: CliRun): CliRun {
    if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
    return run;
}

it('backs up a governed app as its recovery principal and restores it byte for byte after its state changed', async () => {
    const governed = await governedApp(server.url);
    const { run, app } = governed;
    const agent = await agentAs(server.url, governed.home.identities.recovery!);
    const notes = Actor.createActor<{ add_note(text: string): Promise<bigint>; count(): Promise<bigint> }>(
        () => IDL.Service({ add_note: IDL.Func([IDL.Text], [IDL.Nat64], []), count: IDL.Func([], [IDL.Nat64], ['query']) }),
        { agent, canisterId: app }
    );
    await notes.add_note('kept in the backup');
    const out = outDir();

    const backup = ok(await run(['backup', '--app', app, '--out', out, '--identity', 'recovery', '--json']));
    expect(backup.stderr).toBe('');
    const result = backup.json<{ module_hash: string; snapshot_deleted: boolean; resumed: boolean }>();
    expect(result).toMatchObject({ snapshot_deleted: true, resumed: false });
    const manifest = manifestOf(out);
    expect(manifest).toMatchObject({ format: 'upgrader-backup/1', canister_id: app, module_hash: result.module_hash });
    const mgmt = snapshotManagement(agent);
    expect(Buffer.from((await mgmt.canister_status({ canister_id: Principal.fromText(app) })).module_hash[0]!).toString('hex')).toBe(manifest.module_hash);
    expect(await mgmt.list_canister_snapshots({ canister_id: Principal.fromText(app) })).toEqual([]);
    expect(existsSync(join(out, 'download.json'))).toBe(false);
    expect('running' in (await mgmt.canister_status({ canister_id: Principal.fromText(app) })).status).toBe(true);

    await notes.add_note('written after the backup');
    expect(await notes.count()).toBe(2n);
    const restore = ok(await run(['restore', '--from', out, '--app', app, '--identity', 'recovery', '--yes', '--json']));
    expect(restore.json()).toMatchObject({ app, backup_of: app, module_hash: manifest.module_hash });
    expectSameBytes(app, out);
    expect(await notes.count()).toBe(1n);
    expect('running' in (await mgmt.canister_status({ canister_id: Principal.fromText(app) })).status).toBe(true);
    expect(await mgmt.list_canister_snapshots({ canister_id: Principal.fromText(app) })).toEqual([]);
}, 600_000);

it('restores a backup into another canister, which then holds the same module, heap and stable memory', async () => {
    const home = makeHome(['owner'], 'owner');
    const agent = await agentAs(server.url, home.identities.owner!);
    const source = await smallCanister(agent, 7);
    const out = outDir();
    ok(await cli(['--network', server.url, 'backup', '--app', source, '--out', out], { home: home.dir }));
    const target = (await createCanister(agent, [await agent.getPrincipal()])).toText();
    const copy = ok(await cli(['--network', server.url, 'restore', '--from', out, '--app', target, '--yes'], { home: home.dir }));
    expect(copy.stdout).toMatch(new RegExp(`restored: +${target} from .* \\(a backup of ${source}\\)`));
    expectSameBytes(target, out);
    expect(await heapValue(agent, target)).toBe(7n);
    await setHeapValue(agent, target, 8);
    expect(await heapValue(agent, source)).toBe(7n);
});

it('resumes an interrupted download, keeping what it had', async () => {
    const home = makeHome(['owner'], 'owner');
    const agent = await agentAs(server.url, home.identities.owner!);
    const app = await smallCanister(agent, 3);
    const full = outDir();
    ok(await cli(['--network', server.url, 'backup', '--app', app, '--out', full, '--keep-snapshot'], { home: home.dir }));
    const snapshot = manifestOf(full).snapshot_id;

    const out = outDir();
    const args = ['--network', server.url, 'backup', '--app', app, '--out', out, '--snapshot', snapshot];
    const stopped = await cli(args, { home: home.dir, env: { UPGRADER_TEST_BACKUP_STOP_AFTER_SLICES: '3' } });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^Interrupted: stopped after 3 slices .*run backup again to resume$/m);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'download.json'), 'utf8'))).toMatchObject({ snapshot_id: snapshot, taken_here: false, finished: { 'wasm_module.bin': expect.any(String), 'wasm_memory.bin': expect.any(String) } });
    // Half of the stable memory is there: the run below goes on from it.
    expect(readFileSync(join(out, 'stable_memory.bin')).length).toBe(2_000_000);

    const otherSnapshot = await cli(['--network', server.url, 'backup', '--app', app, '--out', out, '--snapshot', '00'], { home: home.dir });
    expect(otherSnapshot.code).toBe(2);
    expect(otherSnapshot.stderr).toMatch(/holds an unfinished backup of snapshot [0-9a-f]+, not 00/);

    const resumed = ok(await cli([...args, '--json'], { home: home.dir }));
    expect(resumed.json()).toMatchObject({ resumed: true, snapshot_id: snapshot, snapshot_deleted: false });
    expect(manifestOf(out).parts).toEqual(manifestOf(full).parts);
    expect(manifestOf(out).module_hash).toBe(manifestOf(full).module_hash);
    expect(existsSync(join(out, 'download.json'))).toBe(false);
});

it('refuses a corrupted, truncated or unfinished backup before uploading anything', async () => {
    const home = makeHome(['owner'], 'owner');
    const agent = await agentAs(server.url, home.identities.owner!);
    const app = await smallCanister(agent, 5);
    const out = outDir();
    ok(await cli(['--network', server.url, 'backup', '--app', app, '--out', out], { home: home.dir }));
    await setHeapValue(agent, app, 6);
    const restore = () => cli(['--network', server.url, 'restore', '--from', out, '--app', app, '--yes'], { home: home.dir });
    const unchanged = async () => {
        expect(await heapValue(agent, app)).toBe(6n);
        expect(await snapshotManagement(agent).list_canister_snapshots({ canister_id: Principal.fromText(app) })).toEqual([]);
    };

    const heap = partFile(out, 'wasm_memory');
    const original = readFileSync(heap);
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1] ^= 0xff;
    writeFileSync(heap, flipped);
    const corrupted = await restore();
    expect(corrupted.code).toBe(1);
    expect(corrupted.stderr).toMatch(
        /^BackupCorrupt: .*wasm_memory\.bin has SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} manifest\.json gives \(corrupted or altered\)\. The backup is damaged: restore from another backup\. Nothing was uploaded or loaded; the app is unchanged\.$/m
    );
    await unchanged();
    writeFileSync(heap, original);

    const stable = partFile(out, 'stable_memory');
    truncateSync(stable, readFileSync(stable).length - 1);
    const truncated = await restore();
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/^BackupCorrupt: .*stable_memory\.bin has \d+ bytes, not the \d+ manifest\.json gives \(truncated or altered\)/m);
    await unchanged();

    writeFileSync(join(out, 'manifest.json'), '{ not json');
    expect((await restore()).stderr).toMatch(/^BackupCorrupt: .*manifest\.json is not JSON/m);
    const unfinished = outDir();
    const stopped = await cli(['--network', server.url, 'backup', '--app', app, '--out', unfinished], { home: home.dir, env: { UPGRADER_TEST_BACKUP_STOP_AFTER_SLICES: '1' } });
    expect(stopped.code).toBe(1);
    const early = await cli(['--network', server.url, 'restore', '--from', unfinished, '--app', app, '--yes'], { home: home.dir });
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^BackupIncomplete: .* has no manifest\.json: its download did not finish; run the same `npx upgrader backup --out` again to finish it\. Nothing was uploaded or loaded/m);
    expect(await heapValue(agent, app)).toBe(6n);
});

it('exits 2 on bad input', async () => {
    const home = makeHome(['someone'], 'someone');
    const run = (args: string[]) => cli(['--network', server.url, ...args], { home: home.dir });
    expect((await run(['backup', '--app', 'aaaaa-aa'])).code).toBe(2);
    expect((await run(['backup', '--app', 'not a principal', '--out', outDir()])).code).toBe(2);
    expect((await run(['backup', '--app', 'aaaaa-aa', '--out', outDir(), '--snapshot', 'zz'])).code).toBe(2);
    expect((await run(['backup', '--app', 'aaaaa-aa', '--out', outDir(), '--snapshot', '00', '--newest'])).code).toBe(2);
    const nowhere = await run(['restore', '--from', join(tmpdir(), 'no-such-backup-folder'), '--app', 'aaaaa-aa', '--yes']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/usage error: --from: .* is not a folder/);
    expect((await run(['restore', '--from', tmpdir(), '--snapshot', '00', '--app', 'aaaaa-aa', '--yes'])).code).toBe(2);
});
