/**
 * Figures of the replica server through unmodified @dfinity/agent HttpAgents on loopback:
 * the round trip of one update (target ≤ 60 ms), of one query (≤ 15 ms), and updates per
 * second from 16 concurrent agents on a trivial method (≥ 200/s; ≥ 400/s with client checks
 * off, the server's capacity).
 *
 * The server runs as its own process (`scripts/replica.ts`, as `npm run replica` starts it),
 * so the clients' work (signing requests, verifying BLS certificates: ~25 ms each with
 * @noble/curves) does not share a thread with the replica's. The canister is hello_world
 * (setMessage / getMessage), installed by an Ed25519 controller.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, KeyObject, sign as nodeSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Actor, ActorSubclass, DerEncodedPublicKey, HttpAgent, Identity, Signature, SignIdentity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity, Ed25519PublicKey } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { bls12_381 } from '@noble/curves/bls12-381';
import { gzWasmPath, repoRoot } from '../scripts/paths.js';
import { managementIdlFactory } from '../src/replica/index.js';
import { figure, median, section } from './report.js';
import { loadMcl } from '../src/server/state-signer.js';

interface HelloWorld {
    setMessage(message: string): Promise<undefined>;
    getMessage(): Promise<string>;
}

const helloIdl: IDL.InterfaceFactory = ({ IDL: I }) => I.Service({ setMessage: I.Func([I.Text], [], []), getMessage: I.Func([], [I.Text], ['query']) });

interface Management {
    provisional_create_canister_with_cycles(args: { amount: [bigint]; settings: []; specified_id: []; sender_canister_version: [] }): Promise<{ canister_id: Principal }>;
    install_code(args: { mode: { install: null }; canister_id: Principal; wasm_module: Uint8Array; arg: Uint8Array; sender_canister_version: [] }): Promise<undefined>;
}

/**
 * BENCH_SERVER_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (node --cpu-prof).
 * BENCH_SERVER_STATE_DIR=<dir>: the server keeps its state there (`--state-dir`), so every
 * round waits for its log record's fsync before it answers, as a developer's server does.
 */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
    const profileDir = process.env.BENCH_SERVER_CPU_PROF;
    const profile = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
    const stateDir = process.env.BENCH_SERVER_STATE_DIR;
    const persist = stateDir === undefined || stateDir === '' ? [] : ['--state-dir', stateDir];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'scripts/replica.ts', '--port', '0', ...persist], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const match = /listening on (http:\/\/\S+)/.exec(out);
            if (match !== null) resolve({ child, url: match[1]! });
        });
        child.once('exit', (code) => reject(new Error(`replica server exited with ${code}`)));
    });
}

/** CPU seconds (user + system) the process `pid` has used so far (Linux /proc; null elsewhere). */
function cpuSeconds(pid: number): number | null {
    try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
        return null;
    }
}

async function agent(url: string, identity?: Identity): Promise<HttpAgent> {
    return HttpAgent.create({ host: url, shouldFetchRootKey: true, identity });
}

/**
 * A caching BLS verifier: the replica certifies each state once, so the responses of one
 * round carry the same signature; verifying it once per round is what a client that
 * remembers verified certificates pays. (Not the agent's default.)
 */
function memoizedBlsVerify(): (pk: Uint8Array, sig: Uint8Array, msg: Uint8Array) => boolean {
    const verified = new Set<string>();
    return (pk, sig, msg) => {
        const key = Buffer.concat([pk, sig, msg]).toString('base64');
        if (verified.has(key)) return true;
        const ok = bls12_381.verifyShortSignature(sig, msg, pk);
        if (ok) verified.add(key);
        return ok;
    };
}

/**
 * An Ed25519 identity that signs with node:crypto (OpenSSL) rather than @noble/curves as
 * Ed25519KeyIdentity does: the same kind of signature for the server to verify, at ~50 µs
 * instead of ~1 ms of the load generator's one thread (measurement only).
 */
class NodeEd25519Identity extends SignIdentity {
    readonly #privateKey: KeyObject;
    readonly #publicKey: Ed25519PublicKey;

    constructor() {
        super();
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        this.#privateKey = privateKey;
        this.#publicKey = Ed25519PublicKey.fromDer(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })) as DerEncodedPublicKey);
    }

    getPublicKey(): Ed25519PublicKey {
        return this.#publicKey;
    }

    async sign(blob: Uint8Array): Promise<Signature> {
        return new Uint8Array(nodeSign(null, blob, this.#privateKey)) as Signature;
    }
}

interface Throughput {
    rate: number;
    serverCpuMsPerUpdate: number | null;
    /** CPU of this process (the agents) per update. */
    clientCpuMsPerUpdate: number;
}

async function throughput(url: string, canisterId: Principal, agents: number, seconds: number, options: { blsVerify?: ReturnType<typeof memoizedBlsVerify>; serverPid?: number; identity?: () => SignIdentity } = {}): Promise<Throughput> {
    const { blsVerify, serverPid, identity = () => Ed25519KeyIdentity.generate() } = options;
    const actors: Array<ActorSubclass<HelloWorld>> = [];
    for (let i = 0; i < agents; i++) {
        const a = await agent(url, identity());
        actors.push(Actor.createActor<HelloWorld>(helloIdl, { agent: a, canisterId, blsVerify }));
    }
    await Promise.all(actors.map((actor) => actor.setMessage('warm up')));
    let done = 0;
    const cpuBefore = serverPid === undefined ? null : cpuSeconds(serverPid);
    const clientBefore = process.cpuUsage();
    const end = performance.now() + seconds * 1000;
    const start = performance.now();
    await Promise.all(
        actors.map(async (actor, i) => {
            for (let n = 0; performance.now() < end; n++) {
                await actor.setMessage(`agent ${i} message ${n}`);
                done++;
            }
        })
    );
    const rate = done / ((performance.now() - start) / 1000);
    const cpuAfter = serverPid === undefined ? null : cpuSeconds(serverPid);
    const client = process.cpuUsage(clientBefore);
    return {
        rate,
        serverCpuMsPerUpdate: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / done,
        clientCpuMsPerUpdate: (client.user + client.system) / 1000 / done
    };
}

export async function serverFigures(iterations = 50): Promise<void> {
    // The server signs certificates with mcl-wasm when it is installed (src/server/state-signer.ts).
    const backend = (await loadMcl()) === null ? '@noble/curves' : 'mcl-wasm';
    const persisted = process.env.BENCH_SERVER_STATE_DIR ? `, state in ${process.env.BENCH_SERVER_STATE_DIR}` : '';
    section(`Replica server through unmodified @dfinity/agent HttpAgents (loopback, server in its own process; BLS signing: ${backend}${persisted})`);
    const { child, url } = await startServer();
    try {
        const controller = Ed25519KeyIdentity.generate();
        const owner = await agent(url, controller);
        const mgmt = Actor.createActor<Management>(managementIdlFactory, {
            agent: owner,
            canisterId: Principal.fromText('aaaaa-aa'),
            effectiveCanisterId: Principal.fromText('lxzze-o7777-77777-aaaaa-cai')
        });
        const { canister_id: canisterId } = await mgmt.provisional_create_canister_with_cycles({ amount: [10n ** 15n], settings: [], specified_id: [], sender_canister_version: [] });
        const installer = Actor.createActor<Management>(managementIdlFactory, { agent: owner, canisterId: Principal.fromText('aaaaa-aa'), effectiveCanisterId: canisterId });
        await installer.install_code({
            mode: { install: null },
            canister_id: canisterId,
            wasm_module: new Uint8Array(readFileSync(gzWasmPath('hello_world'))),
            arg: new Uint8Array(IDL.encode([], [])),
            sender_canister_version: []
        });
        const hello = Actor.createActor<HelloWorld>(helloIdl, { agent: owner, canisterId });
        for (let i = 0; i < 5; i++) {
            await hello.setMessage(`warm up ${i}`);
            await hello.getMessage();
        }
        const updates: number[] = [];
        const queries: number[] = [];
        for (let i = 0; i < iterations; i++) {
            let t = performance.now();
            await hello.setMessage(`message ${i}`);
            updates.push(performance.now() - t);
            t = performance.now();
            await hello.getMessage();
            queries.push(performance.now() - t);
        }
        const update = median(updates);
        const query = median(queries);
        figure(`update round trip (Ed25519 sender, v3 sync call), median of ${iterations}`, `${update.toFixed(1)} ms`, '≤ 60 ms', update <= 60);
        figure(`query round trip (signed by the node key), median of ${iterations}`, `${query.toFixed(1)} ms`, '≤ 15 ms', query <= 15);
        // With the agent's default, every response costs its client one BLS verification
        // (~25 ms of CPU): 16 agents in one process are bound by that, whatever the server does.
        const { rate } = await throughput(url, canisterId, 16, 5);
        figure('updates/s, 16 agents, default certificate checks (client-bound)', `${rate.toFixed(0)} /s`, '≥ 200/s', rate >= 200);
        // Responses of one round share one certificate: a client that remembers verified
        // signatures (Actor option blsVerify) pays one verification per round.
        const { rate: cached } = await throughput(url, canisterId, 16, 5, { blsVerify: memoizedBlsVerify() });
        figure('updates/s, 16 agents, Actor blsVerify remembering signatures', `${cached.toFixed(0)} /s`, '≥ 200/s', cached >= 200);
        // What the server alone sustains: clients skip BLS checks and sign with node:crypto
        // (measurement only): the agents share this process's one thread, and with
        // @noble/curves signing they need more CPU per update than the server does.
        const unchecked = await throughput(url, canisterId, 16, 5, { blsVerify: () => true, serverPid: child.pid, identity: () => new NodeEd25519Identity() });
        figure('updates/s, 16 agents skipping BLS checks, node:crypto signing (server capacity)', `${unchecked.rate.toFixed(0)} /s`, '≥ 400/s', unchecked.rate >= 400);
        figure('agents\' CPU per update in that run (one thread: bounds the rate above)', `${unchecked.clientCpuMsPerUpdate.toFixed(2)} ms (→ ${(1000 / unchecked.clientCpuMsPerUpdate).toFixed(0)} /s)`);
        // On a shared machine the rate depends on what else runs; the server's own CPU per
        // update does not: 1000 / it is what the server sustains on one free core.
        if (unchecked.serverCpuMsPerUpdate !== null) {
            const perCore = 1000 / unchecked.serverCpuMsPerUpdate;
            figure('server CPU per update in that run (→ updates/s on one free core)', `${unchecked.serverCpuMsPerUpdate.toFixed(2)} ms (→ ${perCore.toFixed(0)} /s)`, '≥ 400/s', perCore >= 400);
        }
    } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
    }
}

if (process.argv[1] !== undefined && /bench[\\/]server\.ts$/.test(process.argv[1])) {
    await serverFigures(Number(process.env.BENCH_ITERATIONS ?? 50));
}
