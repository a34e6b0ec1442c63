/** The rehearsal's fault matrix (see rehearsal-fault-matrix.ts) when the continuation after the step's call traps. */
import { REHEARSAL_CASES, runRehearsalCase } from './rehearsal-fault-matrix';
import type { MemberScene } from './rehearsal-support';

describe("rehearsal fault matrix: the continuation traps", () => {
    let scene: MemberScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it.each(REHEARSAL_CASES)('at %s, the watchdog recovers', async (_name, c) => {
        await runRehearsalCase('trap', c, (created) => (scene = created));
    });
});
