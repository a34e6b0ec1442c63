/**
 * Differential fuzzing of the upgrader's Candid codec against @dfinity/candid at scale (issue 7,
 * item 13): the three properties of test/upgrader/candid-fuzz.test.ts (round trip, decoding at a
 * related type, mutated bytes), BENCH_FUZZ_CASES cases each (default 10^5), with fresh seeds.
 * Prints cases per second, every departure of the library from the spec met (by rule), and any
 * divergence (the target: none).
 *
 * Run alone with `npx tsx bench/candid-fuzz.ts`, or from `npm run bench`.
 */
import fc from 'fast-check';

import { fuzzProperties } from '../test/candid/fuzz-support.js';
import { figure, section } from './report.js';

export function candidFuzzFigures(cases = Number(process.env.BENCH_FUZZ_CASES ?? 100_000)): void {
    section(`Candid codec vs @dfinity/candid, differential fuzzing (${cases} cases per property)`);
    const tally = new Map<string, number>();
    let divergences = 0;
    for (const [name, property] of fuzzProperties(tally)) {
        const seed = Date.now();
        const started = performance.now();
        const result = fc.check(property, { numRuns: cases, seed });
        const seconds = (performance.now() - started) / 1000;
        figure(`${name}: cases/s`, `${Math.round(result.numRuns / seconds)} (${result.numRuns} cases, ${seconds.toFixed(1)} s, seed ${seed})`);
        if (result.failed) {
            divergences++;
            console.log(fc.defaultReportMessage(result));
        }
    }
    for (const [rule, n] of [...tally].sort((a, b) => b[1] - a[1])) figure(`  library departs from the spec (${rule})`, `${n} cases`);
    figure('divergences (codec wrong, or an unlisted library departure)', String(divergences), '0', divergences === 0);
}

if (import.meta.url === `file://${process.argv[1]}`) candidFuzzFigures();
