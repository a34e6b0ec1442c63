/** The fault matrix (see fault-matrix.ts) when the continuation after the step's call traps. */
import type { ExecutionScene } from './execution-fixture';
import { CASES, runCase } from './fault-matrix';

describe("fault matrix: the continuation after the step's call traps", () => {
    let scene: ExecutionScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it.each(CASES)('at %s, the watchdog recovers and the outcome says where the app is', async (_name, c) => {
        await runCase('trap', c, (created) => (scene = created));
    });
});
