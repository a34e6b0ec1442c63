/**
 * The upgrader's figures (issue 4, item 6), on the embedded replica:
 *
 * - a governed upgrade of the ~3.5 MB demo app end to end next to a direct controller upgrade
 *   of the same module, each with where its time goes;
 * - the instructions the upgrader spends per upgrade, with 1 MiB and with 256 MiB of app state
 *   (they should not depend on it: the upgrader never reads the app's state);
 * - the upgrader's stable memory per registered app (audit log aside);
 * - a rehearsal on chain, with 1 MiB and 256 MiB of app state (bench/rehearsal-onchain.ts).
 *
 * What each side includes, both starting from the module's bytes on the client and ending with
 * the app running v2 and its module hash checked by the client:
 *
 *   governed  create_module + 4 upload_module_chunk (client -> upgrader), propose, 2 votes, then
 *             `resume` drives the execution to its end: canister_status, clear_chunk_store,
 *             4 upload_chunk (upgrader -> app's chunk store), stop, snapshot,
 *             install_chunked_code, start, canister_status (verify), health check,
 *             clear_chunk_store; the module is reclaimed from the upgrader's store.
 *   direct    stop, clear_chunk_store, 4 upload_chunk (client -> app's chunk store),
 *             install_chunked_code, clear_chunk_store, start (Replica.upgradeCanister).
 *
 * Fairness: before anything is timed, v2 is installed once on a scratch canister (so neither
 * side pays for instrumenting and compiling the module) and one governed upgrade runs on a
 * scratch app (so the upgrader's Candid codecs are compiled, as they are on any upgrader that
 * has served one upgrade: its heap is never lost, being sealed); the cost of that first upgrade
 * is printed too. Then BENCH_UPGRADER_ROUNDS pairs run on fresh apps, alternating which side goes
 * first, with a GC before each (under `--expose-gc`, as `npm run bench` runs). The ratio is the
 * median of the pairs' ratios, so that load from other processes, which drifts over a run,
 * weighs on both sides of each pair alike; the same ratio in CPU time is printed beside it.
 *
 * Run alone with `npx tsx bench/upgrader.ts`, or from `npm run bench`. BENCH_UPGRADER_ROUNDS
 * (default 7) sets the number of pairs.
 */
import { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../canisters/demo_app/v1/types.js';
import { MAX_METHOD_NAME_BYTES, MAX_MODULES_PER_APP, MAX_PROPOSERS, MAX_RAN_MODULES_KEPT, MAX_SNAPSHOTS_KEPT, MAX_VOTERS } from '../canisters/upgrader/limits.js';
import { appRecord, type StoredApp } from '../canisters/upgrader/records.js';
import type { AppInfo, Outcome } from '../canisters/upgrader/types.js';
import { buildCanisters } from '../scripts/build-lib.js';
import { Replica, type ReplicaOptions, type Subnet } from '../src/replica/index.js';
import {
    admin,
    alice,
    bob,
    castVote,
    DEFAULT_POLICY,
    DEFAULT_SNAPSHOTS,
    deployApp,
    deployUpgrader,
    hex,
    KEEP_CONFIG,
    loadModule,
    maintainer,
    type Module,
    moduleHashOf,
    ok,
    registerApp,
    stranger,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    subjectOf
} from '../test/upgrader/fixture.js';
import { rehearsalFigures } from './rehearsal-onchain.js';
import { median } from './report.js';

const MiB = 1024 * 1024;

function row(figure: string, measured: string, target = ''): void {
    console.log(`${figure.padEnd(78)} ${measured.padEnd(30)} ${target}`);
}

function gc(): void {
    (globalThis as { gc?: () => void }).gc?.();
}

/** Where one side's wall-clock time went, from wrappers around the replica's subnet. */
type Breakdown = {
    ms: number;
    /** CPU time of this process (user + system): less disturbed than `ms` by other processes. */
    cpuMs: number;
    rounds: number;
    /** Upgrader instructions spent storing the module (create_module and the chunks). */
    uploadInstructions: bigint;
    /** Executions of the upgrader's code (updates, callbacks, timers). */
    upgraderMs: number;
    upgraderInstructions: bigint;
    /** Executions of app code outside installs (health check, timers). */
    appMs: number;
    /** The management canister, including the app's pre_upgrade and post_upgrade inside install. */
    managementMs: number;
    installMs: number;
    /** Everything else inside rounds: queues, message routing, the replica's own bookkeeping. */
    replicaMs: number;
    /** Outside rounds: the client's Candid encoding and decoding, and its queries. */
    clientMs: number;
};

type Counters = { rounds: number; tickMs: number; upgraderMs: number; upgraderInstructions: bigint; appMs: number; managementMs: number; installMs: number };

/**
 * Times the subnet's rounds, canister executions and management-canister calls: executions
 * and management calls through the subnet's tracing options, rounds by wrapping `tick` of
 * this replica's Subnet object (the replica itself is not changed).
 */
class Probe {
    readonly #counters: Counters = { rounds: 0, tickMs: 0, upgraderMs: 0, upgraderInstructions: 0n, appMs: 0, managementMs: 0, installMs: 0 };
    upgrader: Principal | undefined;
    /** Set by `governed` while it runs: upgrader instructions of its upload. */
    uploadInstructions = 0n;

    /** The replica options that report executions and management calls to this probe. */
    readonly options: ReplicaOptions = {
        onExecution: (event) => {
            const c = this.#counters;
            if (this.upgrader !== undefined && event.canisterId.compareTo(this.upgrader) === 'eq') {
                c.upgraderMs += event.durationMs;
                c.upgraderInstructions += event.instructions;
            } else c.appMs += event.durationMs;
        },
        onManagementCall: (event) => {
            const c = this.#counters;
            c.managementMs += event.durationMs;
            if (event.method === 'install_chunked_code') c.installMs += event.durationMs;
        }
    };

    /** Counts the rounds of `subnet` and their time. */
    attach(subnet: Subnet): void {
        const c = this.#counters;
        const tick = subnet.tick.bind(subnet);
        subnet.tick = () => {
            const started = performance.now();
            tick();
            c.rounds++;
            c.tickMs += performance.now() - started;
        };
    }

    snapshot(): Counters {
        return { ...this.#counters };
    }

    /** Runs `body` and reports where its time went. */
    async measure(body: () => Promise<void>): Promise<Breakdown> {
        gc();
        this.uploadInstructions = 0n;
        const before = this.snapshot();
        const cpu = process.cpuUsage();
        const started = performance.now();
        await body();
        const ms = performance.now() - started;
        const cpuUsed = process.cpuUsage(cpu);
        const after = this.snapshot();
        const tickMs = after.tickMs - before.tickMs;
        const upgraderMs = after.upgraderMs - before.upgraderMs;
        const appMs = after.appMs - before.appMs;
        const managementMs = after.managementMs - before.managementMs;
        return {
            ms,
            cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
            rounds: after.rounds - before.rounds,
            uploadInstructions: this.uploadInstructions,
            upgraderMs,
            upgraderInstructions: after.upgraderInstructions - before.upgraderInstructions,
            appMs,
            managementMs,
            installMs: after.installMs - before.installMs,
            replicaMs: tickMs - upgraderMs - appMs - managementMs,
            clientMs: ms - tickMs
        };
    }
}

async function seed(replica: Replica, app: Principal, bytes: number): Promise<void> {
    const notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
    notes.setPrincipal(admin);
    await notes.add_note('a note that v2 migrates');
    for (let left = bytes; left > 0; left -= 16 * MiB) await notes.add_attachments(Math.min(16, Math.ceil(left / MiB)), MiB);
}

/** Upload, propose, two votes, and `resume` (as anyone) to drive the execution to its end. */
async function governed(replica: Replica, probe: Probe, upgrader: Upgrader, app: Principal, v2: Module): Promise<void> {
    const before = probe.snapshot().upgraderInstructions;
    await uploadModule(upgrader, app, v2);
    probe.uploadInstructions = probe.snapshot().upgraderInstructions - before;
    upgrader.setPrincipal(maintainer);
    const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
    ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
    ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
    upgrader.setPrincipal(stranger);
    const resumed = ok(await upgrader.resume(app));
    let outcome: Outcome | undefined = 'finished' in resumed ? resumed.finished : undefined;
    // The approval's timer may have taken the execution first: wait for it without polling every round.
    for (let i = 0; outcome === undefined && i < 100; i++) {
        await replica.tick(20);
        const status = (await upgrader.get_proposal(id))[0]?.status;
        if (status !== undefined && 'executed' in status) outcome = status.executed;
    }
    if (outcome === undefined || !('upgraded' in outcome) || (await moduleHashOf(replica, app)) !== hex(v2.hash)) {
        throw new Error(`governed upgrade failed: ${JSON.stringify(outcome)}`);
    }
}

async function direct(replica: Replica, app: Principal, v2: Module): Promise<void> {
    await replica.stopCanister({ canisterId: app, sender: admin });
    await replica.upgradeCanister({ canisterId: app, wasm: v2.bytes, arg: KEEP_CONFIG, sender: admin });
    await replica.startCanister({ canisterId: app, sender: admin });
    if ((await moduleHashOf(replica, app)) !== hex(v2.hash)) throw new Error('direct upgrade failed');
}

type Setup = { replica: Replica; probe: Probe; upgrader: Upgrader; upgraderId: Principal; v2: Module; firstUpgrade: Breakdown };

/** A replica with the upgrader deployed and warmed (see the header); returns the warm-up's figures. */
async function setUp(): Promise<Setup> {
    const probe = new Probe();
    const replica = await Replica.create(probe.options);
    probe.attach(replica.subnet);
    const { id: upgraderId, upgrader } = await deployUpgrader(replica);
    probe.upgrader = upgraderId;
    const v2 = loadModule('demo_app_v2');
    await direct(replica, await deployApp(replica, { name: 'demo_app_v1', upgraderId }), v2);
    const scratch = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
    ok(await registerApp(upgrader, scratch));
    const firstUpgrade = await probe.measure(() => governed(replica, probe, upgrader, scratch, v2));
    return { replica, probe, upgrader, upgraderId, v2, firstUpgrade };
}

/** Fresh governed and direct apps holding `stateBytes`, upgraded in the given order. */
async function pair(setup: Setup, stateBytes: number, governedFirst: boolean): Promise<{ governed: Breakdown; direct: Breakdown }> {
    const { replica, probe, upgrader, upgraderId, v2 } = setup;
    const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
    const plain = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
    ok(await registerApp(upgrader, app));
    await seed(replica, app, stateBytes);
    await seed(replica, plain, stateBytes);
    const runGoverned = (): Promise<Breakdown> => probe.measure(() => governed(replica, probe, upgrader, app, v2));
    const runDirect = (): Promise<Breakdown> => probe.measure(() => direct(replica, plain, v2));
    if (governedFirst) {
        const g = await runGoverned();
        return { governed: g, direct: await runDirect() };
    }
    const d = await runDirect();
    return { governed: await runGoverned(), direct: d };
}

/** The breakdown whose total is the median of `runs`. */
function medianRun(runs: Breakdown[]): Breakdown {
    const middle = median(runs.map((r) => r.ms));
    return runs.find((r) => r.ms === middle) ?? runs[0]!;
}

function printBreakdown(label: string, b: Breakdown): void {
    const ms = (x: number): string => `${x.toFixed(0)} ms`;
    row(`  ${label}: upgrader Wasm (${(Number(b.upgraderInstructions) / 1e6).toFixed(0)} M instructions)`, ms(b.upgraderMs));
    row(`  ${label}: management canister (of which install_chunked_code, with the app's hooks)`, `${ms(b.managementMs)} (${ms(b.installMs)})`);
    row(`  ${label}: app Wasm outside install (health check, timers)`, ms(b.appMs));
    row(`  ${label}: replica rounds, queues and routing (${b.rounds} rounds)`, ms(b.replicaMs));
    row(`  ${label}: client (Candid in Node, queries)`, ms(b.clientMs));
}

/** Stable bytes of one app's records, as stored (keys and values; B-tree nodes aside). */
function recordBytes(shape: { voters: number; proposers: number; snapshots: number; modules: number; healthCheck: string; weight: number; ran?: number }): number {
    const principal = (i: number): Principal => Principal.fromUint8Array(new Uint8Array(29).fill(i + 1));
    const policy = {
        ...DEFAULT_POLICY,
        voters: Array.from({ length: shape.voters }, (_, i) => ({ principal: principal(i), weight: shape.weight })),
        proposers: Array.from({ length: shape.proposers }, (_, i) => principal(100 + i)),
        health_check: [shape.healthCheck] as [string]
    };
    const info: AppInfo = {
        app: principal(200),
        policy,
        snapshot_policy: DEFAULT_SNAPSHOTS,
        recovery: principal(201),
        registered_by: principal(202),
        registered_at: 1_700_000_000_000_000_000n,
        paused: false,
        live_proposal: shape.modules > 0 ? [1n] : [],
        snapshots: Array.from({ length: shape.snapshots }, (_, i) => ({ id: new Uint8Array(18), taken_at: 1_700_000_000_000_000_000n, proposal_id: BigInt(i + 1) })),
        policy_version: 1,
        group: [],
        members: 0
    };
    // The module it runs, and (by default) two it ran before, as after two upgrades.
    const stored: StoredApp = { info, modules: Array.from({ length: shape.modules }, () => new Uint8Array(32)), running: [new Uint8Array(32)], ran: Array.from({ length: shape.ran ?? 2 }, () => new Uint8Array(32)) };
    const key = 29; // principal bytes
    const app = key + appRecord.toBytes(stored).length;
    const registrant = key + 4; // registrant -> nat32
    const auditCounter = key + 8; // app -> nat64 (the audit entries themselves are aside)
    return app + registrant + auditCounter;
}

export async function upgraderFigures(): Promise<void> {
    await buildCanisters({ names: ['upgrader', 'demo_app_v1', 'demo_app_v2'], log: (line) => console.log(`[build] ${line}`) });
    console.log('\nupgrader (issue 4)');
    const rounds = Math.max(1, Number(process.env.BENCH_UPGRADER_ROUNDS ?? 7));

    const small = await setUp();
    const governedRuns: Breakdown[] = [];
    const directRuns: Breakdown[] = [];
    try {
        for (let i = 0; i < rounds; i++) {
            const result = await pair(small, 1 * MiB, i % 2 === 0);
            governedRuns.push(result.governed);
            directRuns.push(result.direct);
        }
    } finally {
        await small.replica.tearDown();
    }
    const g = medianRun(governedRuns);
    const d = medianRun(directRuns);
    const all = (runs: Breakdown[]): string => runs.map((r) => r.ms.toFixed(0)).join(', ');
    row(`governed upgrade of demo app, 1 MiB state (median of ${rounds}: ${all(governedRuns)} ms)`, `${g.ms.toFixed(0)} ms, ${g.rounds} rounds`);
    printBreakdown('governed', g);
    row(`direct controller upgrade (median of ${rounds}: ${all(directRuns)} ms)`, `${d.ms.toFixed(0)} ms, ${d.rounds} rounds`);
    printBreakdown('direct', d);
    const ratios = governedRuns.map((run, i) => run.ms / (directRuns[i]?.ms ?? run.ms));
    const cpuRatios = governedRuns.map((run, i) => run.cpuMs / (directRuns[i]?.cpuMs ?? run.cpuMs));
    row(`governed / direct (median of the pairs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`, `${median(ratios).toFixed(2)}x`, '<= 1.5x');
    row('  the same in CPU time', `${median(cpuRatios).toFixed(2)}x`);

    const count = (n: bigint): string => n.toLocaleString('en-US');
    const execution = (b: Breakdown): bigint => b.upgraderInstructions - b.uploadInstructions;
    row('upgrader instructions to store a 3.5 MB module (create_module + 4 chunks)', count(g.uploadInstructions), 'flat');
    row('upgrader instructions per upgrade (propose, votes, execution), 1 MiB state', count(execution(g)), 'flat in state size');
    row('  the same, in the upgrader\'s first upgrade after install (compiling its codecs)', `${count(small.firstUpgrade.uploadInstructions)} + ${count(execution(small.firstUpgrade))}`);

    const large = await setUp();
    let largeRun: Breakdown;
    try {
        largeRun = (await pair(large, 256 * MiB, true)).governed;
    } finally {
        await large.replica.tearDown();
    }
    row('upgrader instructions per upgrade (propose, votes, execution), 256 MiB state', count(execution(largeRun)), 'flat in state size');
    const drift = Number(execution(largeRun) - execution(g)) / Number(execution(g));
    row('  difference', `${(drift * 100).toFixed(1)}%`, '~0%');

    const policy = { snapshots: 2, modules: 0, healthCheck: 'health', weight: 1 };
    row('upgrader stable bytes per app, 3 voters, 1 proposer (keys + values, audit aside)', `${recordBytes({ ...policy, voters: 3, proposers: 1 })} B`, '<= 2 KiB');
    row(`upgrader stable bytes per app, ${MAX_VOTERS} voters + ${MAX_PROPOSERS} proposers (the largest policy)`, `${recordBytes({ ...policy, voters: MAX_VOTERS, proposers: MAX_PROPOSERS })} B`, '<= 2 KiB');
    const worst = recordBytes({ voters: MAX_VOTERS, proposers: MAX_PROPOSERS, snapshots: MAX_SNAPSHOTS_KEPT, modules: MAX_MODULES_PER_APP, healthCheck: 'h'.repeat(MAX_METHOD_NAME_BYTES), weight: 2 ** 32 - 1, ran: MAX_RAN_MODULES_KEPT });
    row(`  + ${MAX_SNAPSHOTS_KEPT} snapshot refs, ${MAX_MODULES_PER_APP} module hashes, ${MAX_RAN_MODULES_KEPT} modules it ran, a ${MAX_METHOD_NAME_BYTES}-byte health check (every bound at once)`, `${worst} B`, 'over 2 KiB: see the README, "State"');

    await rehearsalFigures(row);
}

if (import.meta.url === `file://${process.argv[1]}`) await upgraderFigures();
