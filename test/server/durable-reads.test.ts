/**
 * Reads answer only durable state: while a round's log record is being written (held by the
 * state directory's `beforeLogWrite` test hook), a query waits; if the write fails (as a
 * crash would lose it), the query never sees the round, and a restart indeed lacks it.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { startReplicaServer } from '../../src/server/server.js';
import { StateDirHooks } from '../../src/server/persistence.js';
import { ReplicaNode } from '../../src/server/node.js';
import { agentFor, deployKvStore, kvActor } from './support.js';

const dirs: string[] = [];
afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A hook that lets writes through until `hold(when)`; then the first write for which `when()` holds waits for `release` (or fails). */
function writeGate(): { hooks: StateDirHooks; hold(when: () => boolean): { entered: Promise<void>; release(fail?: Error): void } } {
    let held: { entered: () => void; gate: Promise<void>; when: () => boolean } | null = null;
    return {
        hooks: {
            beforeLogWrite: async () => {
                const current = held;
                if (current === null || !current.when()) return;
                held = null;
                current.entered();
                await current.gate;
            }
        },
        hold(when) {
            let entered!: () => void;
            let release!: (fail?: Error) => void;
            const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
            const gate = new Promise<void>((resolve, reject) => (release = (fail) => (fail === undefined ? resolve() : reject(fail))));
            gate.catch(() => undefined);
            held = { entered, gate, when };
            return { entered: enteredPromise, release };
        }
    };
}

function inMemory(node: ReplicaNode, canisterId: Principal, key: string): unknown {
    const result = node.subnet.query({ sender: Principal.anonymous(), canisterId, method: 'get', arg: new Uint8Array(IDL.encode([IDL.Text], [key])) });
    return result.kind === 'reply' ? IDL.decode([IDL.Opt(IDL.Text)], result.payload)[0] : result.reject.message;
}

const isEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const settle = <T>(promise: Promise<T>, ms: number): Promise<{ value: T } | 'pending'> =>
    Promise.race([promise.then((value) => ({ value })), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

describe('reads wait for durability', () => {
    it('a query does not answer a round whose log record is still being written', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'replica-durable-'));
        dirs.push(dir);
        const gate = writeGate();
        const server = await startReplicaServer({ port: 0, stateDir: dir, log: () => undefined, stateDirHooks: gate.hooks });
        let held: ReturnType<typeof gate.hold> | null = null;
        try {
            const agent = await agentFor(server.url, Ed25519KeyIdentity.generate());
            const { canisterId } = await deployKvStore(agent, { chunked: false });
            const kv = kvActor(agent, canisterId);
            await kv.put('k', 'durable');
            // A first query: the agent fetches the subnet's node keys now (a read_state), not during the hold.
            expect(await kv.get('k')).toEqual(['durable']);

            held = gate.hold(() => isEqual(inMemory(server.node, canisterId, 'k'), ['not yet durable']));
            const update = kv.put('k', 'not yet durable');
            await held.entered;
            // The round ran: memory holds the new value, the disk does not yet.
            expect(inMemory(server.node, canisterId, 'k')).toEqual(['not yet durable']);
            const read = kv.get('k');
            expect(await settle(read, 500)).toBe('pending');

            held.release();
            expect(await read).toEqual(['not yet durable']);
            expect(await update).toEqual(['durable']);
        } finally {
            held?.release();
            await server.close();
        }
    });

    it('after a failed write, queries answer 503 instead of the lost round, and a restart lacks it', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'replica-durable-'));
        dirs.push(dir);
        const gate = writeGate();
        const identity = Ed25519KeyIdentity.generate();
        let server = await startReplicaServer({ port: 0, stateDir: dir, log: () => undefined, stateDirHooks: gate.hooks });
        let canisterId = Principal.anonymous();
        try {
            const agent = await agentFor(server.url, identity, { retryTimes: 0 });
            canisterId = (await deployKvStore(agent, { chunked: false })).canisterId;
            const kv = kvActor(agent, canisterId);
            await kv.put('k', 'durable');

            const held = gate.hold(() => isEqual(inMemory(server.node, canisterId, 'k'), ['lost']));
            const update = kv.put('k', 'lost');
            update.catch(() => undefined);
            await held.entered;
            const read = kv.get('k');
            read.catch(() => undefined);
            held.release(new Error('simulated crash: the log write never happened'));
            await expect(read).rejects.toThrow(/503|could not persist its state/);
            await expect(update).rejects.toThrow(/503|could not persist its state/);
            expect(server.node.failure?.message).toMatch(/simulated crash/);
        } finally {
            await server.close();
        }

        server = await startReplicaServer({ port: 0, stateDir: dir, log: () => undefined });
        try {
            const kv = kvActor(await agentFor(server.url, identity), canisterId);
            expect(await kv.get('k')).toEqual(['durable']);
        } finally {
            await server.close();
        }
    });
});

describe('log replay', () => {
    it('restores heap pages an update overwrote in place, after a crash (no final checkpoint)', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'replica-durable-'));
        const crashed = mkdtempSync(join(tmpdir(), 'replica-crashed-'));
        dirs.push(dir, crashed);
        const identity = Ed25519KeyIdentity.generate();
        let server = await startReplicaServer({ port: 0, stateDir: dir, log: () => undefined });
        let canisterId = Principal.anonymous();
        try {
            const agent = await agentFor(server.url, identity);
            canisterId = (await deployKvStore(agent, { chunked: false })).canisterId;
            const kv = kvActor(agent, canisterId);
            for (let i = 0; i < 4; i++) await kv.put(`key ${i}`, `value ${i}`);
            for (let i = 0; i < 3; i++) await kv.increment();
            // What a kill -9 leaves now: every answered round is in the log.
            for (const name of readdirSync(dir)) if (name !== 'LOCK') copyFileSync(join(dir, name), join(crashed, name));
        } finally {
            await server.close();
        }
        server = await startReplicaServer({ port: 0, stateDir: crashed, log: () => undefined });
        try {
            const kv = kvActor(await agentFor(server.url, identity), canisterId);
            for (let i = 0; i < 4; i++) expect(await kv.get(`key ${i}`)).toEqual([`value ${i}`]);
            expect(await kv.counter()).toBe(3n);
        } finally {
            await server.close();
        }
    });
});
