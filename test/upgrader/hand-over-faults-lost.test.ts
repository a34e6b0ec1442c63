/** The hand-over's fault matrix (see hand-over-fault-matrix.ts) when the response to a step's call is lost. */
import { HAND_OVER_CASES, runHandOverCase } from './hand-over-fault-matrix';
import type { HandOverScene } from './hand-over-fixture';

describe("hand-over fault matrix: the response to the step's call is lost", () => {
    let scene: HandOverScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it.each(HAND_OVER_CASES)('at %s, the watchdog finishes the hand-over', async (_name, c) => {
        await runHandOverCase('lose', c, (created) => (scene = created));
    });
});
