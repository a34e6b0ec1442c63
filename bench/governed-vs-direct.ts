/**
 * A governed upgrade next to a direct controller upgrade of the same app, on the embedded
 * replica, each with where its time goes: the demo app's figures (bench/upgrader.ts) and the
 * fleet member's (bench/fleet-rollout.ts).
 *
 * What each side includes, both starting from the module's bytes on the client and ending with
 * the app running v2 and its module hash checked by the client:
 *
 *   governed  create_module + upload_module_chunk per MiB (client -> upgrader), propose, 2 votes,
 *             then `resume` drives the execution to its end: canister_status, clear_chunk_store,
 *             upload_chunk per MiB (upgrader -> app's chunk store), stop, snapshot,
 *             install_chunked_code, start, canister_status (verify), health check,
 *             clear_chunk_store; the module is reclaimed from the upgrader's store.
 *   direct    stop, clear_chunk_store, upload_chunk per MiB (client -> app's chunk store),
 *             install_chunked_code, clear_chunk_store, start (Replica.upgradeCanister).
 *
 * Fairness: before anything is timed, v2 is installed once on a scratch canister (so neither
 * side pays for instrumenting and compiling the module) and one governed upgrade runs on a
 * scratch app (so the upgrader's Candid codecs are compiled, as they are on any upgrader that
 * has served one upgrade: its heap is never lost, being sealed); the cost of that first upgrade
 * is kept too. Then pairs run on fresh apps, alternating which side goes first, with a GC before
 * each (under `--expose-gc`, as `npm run bench` runs). The ratio is the median of the pairs'
 * ratios, so that load from other processes, which drifts over a run, weighs on both sides of
 * each pair alike; the same ratio in CPU time is given beside it.
 */
import type { Principal } from '@dfinity/principal';

import type { Outcome } from '../canisters/upgrader/types.js';
import { Replica, type ReplicaOptions, type Subnet } from '../src/replica/index.js';
import { admin, alice, bob, castVote, deployUpgrader, hex, maintainer, type Module, moduleHashOf, ok, registerApp, stranger, subjectOf, type Upgrader, upgradeRequest, uploadModule } from '../test/upgrader/fixture.js';
import { median } from './report.js';

/** The target of governed / direct, in wall time. */
const GOVERNED_RATIO_TARGET = 1.3;

/**
 * Executions outside rounds, which the IC does not charge to the canister: queries outside
 * consensus and inspect_message (the client's time, not the rounds').
 */
const OUTSIDE_ROUNDS: ReadonlySet<string> = new Set(['NRQ', 'CQ', 'CRy', 'CRt', 'CC', 'F']);
/** Executions inside an install (init, pre_upgrade, post_upgrade): the management canister's time. */
const INSIDE_INSTALL: ReadonlySet<string> = new Set(['I', 'G']);

/** Where one side's wall-clock time went, from wrappers around the replica's subnet. */
export type Breakdown = {
    ms: number;
    /** CPU time of this process (user + system): less disturbed than `ms` by other processes. */
    cpuMs: number;
    rounds: number;
    /** Upgrader instructions spent storing the module (create_module and the chunks). */
    uploadInstructions: bigint;
    /** Executions of the upgrader's code in rounds (updates, callbacks, timers: what the IC charges it for). */
    upgraderExecutions: number;
    upgraderMs: number;
    upgraderInstructions: bigint;
    /** Executions of app code in rounds, outside installs (health check, timers). */
    appMs: number;
    /** The management canister, including the app's pre_upgrade and post_upgrade inside install. */
    managementMs: number;
    installMs: number;
    /** Everything else inside rounds: queues, message routing, the replica's own bookkeeping. */
    replicaMs: number;
    /** Outside rounds: the client's Candid encoding and decoding, its queries, inspect_message. */
    clientMs: number;
};

export type Counters = { rounds: number; tickMs: number; upgraderExecutions: number; upgraderMs: number; upgraderInstructions: bigint; appMs: number; managementMs: number; installMs: number };

/**
 * Times the subnet's rounds, canister executions and management-canister calls: executions
 * and management calls through the subnet's tracing options, rounds by wrapping `tick` of
 * this replica's Subnet object (the replica itself is not changed).
 */
export class Probe {
    readonly #counters: Counters = { rounds: 0, tickMs: 0, upgraderExecutions: 0, upgraderMs: 0, upgraderInstructions: 0n, appMs: 0, managementMs: 0, installMs: 0 };
    upgrader: Principal | undefined;
    /** Set by `governed` while it runs: upgrader instructions of its upload. */
    uploadInstructions = 0n;

    /** The replica options that report executions and management calls to this probe. */
    readonly options: ReplicaOptions = {
        onExecution: (event) => {
            const c = this.#counters;
            if (OUTSIDE_ROUNDS.has(event.kind) || INSIDE_INSTALL.has(event.kind)) return;
            if (this.upgrader !== undefined && event.canisterId.compareTo(this.upgrader) === 'eq') {
                c.upgraderExecutions++;
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
        (globalThis as { gc?: () => void }).gc?.();
        this.uploadInstructions = 0n;
        const before = this.snapshot();
        const cpu = process.cpuUsage();
        const started = performance.now();
        await body();
        const ms = performance.now() - started;
        const cpuUsed = process.cpuUsage(cpu);
        return { ...breakdown(before, this.snapshot(), ms), cpuMs: (cpuUsed.user + cpuUsed.system) / 1000, uploadInstructions: this.uploadInstructions };
    }
}

/** Where `ms` of wall time went between two snapshots of a probe's counters. */
export function breakdown(before: Counters, after: Counters, ms: number): Omit<Breakdown, 'cpuMs' | 'uploadInstructions'> {
    const tickMs = after.tickMs - before.tickMs;
    const upgraderMs = after.upgraderMs - before.upgraderMs;
    const appMs = after.appMs - before.appMs;
    const managementMs = after.managementMs - before.managementMs;
    return {
        ms,
        rounds: after.rounds - before.rounds,
        upgraderExecutions: after.upgraderExecutions - before.upgraderExecutions,
        upgraderMs,
        upgraderInstructions: after.upgraderInstructions - before.upgraderInstructions,
        appMs,
        managementMs,
        installMs: after.installMs - before.installMs,
        replicaMs: tickMs - upgraderMs - appMs - managementMs,
        clientMs: ms - tickMs
    };
}

/** The app both sides upgrade: how to deploy a fresh one running v1, and what v2 is. */
export interface UpgradeSubject {
    /** Names the app in the printed figures ("demo app", "fleet member"). */
    name: string;
    /** A fresh app running v1, controlled by admin, the upgrader and recovery (not registered). */
    deploy(replica: Replica, upgraderId: Principal): Promise<Principal>;
    v2: Module;
    /** The post_upgrade argument of both sides. */
    arg: Uint8Array;
}

/** Upload, propose, two votes, and `resume` (as anyone) to drive the execution to its end. */
async function governed(replica: Replica, probe: Probe, upgrader: Upgrader, app: Principal, subject: UpgradeSubject): Promise<void> {
    const before = probe.snapshot().upgraderInstructions;
    await uploadModule(upgrader, app, subject.v2);
    probe.uploadInstructions = probe.snapshot().upgraderInstructions - before;
    upgrader.setPrincipal(maintainer);
    const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(subject.v2, {}, subject.arg) } }));
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
    if (outcome === undefined || !('upgraded' in outcome) || (await moduleHashOf(replica, app)) !== hex(subject.v2.hash)) {
        throw new Error(`bench: the governed upgrade of the ${subject.name} failed (${JSON.stringify(outcome)}), so its figures would mean nothing; run the upgrader's tests`);
    }
}

async function direct(replica: Replica, app: Principal, subject: UpgradeSubject): Promise<void> {
    await replica.stopCanister({ canisterId: app, sender: admin });
    await replica.upgradeCanister({ canisterId: app, wasm: subject.v2.bytes, arg: subject.arg, sender: admin });
    await replica.startCanister({ canisterId: app, sender: admin });
    if ((await moduleHashOf(replica, app)) !== hex(subject.v2.hash)) throw new Error(`bench: the direct upgrade of the ${subject.name} did not leave v2 installed`);
}

type Setup = { replica: Replica; probe: Probe; upgrader: Upgrader; upgraderId: Principal; subject: UpgradeSubject; firstUpgrade: Breakdown };

/** A replica with the upgrader deployed and warmed (see the header); returns the warm-up's figures. */
async function setUp(subject: UpgradeSubject): Promise<Setup> {
    const probe = new Probe();
    const replica = await Replica.create(probe.options);
    probe.attach(replica.subnet);
    const { id: upgraderId, upgrader } = await deployUpgrader(replica);
    probe.upgrader = upgraderId;
    await direct(replica, await subject.deploy(replica, upgraderId), subject);
    const scratch = await subject.deploy(replica, upgraderId);
    ok(await registerApp(upgrader, scratch));
    const firstUpgrade = await probe.measure(() => governed(replica, probe, upgrader, scratch, subject));
    return { replica, probe, upgrader, upgraderId, subject, firstUpgrade };
}

/** Gives a fresh app what it should hold before both sides upgrade it (e.g. state). */
export type Prepare = (replica: Replica, app: Principal) => Promise<void>;

/** Fresh governed and direct apps, both `prepare`d, upgraded in the given order. */
async function pair(setup: Setup, governedFirst: boolean, prepare: Prepare = async () => undefined): Promise<{ governed: Breakdown; direct: Breakdown }> {
    const { replica, probe, upgrader, upgraderId, subject } = setup;
    const app = await subject.deploy(replica, upgraderId);
    const plain = await subject.deploy(replica, upgraderId);
    ok(await registerApp(upgrader, app));
    await prepare(replica, app);
    await prepare(replica, plain);
    const runGoverned = (): Promise<Breakdown> => probe.measure(() => governed(replica, probe, upgrader, app, subject));
    const runDirect = (): Promise<Breakdown> => probe.measure(() => direct(replica, plain, subject));
    if (governedFirst) {
        const g = await runGoverned();
        return { governed: g, direct: await runDirect() };
    }
    const d = await runDirect();
    return { governed: await runGoverned(), direct: d };
}

export type Comparison = { subject: UpgradeSubject; firstUpgrade: Breakdown; governed: Breakdown[]; direct: Breakdown[] };

/** `rounds` pairs (the first governed first, then alternating) on one warmed replica. */
export async function comparePairs(subject: UpgradeSubject, rounds: number, prepare?: Prepare): Promise<Comparison> {
    const setup = await setUp(subject);
    const runs: Comparison = { subject, firstUpgrade: setup.firstUpgrade, governed: [], direct: [] };
    try {
        for (let i = 0; i < rounds; i++) {
            const result = await pair(setup, i % 2 === 0, prepare);
            runs.governed.push(result.governed);
            runs.direct.push(result.direct);
        }
    } finally {
        await setup.replica.tearDown();
    }
    return runs;
}

/** The breakdown whose total is the median of `runs`. */
function medianRun(runs: Breakdown[]): Breakdown {
    const middle = median(runs.map((r) => r.ms));
    return runs.find((r) => r.ms === middle) ?? runs[0]!;
}

/** Prints a figure: label, measured value, and the target with whether it is met, if any (report.ts's `figure`, or a section's own). */
export type Printer = (label: string, value: string, target?: string, met?: boolean) => void;

/** The median runs of both sides with where their time went, and the median of the pairs' ratios against the target. */
export function printComparison(print: Printer, label: string, runs: Comparison): { governed: Breakdown; direct: Breakdown; ratio: number } {
    const g = medianRun(runs.governed);
    const d = medianRun(runs.direct);
    const all = (list: Breakdown[]): string => list.map((r) => r.ms.toFixed(0)).join(', ');
    print(`governed upgrade of the ${label} (median of ${runs.governed.length}: ${all(runs.governed)} ms)`, `${g.ms.toFixed(0)} ms, ${g.rounds} rounds`);
    printBreakdown(print, 'governed', g);
    print(`direct controller upgrade (median of ${runs.direct.length}: ${all(runs.direct)} ms)`, `${d.ms.toFixed(0)} ms, ${d.rounds} rounds`);
    printBreakdown(print, 'direct', d);
    const pairs = runs.governed.map((run, i) => run.ms / (runs.direct[i]?.ms ?? run.ms));
    const cpu = runs.governed.map((run, i) => run.cpuMs / (runs.direct[i]?.cpuMs ?? run.cpuMs));
    const ratio = median(pairs);
    print(`governed / direct (median of the pairs: ${pairs.map((r) => r.toFixed(2)).join(', ')})`, `${ratio.toFixed(2)}x`, `<= ${GOVERNED_RATIO_TARGET}x`, ratio <= GOVERNED_RATIO_TARGET);
    print('  the same in CPU time', `${median(cpu).toFixed(2)}x`);
    return { governed: g, direct: d, ratio };
}

function printBreakdown(print: Printer, label: string, b: Breakdown): void {
    const ms = (x: number): string => `${x.toFixed(0)} ms`;
    print(`  ${label}: upgrader Wasm (${(Number(b.upgraderInstructions) / 1e6).toFixed(0)} M instructions)`, ms(b.upgraderMs));
    print(`  ${label}: management canister (of which install_chunked_code, with the app's hooks)`, `${ms(b.managementMs)} (${ms(b.installMs)})`);
    print(`  ${label}: app Wasm outside install (health check, timers)`, ms(b.appMs));
    print(`  ${label}: replica rounds, queues and routing (${b.rounds} rounds)`, ms(b.replicaMs));
    print(`  ${label}: client (Candid in Node, queries)`, ms(b.clientMs));
}
