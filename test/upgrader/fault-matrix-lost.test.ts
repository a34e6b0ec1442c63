/** The fault matrix (see fault-matrix.ts) when the response to the step's call is lost. */
import type { ExecutionScene } from './execution-fixture';
import { CASES, runCase } from './fault-matrix';

describe("fault matrix: the response to the step's call is lost", () => {
    let scene: ExecutionScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it.each(CASES)('at %s, the watchdog recovers and the outcome says where the app is', async (_name, c) => {
        await runCase('lose', c, (created) => (scene = created));
    });
});
