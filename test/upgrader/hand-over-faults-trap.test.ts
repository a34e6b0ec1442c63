/** The hand-over's fault matrix (see hand-over-fault-matrix.ts) when the continuation after a step's call traps. */
import { HAND_OVER_CASES, runHandOverCase } from './hand-over-fault-matrix';
import type { HandOverScene } from './hand-over-fixture';

describe("hand-over fault matrix: the continuation after the step's call traps", () => {
    let scene: HandOverScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it.each(HAND_OVER_CASES)('at %s, the watchdog finishes the hand-over', async (_name, c) => {
        await runHandOverCase('trap', c, (created) => (scene = created));
    });
});
