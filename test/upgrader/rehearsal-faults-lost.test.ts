/** The rehearsal's fault matrix (see rehearsal-fault-matrix.ts) when the response to the step's call is lost. */
import { REHEARSAL_CASES, runRehearsalCase } from './rehearsal-fault-matrix';
import type { MemberScene } from './rehearsal-support';

describe("rehearsal fault matrix: the response is lost", () => {
    let scene: MemberScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it.each(REHEARSAL_CASES)('at %s, the watchdog recovers', async (_name, c) => {
        await runRehearsalCase('lose', c, (created) => (scene = created));
    });
});
