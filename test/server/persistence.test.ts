/**
 * `--state-dir`: canisters, memories, time and in-flight messages survive restarts of the
 * server, whether it was stopped with SIGTERM or killed outright after answering.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { repoRoot } from '../../scripts/paths.js';
import { MANAGEMENT_CANISTER_ID } from '../../src/replica/index.js';
import { ManagementArgs, ManagementMethod, ManagementResult, decodeManagementResult, encodeManagementArgs } from '../../src/replica/management/candid.js';
import { ReplicaKeys } from '../../src/replica/certification/keys.js';
import { openStateDir } from '../../src/server/persistence.js';
import { startReplicaServer } from '../../src/server/server.js';
import { EMPTY_ARG, KV_WASM_GZ, agentFor, deployKvStore, kvActor, settingsWith } from './support.js';

const EMPTY_SETTINGS = settingsWith([]);

const dirs: string[] = [];
function stateDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'replica-state-'));
    dirs.push(dir);
    return dir;
}

afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npm run replica`'s script as a separate process; resolves once it prints its URL. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/replica.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
        let stdout = '';
        child.stdout!.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
            if (match !== null) resolve({ child, url: match[1]!, exited });
        });
        void exited.then((code) => reject(new Error(`replica exited with ${code} before listening: ${stderr}`)));
    });
}

describe('--state-dir', () => {
    it('keeps a canister across a SIGTERM restart of the CLI, and across a kill after an answered call', async () => {
        const dir = stateDir();
        const identity = Ed25519KeyIdentity.generate();
        const portFile = join(dir, '..', `${dir.split('/').pop()}.port`);
        let cli = await startCli(['--port', '0', '--state-dir', dir, '--port-file', portFile]);
        expect(`http://127.0.0.1:${readFileSync(portFile, 'utf8')}`).toBe(cli.url);
        rmSync(portFile);
        let agent = await agentFor(cli.url, identity);
        const rootKey = agent.rootKey;
        const { canisterId } = await deployKvStore(agent, { chunked: false });
        expect(await kvActor(agent, canisterId).put('survives', 'restart')).toEqual([]);
        expect(await kvActor(agent, canisterId).increment()).toBe(1n);
        cli.child.kill('SIGTERM');
        expect(await cli.exited).toBe(0);

        cli = await startCli(['--port', '0', '--state-dir', dir]);
        agent = await agentFor(cli.url, identity);
        expect(agent.rootKey).toEqual(rootKey);
        const kv = kvActor(agent, canisterId);
        expect(await kv.get('survives')).toEqual(['restart']);
        expect(await kv.counter()).toBe(1n);
        // Answered means durable: a kill right after the answer loses nothing.
        expect(await kv.put('after', 'kill')).toEqual([]);
        expect(await kv.increment()).toBe(2n);
        cli.child.kill('SIGKILL');
        await cli.exited;

        cli = await startCli(['--port', '0', '--state-dir', dir]);
        agent = await agentFor(cli.url, identity);
        expect(await kvActor(agent, canisterId).get('after')).toEqual(['kill']);
        expect(await kvActor(agent, canisterId).counter()).toBe(2n);
        cli.child.kill('SIGINT');
        expect(await cli.exited).toBe(0);
    });

    it('refuses a second server on a directory in use', async () => {
        const dir = stateDir();
        const first = await startReplicaServer({ port: 0, stateDir: dir, log: () => undefined });
        await expect(startReplicaServer({ port: 0, stateDir: dir, log: () => undefined })).rejects.toThrow(/in use by process/);
        await first.close();
        const second = await startReplicaServer({ port: 0, stateDir: dir, log: () => undefined });
        await second.close();
    });

    it('keeps snapshots, the chunk store, history and stable memory, and new snapshot ids stay fresh', async () => {
        const dir = stateDir();
        let node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
        const controller = Principal.fromUint8Array(new Uint8Array([7, 7, 7, 2]));
        const call = async <M extends ManagementMethod>(method: M, args: ManagementArgs<M>): Promise<ManagementResult<M>> => {
            const id = randomBytes(32).toString('hex');
            const submitted = node.submit({ sender: controller, canisterId: MANAGEMENT_CANISTER_ID, method, arg: encodeManagementArgs(method, args), messageId: id });
            if ('err' in submitted) throw new Error(submitted.err.message);
            const status = await node.awaitIngress(id, { maxRounds: 20 });
            if (status?.status !== 'replied') throw new Error(`${method}: ${JSON.stringify(status)}`);
            return decodeManagementResult(method, status.reply);
        };
        const update = async (canisterId: Principal, method: string, arg: Uint8Array): Promise<Uint8Array> => {
            const id = randomBytes(32).toString('hex');
            node.submit({ sender: controller, canisterId, method, arg, messageId: id });
            const status = await node.awaitIngress(id, { maxRounds: 20 });
            if (status?.status !== 'replied') throw new Error(`${method}: ${JSON.stringify(status)}`);
            return status.reply;
        };
        const get = (canisterId: Principal, key: string): unknown =>
            IDL.decode([IDL.Opt(IDL.Text)], (node.subnet.query({ sender: controller, canisterId, method: 'get', arg: new Uint8Array(IDL.encode([IDL.Text], [key])) }) as { payload: Uint8Array }).payload)[0];

        const { canister_id: canisterId } = await call('provisional_create_canister_with_cycles', {
            amount: [10n ** 15n],
            settings: [{ ...EMPTY_SETTINGS, controllers: [[controller]] }],
            specified_id: [],
            sender_canister_version: []
        });
        await call('install_code', { mode: { install: null }, canister_id: canisterId, wasm_module: new Uint8Array(readFileSync(KV_WASM_GZ)), arg: EMPTY_ARG, sender_canister_version: [] });
        await update(canisterId, 'put', new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['k', 'in snapshot'])));
        const first = await call('take_canister_snapshot', { canister_id: canisterId, replace_snapshot: [] });
        await update(canisterId, 'put', new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['k', 'after snapshot'])));
        const chunk = await call('upload_chunk', { canister_id: canisterId, chunk: new Uint8Array([1, 2, 3]) });
        const stable = node.subnet.canister(canisterId)!.code!.stable.toBytes();
        await node.close();

        node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
        const restored = node.subnet.canister(canisterId)!;
        expect(Buffer.compare(restored.code!.stable.toBytes(), stable)).toBe(0);
        expect([...restored.chunkStore.keys()]).toEqual([Buffer.from(chunk.hash).toString('hex')]);
        expect(restored.history.map((h) => h.details.kind)).toEqual(['creation', 'code_deployment']);
        expect(get(canisterId, 'k')).toEqual(['after snapshot']);
        const second = await call('take_canister_snapshot', { canister_id: canisterId, replace_snapshot: [] });
        expect(Buffer.from(second.id).toString('hex')).not.toBe(Buffer.from(first.id).toString('hex'));
        await call('load_canister_snapshot', { canister_id: canisterId, snapshot_id: first.id, sender_canister_version: [] });
        expect(get(canisterId, 'k')).toEqual(['in snapshot']);
        const listed = await call('list_canister_snapshots', { canister_id: canisterId });
        expect(listed.length).toBe(2);
        await node.close();
    });

    it('keeps queued messages, their statuses and time, and runs them after the restart', async () => {
        const dir = stateDir();
        const keys = ReplicaKeys.fromSeed('persistence test');
        const server = await startReplicaServer({ port: 0, stateDir: dir, keys, log: () => undefined });
        const owner = Ed25519KeyIdentity.generate();
        const { canisterId } = await deployKvStore(await agentFor(server.url, owner), { chunked: false });
        await server.close();

        // Submit without running a round, then close: the message is still queued.
        let node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
        const arg = new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['queued', 'message']));
        const id = 'ab'.repeat(32);
        expect('ok' in node.submit({ sender: Principal.anonymous(), canisterId, method: 'put', arg, messageId: id })).toBe(true);
        node.subnet.time += 5_000_000_000n;
        const time = node.subnet.time;
        await node.close();

        node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
        expect(node.keys.subnetId.toText()).toBe(keys.subnetId.toText());
        expect(node.subnet.time).toBe(time);
        expect(node.ingressStatus(id)?.status).toBe('received');
        const answer = await node.awaitIngress(id, { maxRounds: 10 });
        expect(answer?.status).toBe('replied');
        await node.close();

        node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
        expect(node.ingressStatus(id)?.status).toBe('replied');
        const reply = node.subnet.query({ sender: Principal.anonymous(), canisterId, method: 'get', arg: new Uint8Array(IDL.encode([IDL.Text], ['queued'])) });
        expect(reply.kind === 'reply' && IDL.decode([IDL.Opt(IDL.Text)], reply.payload)).toEqual([['message']]);
        await node.close();
    });
});
