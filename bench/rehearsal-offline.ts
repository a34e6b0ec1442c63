/**
 * The offline rehearsal's time (`npx upgrader rehearse`, issue 11) for demo app v1 → v2 with
 * 1 MiB and with 256 MiB of app state (attachments in stable memory): the download of a fresh
 * snapshot from a live replica in-process (read_canister_snapshot_* in 2,000,000-byte slices),
 * then the rehearsal itself (a fresh replica, snapshot upload and load, two upgrades, the health
 * check). The HTTP transport of the CLI is not included. BENCH_REHEARSAL_MIB (default "1,256")
 * picks the sizes.
 *
 * Run alone with `npx tsx bench/rehearsal-offline.ts`, or from `npm run bench`.
 */
import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { AppConfig, type DemoAppV1Service, idlFactory as v1Idl } from '../canisters/demo_app/v1/types.js';
import { buildCanisters } from '../scripts/build-lib.js';
import { wasmPath } from '../scripts/paths.js';
import { downloadAppState } from '../src/rehearsal/download.js';
import { replicaManagement } from '../src/rehearsal/replica-management.js';
import { rehearse } from '../src/rehearsal/rehearse.js';
import { Replica } from '../src/replica/index.js';
import { figure, section } from './report.js';

const MiB = 1024 * 1024;
const owner = Principal.fromUint8Array(new Uint8Array([1, 0xbe, 0x4c, 0x02]));

async function once(stateMiB: number): Promise<void> {
    const live = await Replica.create();
    try {
        const arg = new Uint8Array(IDL.encode([AppConfig], [{ owner: [owner], upgrader: [] }]));
        const { canisterId, actor } = await live.setupCanister<DemoAppV1Service>({ idlFactory: v1Idl, wasm: wasmPath('demo_app_v1'), arg, sender: owner, controllers: [owner] });
        actor.setPrincipal(owner);
        await actor.add_note('a note that v2 migrates');
        for (let left = stateMiB; left > 0; left -= 16) await actor.add_attachments(Math.min(16, left), MiB);

        let started = performance.now();
        const app = await downloadAppState(replicaManagement(live, owner), canisterId);
        const downloadMs = performance.now() - started;
        started = performance.now();
        const report = await rehearse({
            app,
            newModule: new Uint8Array(readFileSync(wasmPath('demo_app_v2'))),
            arg: new Uint8Array(IDL.encode([AppConfig], [{ owner: [], upgrader: [] }])),
            healthCheck: 'health'
        });
        const rehearseMs = performance.now() - started;
        const state = app.snapshot.parts.wasm_memory.length + app.snapshot.parts.stable_memory.length;
        const post = report.steps[0]!.hooks.find((h) => h.hook === 'post_upgrade');
        figure(`${stateMiB} MiB of attachments (snapshot ${(state / MiB).toFixed(0)} MiB): download`, `${downloadMs.toFixed(0)} ms`);
        figure(`${stateMiB} MiB: rehearsal (load, 2 upgrades, health)`, `${rehearseMs.toFixed(0)} ms, ${report.passed ? 'passed' : `FAILED: ${report.failures.join('; ')}`}`);
        figure(`${stateMiB} MiB: v2's post_upgrade`, `${post?.instructions ?? 0n} instructions, ${post?.percentOfUpgradeLimit ?? 0} % of the upgrade's limit`);
    } finally {
        await live.tearDown();
    }
}

export async function rehearsalFigures(): Promise<void> {
    await buildCanisters({ names: ['demo_app_v1', 'demo_app_v2'], log: (line) => console.log(`[build] ${line}`) });
    section('offline rehearsal (npx upgrader rehearse), demo app v1 -> v2');
    for (const size of (process.env.BENCH_REHEARSAL_MIB ?? '1,256').split(',').map(Number)) await once(size);
}

if (import.meta.url === `file://${process.argv[1]}`) await rehearsalFigures();
