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
 * The governed and direct sides, and how they are made fair, are bench/governed-vs-direct.ts's;
 * here, BENCH_UPGRADER_ROUNDS pairs of the demo app with 1 MiB of state, and one with 256 MiB.
 *
 * Run alone with `npx tsx bench/upgrader.ts`, or from `npm run bench`. BENCH_UPGRADER_ROUNDS
 * (default 7) sets the number of pairs.
 */
import { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../canisters/demo_app/v1/types.js';
import { MAX_METHOD_NAME_BYTES, MAX_MODULES_PER_APP, MAX_PROPOSERS, MAX_RAN_MODULES_KEPT, MAX_SNAPSHOTS_KEPT, MAX_VOTERS } from '../canisters/upgrader/limits.js';
import { appRecord, type StoredApp } from '../canisters/upgrader/records.js';
import type { AppInfo } from '../canisters/upgrader/types.js';
import { buildCanisters } from '../scripts/build-lib.js';
import type { Replica } from '../src/replica/index.js';
import { admin, DEFAULT_POLICY, DEFAULT_SNAPSHOTS, deployApp, KEEP_CONFIG, loadModule } from '../test/upgrader/fixture.js';
import { type Breakdown, comparePairs, printComparison, type UpgradeSubject } from './governed-vs-direct.js';
import { rehearsalFigures } from './rehearsal-onchain.js';

const MiB = 1024 * 1024;

function row(figure: string, measured: string, target = '', met?: boolean): void {
    const verdict = met === undefined ? '' : met ? ': met' : ': MISSED';
    console.log(`${figure.padEnd(78)} ${measured.padEnd(30)} ${target}${verdict}`);
}

/** The demo app, v1 to v2 (read once built). */
function demoApp(): UpgradeSubject {
    return { name: 'demo app', deploy: (replica, upgraderId) => deployApp(replica, { name: 'demo_app_v1', upgraderId }), v2: loadModule('demo_app_v2'), arg: KEEP_CONFIG };
}

async function seed(replica: Replica, app: Principal, bytes: number): Promise<void> {
    const notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
    notes.setPrincipal(admin);
    await notes.add_note('a note that v2 migrates');
    for (let left = bytes; left > 0; left -= 16 * MiB) await notes.add_attachments(Math.min(16, Math.ceil(left / MiB)), MiB);
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

    const small = await comparePairs(demoApp(), rounds, (replica, app) => seed(replica, app, 1 * MiB));
    const { governed: g } = printComparison(row, 'demo app, 1 MiB state', small);

    const count = (n: bigint): string => n.toLocaleString('en-US');
    const execution = (b: Breakdown): bigint => b.upgraderInstructions - b.uploadInstructions;
    row('upgrader instructions to store a 3.5 MB module (create_module + 4 chunks)', count(g.uploadInstructions), 'flat');
    row('upgrader instructions per upgrade (propose, votes, execution), 1 MiB state', count(execution(g)), 'flat in state size');
    row('  the same, in the upgrader\'s first upgrade after install (compiling its codecs)', `${count(small.firstUpgrade.uploadInstructions)} + ${count(execution(small.firstUpgrade))}`);

    const large = await comparePairs(demoApp(), 1, (replica, app) => seed(replica, app, 256 * MiB));
    const largeRun = large.governed[0]!;
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
