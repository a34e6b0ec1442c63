/**
 * npm run bench: every performance target of the project, measured and printed next to
 * its target. Targets live here, never in timed tests.
 *
 *   BENCH_IDLE_CANISTERS=1000  canisters in the idle-memory figure (default 1000)
 *   BENCH_ITERATIONS=300       calls per latency figure (default 300)
 *   BENCH_UPGRADER_ROUNDS=7    governed/direct upgrade pairs (default 7)
 *   BENCH_FUZZ_CASES=100000    Candid codec fuzzing cases per property (default 100000)
 *   BENCH_REHEARSAL_MIB=1,256  app state sizes of the offline rehearsal figures, in MiB (default 1,256)
 *   BENCH_FLEET_SIZES=100,1000 fleet sizes of the fleet setup figures (default 100,1000)
 *   BENCH_FLEET_PADDED=50      members of the fleet of 8 MiB modules (default 50; 0 skips it)
 *   BENCH_FLEET_ROLLOUT_SIZES=100,1000  fleets rolled out by one approval (default 100,1000)
 *   BENCH_FLEET_MODULE_FLEET=50         members rolled out with a small and an 8 MiB module (default 50; 0 skips it)
 *   BENCH_FLEET_JOIN_BATCH=250          join_group calls submitted at once (default 250)
 */
import { buildCanisters } from '../scripts/build-lib.js';
import { candidFuzzFigures } from './candid-fuzz.js';
import { idleCanisterMemory, latencyAndInstructions } from './engine.js';
import { instrumentation } from './instrumentation.js';
import { serverFigures } from './server.js';
import { upgraderFigures } from './upgrader.js';
import { rehearsalFigures } from './rehearsal-offline.js';
import { rejectionFigures } from './upgrader-rejections.js';
import { fleetSetupFigures } from './fleet-setup.js';
import { fleetRolloutFigures } from './fleet-rollout.js';

await buildCanisters({ names: ['hello_world'], log: (line) => console.log(`[build] ${line}`) });
instrumentation();
await latencyAndInstructions(Number(process.env.BENCH_ITERATIONS ?? 300));
await idleCanisterMemory(Number(process.env.BENCH_IDLE_CANISTERS ?? 1000));
await serverFigures(Number(process.env.BENCH_ITERATIONS ?? 50));
await upgraderFigures();
candidFuzzFigures();
await rejectionFigures();
await rehearsalFigures();
fleetSetupFigures();
await fleetRolloutFigures();
