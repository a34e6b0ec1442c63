/**
 * The upgrader's figures (issue 4, item 6), on the embedded replica:
 *
 * - a governed upgrade of the ~3.5 MB demo app end to end (upload, propose, vote, execute,
 *   verify) next to a direct controller upgrade (stop, install, start) of the same module;
 * - the instructions the upgrader spends per upgrade, with 1 MiB and with 256 MiB of app state
 *   (they should not depend on it: the upgrader never reads the app's state);
 * - the upgrader's stable memory per registered app (audit log aside).
 *
 * Run alone with `npx tsx bench/upgrader.ts`, or from `npm run bench`.
 */
import { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../canisters/demo_app/v1/types.js';
import type { StoredApp } from '../canisters/upgrader/apps.js';
import { record } from '../canisters/upgrader/serde.js';
import type { AppInfo, Outcome } from '../canisters/upgrader/types.js';
import { buildCanisters } from '../scripts/build-lib.js';
import { Replica } from '../src/replica/index.js';
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
    moduleHashOf,
    ok,
    registerApp,
    stranger,
    upgradeRequest,
    uploadModule
} from '../test/upgrader/fixture.js';

const MiB = 1024 * 1024;

function row(figure: string, measured: string, target: string): void {
    console.log(`${figure.padEnd(64)} ${measured.padEnd(28)} ${target}`);
}

/** Instructions executed per canister, as the replica reports them. */
class InstructionMeter {
    readonly #byCanister = new Map<string, bigint>();

    readonly record = (event: { canisterId: Principal; instructions: bigint; kind: string }): void => {
        if (event.kind === 'NRQ') return; // non-replicated queries: the harness's reads, not the upgrade
        const key = event.canisterId.toText();
        this.#byCanister.set(key, (this.#byCanister.get(key) ?? 0n) + event.instructions);
    };

    of(canister: Principal): bigint {
        return this.#byCanister.get(canister.toText()) ?? 0n;
    }
}

async function seed(replica: Replica, app: Principal, bytes: number): Promise<void> {
    const notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
    notes.setPrincipal(admin);
    await notes.add_note('a note that v2 migrates');
    for (let left = bytes; left > 0; left -= 16 * MiB) await notes.add_attachments(Math.min(16, Math.ceil(left / MiB)), MiB);
}

/**
 * Waits for the execution without polling every round (each query is a Candid encode in the
 * upgrader, which would dominate the timing): `resume` drives it to the end when the timer has
 * not taken it yet; otherwise rounds run in batches between checks.
 */
async function finish(replica: Replica, upgrader: Awaited<ReturnType<typeof deployUpgrader>>['upgrader'], id: bigint): Promise<Outcome> {
    upgrader.setPrincipal(stranger);
    const resumed = ok(await upgrader.resume((await upgrader.get_proposal(id))[0]?.app ?? stranger));
    if ('finished' in resumed) return resumed.finished;
    for (let i = 0; i < 100; i++) {
        await replica.tick(20);
        const status = (await upgrader.get_proposal(id))[0]?.status;
        if (status !== undefined && 'executed' in status) return status.executed;
    }
    throw new Error(`proposal ${id} did not finish`);
}

/** One governed upgrade of a demo app holding `stateBytes` of attachments; returns timings and instructions. */
async function governedUpgrade(stateBytes: number): Promise<{ ms: number; uploadInstructions: bigint; executionInstructions: bigint; directMs: number }> {
    const meter = new InstructionMeter();
    const replica = await Replica.create({ onExecution: meter.record });
    try {
        const { id: upgraderId, upgrader } = await deployUpgrader(replica);
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        const direct = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        ok(await registerApp(upgrader, app));
        await seed(replica, app, stateBytes);
        await seed(replica, direct, stateBytes);
        const v2 = loadModule('demo_app_v2');

        const started = performance.now();
        const before = meter.of(upgraderId);
        await uploadModule(upgrader, app, v2);
        const afterUpload = meter.of(upgraderId);
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        ok(await castVote(upgrader, alice, id, v2.hash));
        ok(await castVote(upgrader, bob, id, v2.hash));
        const outcome = await finish(replica, upgrader, id);
        if (!('upgraded' in outcome) || (await moduleHashOf(replica, app)) !== hex(v2.hash)) throw new Error(`governed upgrade failed: ${JSON.stringify(outcome)}`);
        const ms = performance.now() - started;
        const executionInstructions = meter.of(upgraderId) - afterUpload;

        const directStarted = performance.now();
        await replica.stopCanister({ canisterId: direct, sender: admin });
        await replica.upgradeCanister({ canisterId: direct, wasm: v2.bytes, arg: KEEP_CONFIG, sender: admin });
        await replica.startCanister({ canisterId: direct, sender: admin });
        if ((await moduleHashOf(replica, direct)) !== hex(v2.hash)) throw new Error('direct upgrade failed');
        const directMs = performance.now() - directStarted;
        return { ms, uploadInstructions: afterUpload - before, executionInstructions, directMs };
    } finally {
        await replica.tearDown();
    }
}

/** Stable bytes of one app's records, as stored (keys and values; B-tree nodes aside). */
function recordBytes(voters: number, proposers: number): number {
    const principal = (i: number): Principal => Principal.fromUint8Array(new Uint8Array(29).fill(i + 1));
    const policy = {
        ...DEFAULT_POLICY,
        voters: Array.from({ length: voters }, (_, i) => ({ principal: principal(i), weight: 1 })),
        proposers: Array.from({ length: proposers }, (_, i) => principal(100 + i))
    };
    const info: AppInfo = {
        app: principal(200),
        policy,
        snapshot_policy: DEFAULT_SNAPSHOTS,
        recovery: principal(201),
        registered_by: principal(202),
        registered_at: 1_700_000_000_000_000_000n,
        paused: false,
        live_proposal: [],
        snapshots: [
            { id: new Uint8Array(18), taken_at: 1_700_000_000_000_000_000n, proposal_id: 1n },
            { id: new Uint8Array(18), taken_at: 1_700_000_000_000_000_000n, proposal_id: 2n }
        ],
        policy_version: 1
    };
    const stored: StoredApp = { info, modules: [] };
    const key = 29; // principal bytes
    const app = key + record<StoredApp>().toBytes(stored).length;
    const registrant = key + 4; // registrant -> nat32
    const auditCounter = key + 8; // app -> nat64 (the audit entries themselves are aside)
    return app + registrant + auditCounter;
}

export async function upgraderFigures(): Promise<void> {
    await buildCanisters({ names: ['upgrader', 'demo_app_v1', 'demo_app_v2'], log: (line) => console.log(`[build] ${line}`) });
    console.log('\nupgrader (issue 4)');
    const small = await governedUpgrade(1 * MiB);
    row('governed upgrade of demo app (upload, propose, vote, execute, verify)', `${small.ms.toFixed(0)} ms`, '');
    row('direct controller upgrade (stop, chunked install, start)', `${small.directMs.toFixed(0)} ms`, '');
    row('governed / direct', `${(small.ms / small.directMs).toFixed(2)}x`, '<= 1.5x');
    row('upgrader instructions to store a 3.5 MB module (4 chunks)', small.uploadInstructions.toLocaleString('en-US'), 'flat');
    row('upgrader instructions per upgrade, app state 1 MiB', small.executionInstructions.toLocaleString('en-US'), 'flat in state size');
    const large = await governedUpgrade(256 * MiB);
    row('upgrader instructions per upgrade, app state 256 MiB', large.executionInstructions.toLocaleString('en-US'), 'flat in state size');
    const drift = Number(large.executionInstructions - small.executionInstructions) / Number(small.executionInstructions);
    row('  difference', `${(drift * 100).toFixed(1)}%`, '~0%');
    row('upgrader stable bytes per app, 3 voters, 1 proposer (keys + values, audit aside)', `${recordBytes(3, 1)} B`, '<= 2 KiB');
    row('upgrader stable bytes per app, 32 voters + 16 proposers (the maximum policy)', `${recordBytes(32, 16)} B`, '<= 2 KiB');
}

if (import.meta.url === `file://${process.argv[1]}`) await upgraderFigures();
