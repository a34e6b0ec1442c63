/**
 * Setting up a fleet (test/fleet): one member module installed and bumped, then copied through
 * snapshots (downloaded once, uploaded, loaded, started and handed over per member), in the
 * in-process replica. Prints the time in all and per member (a cold process: the first
 * install's compilation and the JIT's warm-up count), and the resident memory of the process
 * holding the fleet, and how much of it came after the replica was created; a last figure does
 * the same with members whose module is padded to 8 MiB. Each fleet is built in a process of its
 * own, so its memory is its own (not memory an earlier figure freed and the allocator kept).
 *
 *   BENCH_FLEET_SIZES=100,1000   fleet sizes (default 100,1000)
 *   BENCH_FLEET_PADDED=50        members of the padded fleet (default 50; 0 skips it)
 *
 * Run alone with `npx tsx bench/fleet-setup.ts`, or from `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { repoRoot } from '../scripts/paths.js';
import { Replica } from '../src/replica/index.js';
import { buildFleet, type FleetOptions } from '../test/fleet/fleet.js';
import { fleetMemberModule } from '../test/fleet/member-module.js';
import { figure, section, settle } from './report.js';

const owner = Principal.fromUint8Array(new Uint8Array([1, 0xf1, 0xee, 0x02]));
const operator = Principal.fromUint8Array(new Uint8Array([2, 0xf1, 0xee, 0x02]));
const BUMPS = 3;
const PADDED_BYTES = 8 * 2 ** 20;
const TARGET_MS_FOR_1000 = 60_000;

function fleetOptions(size: number, padBytes: number): FleetOptions {
    return { owner, size, padBytes, bumps: BUMPS, controllers: [owner, operator] };
}

/** Builds one fleet in this process and prints its figures. */
async function measure(size: number, padBytes: number): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) throw new Error('bench/fleet-setup.ts measures memory: run it with node --expose-gc (fleetSetupFigures does)');
    const label = padBytes === 0 ? `${size} members` : `${size} members of ${padBytes / 2 ** 20} MiB modules`;
    // The module is assembled (by wabt) before the baseline: the figures are the replica's and the fleet's.
    await fleetMemberModule('v1', { padBytes });
    await settle(gc);
    const before = process.memoryUsage();
    const replica = await Replica.create();
    try {
        const started = performance.now();
        let shown = 0;
        const members = await buildFleet(replica, {
            ...fleetOptions(size, padBytes),
            onProgress: (done) => {
                if (done < shown + 250 && done !== size) return;
                shown = done;
                process.stdout.write(`  … ${done} of ${size} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
            }
        });
        const ms = performance.now() - started;
        const [count] = IDL.decode([IDL.Nat64], await replica.queryCall({ canisterId: members[size - 1]!, method: 'count', sender: owner }));
        if (count !== BigInt(BUMPS)) throw new Error(`bench: the last member counts ${String(count)}, not the source's ${BUMPS}: the copies are wrong, so the figures would mean nothing`);
        await settle(gc);
        const after = process.memoryUsage();
        const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
        figure(`${label}: time in all`, `${(ms / 1000).toFixed(2)} s`, padBytes === 0 && size === 1000 ? '≤ 60 s for 1,000' : undefined, ms <= TARGET_MS_FOR_1000);
        figure(`${label}: per member`, `${(ms / size).toFixed(2)} ms`);
        figure(`${label}: resident memory of the process`, `${mib(after.rss)}, ${mib(after.rss - before.rss)} more than before the replica`);
        figure(`${label}: JS heap / buffers added`, `${mib(after.heapUsed - before.heapUsed)} / ${mib(after.arrayBuffers - before.arrayBuffers)}; ${replica.subnet.pageStore.size} distinct 4 KiB pages`);
    } finally {
        await replica.tearDown();
    }
}

export function fleetSetupFigures(): void {
    section('Fleet setup: members cloned through snapshots (test/fleet), in-process replica');
    const runs = (process.env.BENCH_FLEET_SIZES ?? '100,1000').split(',').map((size) => [Number(size), 0]);
    const padded = Number(process.env.BENCH_FLEET_PADDED ?? 50);
    if (padded > 0) runs.push([padded, PADDED_BYTES]);
    for (const [size, padBytes] of runs) {
        const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), String(size), String(padBytes)], { cwd: repoRoot, stdio: 'inherit' });
        if (child.status !== 0) throw new Error(`bench: the fleet of ${size} members (padding ${padBytes} bytes) failed (exit ${child.status ?? child.signal}); its output is above`);
    }
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const [size, padBytes] = process.argv.slice(2).map(Number);
    if (size === undefined) fleetSetupFigures();
    else await measure(size, padBytes ?? 0);
}
