/**
 * Figures of the embedded replica's engine, each printed next to its target:
 * latency against a bare WebAssembly.Instance, instructions against the IC's measured
 * count, and the memory of many idle canisters.
 */
import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { gzWasmPath, wasmPath } from '../scripts/paths.js';
import { ExecutionEvent, Replica } from '../src/replica/index.js';
import { BareCanister } from './bare-host.js';
import { figure, median, section, settle, timeMs } from './report.js';

/** Azle's measurement of hello_world's setMessage on the IC (examples/stable/demo/hello_world/benchmarks.md, Azle 0.32). */
const IC_SET_MESSAGE_INSTRUCTIONS = 1_404_869n;

const setArg = (i: number) => new Uint8Array(IDL.encode([IDL.Text], [`Hello number ${i}`]));
const emptyArg = new Uint8Array(IDL.encode([], []));

export async function latencyAndInstructions(iterations = 300): Promise<void> {
    section('Latency of a small Azle method (hello_world), median of ' + iterations);
    const wasm = new Uint8Array(readFileSync(wasmPath('hello_world')));

    const bare = new BareCanister(wasm);
    bare.call('canister_init', emptyArg);
    const events: ExecutionEvent[] = [];
    const replica = await Replica.create({ onExecution: (e) => events.push(e) });
    const canisterId = await replica.createCanister();
    await replica.installCode({ canisterId, wasm });
    await replica.tick(3);
    const subnet = replica.subnet;
    const bareUpdate: number[] = [];
    const bareQuery: number[] = [];
    const engineUpdate: number[] = [];
    const engineQuery: number[] = [];
    const facadeUpdate: number[] = [];
    const facadeQuery: number[] = [];
    // Interleaved, so the bare and the replica figures see the same machine load.
    for (let i = 0; i < iterations; i++) {
        const arg = setArg(i);
        bareUpdate.push(timeMs(() => bare.call('canister_update setMessage', arg)));
        engineUpdate.push(
            timeMs(() => {
                const submitted = subnet.submitIngress({ sender: canisterId, canisterId, method: 'setMessage', arg });
                if ('err' in submitted) throw new Error(submitted.err.message);
                subnet.tick();
            })
        );
        bareQuery.push(timeMs(() => bare.call('canister_query getMessage', emptyArg)));
        engineQuery.push(timeMs(() => subnet.query({ sender: canisterId, canisterId, method: 'getMessage', arg: emptyArg })));
        const start = performance.now();
        await replica.updateCall({ canisterId, method: 'setMessage', arg });
        facadeUpdate.push(performance.now() - start);
        const q = performance.now();
        await replica.queryCall({ canisterId, method: 'getMessage' });
        facadeQuery.push(performance.now() - q);
    }
    const bu = median(bareUpdate);
    const bq = median(bareQuery);
    figure('bare instance: update setMessage', `${bu.toFixed(3)} ms`);
    figure('bare instance: query getMessage', `${bq.toFixed(3)} ms`);
    figure('replica: ingress + round running the update', `${median(engineUpdate).toFixed(3)} ms = ${(median(engineUpdate) / bu).toFixed(2)}× bare`, '≤ 2×', median(engineUpdate) / bu <= 2);
    figure('replica: query (metered, rolled back)', `${median(engineQuery).toFixed(3)} ms = ${(median(engineQuery) / bq).toFixed(2)}× bare`, '≤ 2×', median(engineQuery) / bq <= 2);
    figure('Replica.updateCall end to end', `${median(facadeUpdate).toFixed(3)} ms = ${(median(facadeUpdate) / bu).toFixed(2)}× bare`);
    figure('Replica.queryCall end to end', `${median(facadeQuery).toFixed(3)} ms = ${(median(facadeQuery) / bq).toFixed(2)}× bare`);

    section('Instructions counted for hello_world setMessage');
    const counted = events.filter((e) => e.entry === 'canister_update setMessage').map((e) => e.instructions);
    const ours = counted[counted.length - 1]!;
    const deviation = Number(ours - IC_SET_MESSAGE_INSTRUCTIONS) / Number(IC_SET_MESSAGE_INSTRUCTIONS);
    figure('embedded replica', `${ours.toLocaleString('en')} instructions`);
    figure('IC (Azle 0.32 benchmarks.md)', `${IC_SET_MESSAGE_INSTRUCTIONS.toLocaleString('en')} instructions`);
    figure('difference', `${(deviation * 100).toFixed(1)}%`, 'close (within ±25%)', Math.abs(deviation) <= 0.25);
    const init = events.find((e) => e.entry === 'canister_init');
    if (init !== undefined) figure('canister_init (IC ≈ 1.0 B for stable-mode examples)', `${init.instructions.toLocaleString('en')} instructions`);
    await replica.tearDown();
}

export async function idleCanisterMemory(count: number): Promise<void> {
    section(`Memory of ${count} idle Azle canisters of one module`);
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) {
        console.log('  (run with NODE_OPTIONS=--expose-gc for memory figures; npm run bench does)');
        return;
    }
    const module = new Uint8Array(readFileSync(gzWasmPath('hello_world')));
    const replica = await Replica.create({ maxLiveInstances: 8 });
    // Compile and cache the module before the baseline so the figure is per canister.
    const warm = await replica.createCanister();
    await replica.installCode({ canisterId: warm, wasm: module });
    replica.subnet.evictInstances();
    await settle(gc);
    const before = process.memoryUsage();
    const start = performance.now();
    for (let i = 0; i < count; i++) {
        const canisterId = await replica.createCanister();
        await replica.installCode({ canisterId, wasm: module });
        if ((i + 1) % 100 === 0) process.stdout.write(`  … ${i + 1} installed (${((performance.now() - start) / 1000).toFixed(0)} s)\n`);
    }
    await replica.tick(3);
    replica.subnet.evictInstances();
    await settle(gc);
    const after = process.memoryUsage();
    const rssMiB = (after.rss - before.rss) / 2 ** 20;
    const perCanister = rssMiB / count;
    figure('install time per canister', `${((performance.now() - start) / count).toFixed(0)} ms`);
    figure(`resident memory added by ${count} canisters`, `${rssMiB.toFixed(0)} MiB`, '≤ 2048 MiB for 1,000', rssMiB * (1000 / count) <= 2048);
    figure('per canister', `${perCanister.toFixed(2)} MiB`, '≤ 2 MiB', perCanister <= 2);
    figure('distinct 4 KiB pages held', `${replica.subnet.pageStore.size}`);
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
    figure('JS heap / external / array buffers added', `${mib(after.heapUsed - before.heapUsed)} / ${mib(after.external - before.external)} / ${mib(after.arrayBuffers - before.arrayBuffers)}`);
    await replica.tearDown();
}
