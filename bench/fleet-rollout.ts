/**
 * Rolling out a fleet (README "Fleets"): a group of fleet members (test/fleet) upgraded by one
 * approved rollout proposal, on the embedded replica, with the plan canary 10, waves of 200, at
 * most 50 at once (the upgrader's maximum), halting above 5 % failures. For each fleet:
 *
 * - building it (buildFleet: cloned from one member), and joining every member to the group as
 *   its recovery principal, in batches of BENCH_FLEET_JOIN_BATCH calls submitted together;
 * - the rollout, from the approving vote to the proposal's outcome: wall time (the bench's own
 *   status queries, one per round, are timed apart and left out), time per member, rounds;
 * - the upgrader's instructions in it: every execution the IC charges it for (the vote, its
 *   callbacks and timers; not queries), per member;
 * - the upgrader's stable memory, before the members join, after they joined, and after the
 *   rollout, per member (bench/stable-footprint.ts: canister_status's size, which moves by 8 MiB
 *   buckets, and the pages holding data, from a snapshot). The upgrader is deployed unsealed for
 *   this, so that `admin` controls it and may ask; its code never looks at its own controllers.
 *
 * Every fleet lives on one replica and one upgrader, after a warm-up rollout of two members (so
 * the upgrader's Candid codecs are compiled, as on any upgrader that has served a rollout). Then
 * the same rollout of BENCH_FLEET_MODULE_FLEET members with the small module and with one padded
 * to 8 MiB, for the upgrader's instructions per member against the module's size. Last, one
 * fleet member upgraded by a governed proposal next to a direct controller upgrade
 * (bench/governed-vs-direct.ts), BENCH_UPGRADER_ROUNDS pairs.
 *
 *   BENCH_FLEET_ROLLOUT_SIZES=100,1000  fleet sizes (default 100,1000; the 1,000 takes about a minute)
 *   BENCH_FLEET_MODULE_FLEET=50         members of the small/8 MiB module comparison (default 50; 0 skips it)
 *   BENCH_FLEET_JOIN_BATCH=250          join_group calls submitted at once (default 250)
 *
 * Run alone with `npx tsx bench/fleet-rollout.ts`, or from `npm run bench`.
 */
import type { Principal } from '@dfinity/principal';

import { MAX_ROLLOUT_CONCURRENCY } from '../canisters/upgrader/limits.js';
import { idlFactory, type RolloutPlan, type UpgraderService } from '../canisters/upgrader/types.js';
import { buildCanisters } from '../scripts/build-lib.js';
import { replicaManagement } from '../src/rehearsal/replica-management.js';
import { Replica } from '../src/replica/index.js';
import { buildFleet } from '../test/fleet/fleet.js';
import { type FleetMember, fleetMemberIdl } from '../test/fleet/member-module.js';
import { admin, alice, bob, castVote, DEFAULT_POLICY, deployUpgrader, getProposal, maintainer, type Module, ok, recovery, subjectOf, type Upgrader, uploadModule } from '../test/upgrader/fixture.js';
import { createMember, memberModule } from '../test/upgrader/fleet-fixture.js';
import { breakdown, comparePairs, printComparison, Probe } from './governed-vs-direct.js';
import { figure, section } from './report.js';
import { STABLE_PAGE_BYTES, type StableFootprint, stableFootprint } from './stable-footprint.js';

const PLAN: RolloutPlan = { canary: 10, batch_size: 200, max_concurrency: MAX_ROLLOUT_CONCURRENCY, max_failure_percent: 5 };
const INSTRUCTIONS_PER_MEMBER_TARGET = 5_000_000;
const STABLE_BYTES_PER_MEMBER_TARGET = 2048;
/** Per-member time at the largest fleet over the smallest's that still reads as flat. */
const FLAT_TOLERANCE = 1.25;
/** How many more instructions per member the 8 MiB module may cost and still read as independent of the module's size. */
const MODULE_SIZE_TOLERANCE = 0.1;
const PADDED_BYTES = 8 * 2 ** 20;

type Scene = { replica: Replica; probe: Probe; upgrader: Upgrader; upgraderId: Principal };

async function createScene(): Promise<Scene> {
    const probe = new Probe();
    const replica = await Replica.create(probe.options);
    probe.attach(replica.subnet);
    // Unsealed, so that admin may read its canister_status and snapshot it (see the header).
    const { id: upgraderId, upgrader } = await deployUpgrader(replica, {}, undefined, { sealed: false });
    probe.upgrader = upgraderId;
    return { replica, probe, upgrader, upgraderId };
}

type RolloutRun = {
    size: number;
    padBytes: number;
    buildMs: number;
    joinMs: number;
    joinRounds: number;
    /** The rollout's wall time without the bench's status queries. */
    rolloutMs: number;
    /** CPU time of this process in the rollout (status queries left out, as wall time): steadier than wall time on a shared machine. */
    rolloutCpuMs: number;
    pollMs: number;
    /** Where the time went; the upgrader's executions and instructions in the whole rollout (the approving vote included). */
    where: ReturnType<typeof breakdown>;
    /** Upgrader instructions of the approving vote: it fixes the member list and starts the canary. */
    voteInstructions: bigint;
    /** Upgrader instructions to store the module (create_module and its chunks), once per rollout. */
    uploadInstructions: bigint;
    footprints?: { before: StableFootprint; joined: StableFootprint; rolledOut: StableFootprint };
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const millions = (n: bigint | number): string => `${(Number(n) / 1e6).toFixed(1)} M`;

/** Creates a group, builds and joins `size` members, rolls them out to v2; `footprint` also reads the upgrader's stable memory. */
async function rollOut(scene: Scene, size: number, padBytes: number, footprint: boolean): Promise<RolloutRun> {
    const { replica, probe, upgrader, upgraderId } = scene;
    const mgmt = replicaManagement(replica, admin);
    const label = `${size} members${padBytes > 0 ? `, ${padBytes / 2 ** 20} MiB module` : ''}`;
    const progress = (what: string): void => console.log(`  … ${label}: ${what}`);
    upgrader.setPrincipal(admin);
    const group = ok(await upgrader.create_group({ policy: DEFAULT_POLICY, snapshot_policy: { keep: 1, required: false, rehearse: false }, recovery })).app;
    const v2 = await memberModule('v2', padBytes);
    const beforeUpload = probe.snapshot().upgraderInstructions;
    await uploadModule(upgrader, group, v2);
    const uploadInstructions = probe.snapshot().upgraderInstructions - beforeUpload;
    const before = footprint ? await stableFootprint(mgmt, upgraderId) : undefined;

    let started = performance.now();
    const members = await buildFleet(replica, { owner: admin, size, padBytes, controllers: [admin, upgraderId, recovery] });
    const buildMs = performance.now() - started;
    progress(`built in ${seconds(buildMs)}`);
    const roundsBefore = probe.snapshot().rounds;
    started = performance.now();
    await joinAll(replica, upgraderId, group, members);
    const joinMs = performance.now() - started;
    const joinRounds = probe.snapshot().rounds - roundsBefore;
    progress(`joined in ${seconds(joinMs)}`);
    const joined = footprint ? await stableFootprint(mgmt, upgraderId) : undefined;

    const proposal = await propose(upgrader, group, v2);
    const counters = probe.snapshot();
    const cpu = process.cpuUsage();
    started = performance.now();
    ok(await castVote(upgrader, bob, proposal.id, proposal.subject));
    // The vote is answered in its own round; the members it starts run in the next ones.
    const voteInstructions = probe.snapshot().upgraderInstructions - counters.upgraderInstructions;
    let pollMs = 0;
    for (;;) {
        const polled = performance.now();
        const status = (await getProposal(upgrader, proposal.id)).status;
        pollMs += performance.now() - polled;
        if ('executed' in status) {
            if (!('rolled_out' in status.executed)) throw new Error(`bench: the rollout of ${label} ended ${JSON.stringify(status.executed)}, not rolled_out; its figures would mean nothing: run test/upgrader/fleet.test.ts`);
            break;
        }
        replica.subnet.tick();
    }
    const totalMs = performance.now() - started;
    const cpuUsed = process.cpuUsage(cpu);
    const where = breakdown(counters, probe.snapshot(), totalMs);
    await checkUpgraded(scene, group, members, size);
    progress(`rolled out in ${seconds(totalMs - pollMs)} (+ ${seconds(pollMs)} of the bench's status queries)`);
    const rolledOut = footprint ? await stableFootprint(mgmt, upgraderId) : undefined;
    return {
        size,
        padBytes,
        buildMs,
        joinMs,
        joinRounds,
        rolloutMs: totalMs - pollMs,
        rolloutCpuMs: (cpuUsed.user + cpuUsed.system) / 1000 - pollMs,
        pollMs,
        where,
        voteInstructions,
        uploadInstructions,
        footprints: before !== undefined && joined !== undefined && rolledOut !== undefined ? { before, joined, rolledOut } : undefined
    };
}

/** join_group for every member, as the group's recovery principal, BENCH_FLEET_JOIN_BATCH calls submitted at once. */
async function joinAll(replica: Replica, upgraderId: Principal, group: Principal, members: Principal[]): Promise<void> {
    const batch = Math.max(1, Number(process.env.BENCH_FLEET_JOIN_BATCH ?? 250));
    const deferred = replica.createDeferredActor<UpgraderService>(idlFactory, upgraderId);
    deferred.setPrincipal(recovery);
    for (let start = 0; start < members.length; start += batch) {
        const answers = [];
        for (const app of members.slice(start, start + batch)) answers.push(await deferred.join_group({ group, app }));
        for (const answer of answers) ok(await answer());
    }
}

/** The maintainer proposes the rollout of `v2` to the whole group under PLAN; alice approves (bob's vote, timed, decides). */
async function propose(upgrader: Upgrader, group: Principal, v2: Module): Promise<{ id: bigint; subject: Uint8Array }> {
    upgrader.setPrincipal(maintainer);
    const upgrade = { module_hash: v2.hash, arg: new Uint8Array(), options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] as [] }, downgrade: false };
    const id = ok(await upgrader.propose({ app: group, action: { rollout: { upgrade, members: [], plan: PLAN } } }));
    const subject = await subjectOf(upgrader, id);
    ok(await castVote(upgrader, alice, id, subject));
    return { id, subject };
}

/** Every member upgraded, by the rollout's counts, and the last one answers as v2. */
async function checkUpgraded(scene: Scene, group: Principal, members: Principal[], size: number): Promise<void> {
    const rollout = (await scene.upgrader.get_rollout(group))[0];
    const last = scene.replica.createActor<FleetMember>(fleetMemberIdl, members[size - 1]!);
    const version = await last.version();
    if (rollout?.counts.upgraded !== size || version !== 'v2') {
        throw new Error(`bench: after the rollout, ${rollout?.counts.upgraded ?? 0} of ${size} members count as upgraded and the last one runs ${version}; the figures would mean nothing`);
    }
}

/** Stable bytes per member between two footprints: as canister_status sizes it, and as pages holding data. */
function perMember(from: StableFootprint, to: StableFootprint, members: number): { size: number; inUse: number } {
    return { size: Number(to.sizeBytes - from.sizeBytes) / members, inUse: ((to.pagesInUse - from.pagesInUse) * STABLE_PAGE_BYTES) / members };
}

function printRun(run: RolloutRun): void {
    const label = `${run.size.toLocaleString('en-US')} members${run.padBytes > 0 ? ` (${run.padBytes / 2 ** 20} MiB module)` : ''}`;
    figure(`${label}: build (clones) / join (${run.joinRounds} rounds)`, `${seconds(run.buildMs)} / ${seconds(run.joinMs)} (${(run.joinMs / run.size).toFixed(1)} ms per join)`);
    figure(`${label}: rollout, approving vote to outcome`, `${seconds(run.rolloutMs)}, ${run.where.rounds} rounds (+ ${seconds(run.pollMs)} of status queries, left out)`);
    figure(`${label}: rollout time per member`, `${(run.rolloutMs / run.size).toFixed(1)} ms (CPU ${(run.rolloutCpuMs / run.size).toFixed(1)} ms)`);
    const w = run.where;
    figure(`${label}:   where: upgrader / management (install) / apps / replica`, `${seconds(w.upgraderMs)} / ${seconds(w.managementMs)} (${seconds(w.installMs)}) / ${seconds(w.appMs)} / ${seconds(w.replicaMs)}`);
    const each = Number(w.upgraderInstructions) / run.size;
    figure(`${label}: upgrader instructions per member`, `${millions(each)} (${(w.upgraderExecutions / run.size).toFixed(1)} executions per member)`, `<= ${millions(INSTRUCTIONS_PER_MEMBER_TARGET)}`, each <= INSTRUCTIONS_PER_MEMBER_TARGET);
    figure(`${label}:   of which the approving vote (one message: ${millions(run.voteInstructions)})`, millions(Number(run.voteInstructions) / run.size));
    figure(`${label}:   storing the module first (create_module + chunks, once)`, millions(run.uploadInstructions));
    const f = run.footprints;
    if (f === undefined) return;
    const kib = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KiB`;
    const joined = perMember(f.before, f.joined, run.size);
    const rolledOut = perMember(f.before, f.rolledOut, run.size);
    figure(`${label}: upgrader stable memory per member, after joining`, `${kib(joined.inUse)} in use (size: +${kib(joined.size)})`, `<= ${kib(STABLE_BYTES_PER_MEMBER_TARGET)}`, joined.inUse <= STABLE_BYTES_PER_MEMBER_TARGET);
    figure(`${label}: upgrader stable memory per member, after the rollout`, `${kib(rolledOut.inUse)} in use (size: +${kib(rolledOut.size)})`, `<= ${kib(STABLE_BYTES_PER_MEMBER_TARGET)}`, rolledOut.inUse <= STABLE_BYTES_PER_MEMBER_TARGET);
    const mib = (bytes: bigint): string => `${(Number(bytes) / 2 ** 20).toFixed(0)} MiB`;
    figure(`${label}:   stable memory size (canister_status), before / after`, `${mib(f.before.sizeBytes)} / ${mib(f.rolledOut.sizeBytes)} (grows by 8 MiB buckets)`);
}

/** One line per fleet, as a table. */
function printTable(runs: RolloutRun[]): void {
    const header = ['members', 'module', 'build', 'join', 'rollout', 'per member', 'rounds', 'instr./member', 'stable/member'];
    const rows = runs.map((run) => {
        const stable = run.footprints === undefined ? '-' : `${(perMember(run.footprints.before, run.footprints.rolledOut, run.size).inUse / 1024).toFixed(2)} KiB`;
        return [
            run.size.toLocaleString('en-US'),
            run.padBytes > 0 ? `${run.padBytes / 2 ** 20} MiB` : 'small',
            seconds(run.buildMs),
            seconds(run.joinMs),
            seconds(run.rolloutMs),
            `${(run.rolloutMs / run.size).toFixed(1)} ms`,
            String(run.where.rounds),
            millions(Number(run.where.upgraderInstructions) / run.size),
            stable
        ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const line of [header, ...rows]) console.log(`  ${line.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}`);
}

export async function fleetRolloutFigures(): Promise<void> {
    await buildCanisters({ names: ['upgrader'], log: (line) => console.log(`[build] ${line}`) });
    section(`Fleet rollout: one approval upgrades a group (plan: canary ${PLAN.canary}, waves of ${PLAN.batch_size}, ${PLAN.max_concurrency} at once, halt above ${PLAN.max_failure_percent} %), in-process replica`);
    const sizes = (process.env.BENCH_FLEET_ROLLOUT_SIZES ?? '100,1000').split(',').map(Number);
    const moduleFleet = Number(process.env.BENCH_FLEET_MODULE_FLEET ?? 50);
    if (sizes.some((n) => n >= 1000)) console.log('  (the 1,000-member fleet takes about a minute to build, join and roll out)');
    const scene = await createScene();
    const runs: RolloutRun[] = [];
    const sectionStarted = performance.now();
    try {
        await rollOut(scene, 2, 0, false);
        for (const size of sizes) runs.push(await rollOut(scene, size, 0, true));
        const byModule = moduleFleet > 0 ? [await rollOut(scene, moduleFleet, 0, false), await rollOut(scene, moduleFleet, PADDED_BYTES, false)] : [];
        runs.push(...byModule);
        for (const run of runs) printRun(run);
        const [smallest, largest] = [runs[0], runs[sizes.length - 1]];
        if (smallest !== undefined && largest !== undefined && largest !== smallest) {
            const growth = largest.rolloutMs / largest.size / (smallest.rolloutMs / smallest.size);
            const cpuGrowth = largest.rolloutCpuMs / largest.size / (smallest.rolloutCpuMs / smallest.size);
            const sizes = `${largest.size.toLocaleString('en-US')} vs ${smallest.size.toLocaleString('en-US')} members`;
            figure(`rollout time per member, ${sizes}`, `${(largest.rolloutMs / largest.size).toFixed(1)} vs ${(smallest.rolloutMs / smallest.size).toFixed(1)} ms: ${growth.toFixed(2)}x`, `flat (<= ${FLAT_TOLERANCE}x)`, growth <= FLAT_TOLERANCE);
            figure(`  the same in CPU time`, `${(largest.rolloutCpuMs / largest.size).toFixed(1)} vs ${(smallest.rolloutCpuMs / smallest.size).toFixed(1)} ms: ${cpuGrowth.toFixed(2)}x`, `flat (<= ${FLAT_TOLERANCE}x)`, cpuGrowth <= FLAT_TOLERANCE);
        }
        const [small, padded] = byModule;
        if (small !== undefined && padded !== undefined) {
            const [large, plain] = [Number(padded.where.upgraderInstructions), Number(small.where.upgraderInstructions)];
            const more = (large - plain) / plain;
            figure(`upgrader instructions per member, 8 MiB vs small module (${moduleFleet} members)`, `${millions(large / moduleFleet)} vs ${millions(plain / moduleFleet)}: ${(more * 100).toFixed(1)} % more`, `independent (<= ${MODULE_SIZE_TOLERANCE * 100} % more)`, more <= MODULE_SIZE_TOLERANCE);
        }
    } finally {
        await scene.replica.tearDown();
    }
    printTable(runs);
    console.log(`  (fleets: ${seconds(performance.now() - sectionStarted)} in all)`);

    const v1 = await memberModule('v1');
    const member = { name: 'fleet member', deploy: (replica: Replica, upgraderId: Principal) => createMember({ replica, upgraderId }, v1), v2: await memberModule('v2'), arg: new Uint8Array() };
    printComparison(figure, 'fleet member (one app, no group)', await comparePairs(member, Math.max(1, Number(process.env.BENCH_UPGRADER_ROUNDS ?? 7))));
}

if (import.meta.url === `file://${process.argv[1]}`) await fleetRolloutFigures();
