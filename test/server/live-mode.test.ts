/**
 * When the auto-progress loop runs rounds for ingress: a lone client's message at once;
 * under load, what arrived during a round in the next round as soon as that one is over
 * (no wait counted from the first waiting message), with at most one round starting every 20 ms.
 */
import { LiveMode } from '../../src/server/live-mode.js';
import type { Subnet } from '../../src/replica/index.js';

/** Jest's fake timers (they fake performance.now() too), from the object Jest gives ES modules. */
interface FakeTimers {
    useFakeTimers(): void;
    useRealTimers(): void;
    advanceTimersByTimeAsync(ms: number): Promise<unknown>;
}
const jest = (import.meta as unknown as { jest: FakeTimers }).jest;

/** A node whose rounds take `roundMs` (run and made durable) and record when they start. */
function fakeNode(roundMs: number): { mode: LiveMode; starts: number[]; submit(sender: string): void } {
    const starts: number[] = [];
    const queuedMessages: unknown[] = [];
    let busy: Promise<void> | null = null;
    // As ReplicaNode.runRound: one round at a time, each starting after the one in progress.
    const round = async (): Promise<void> => {
        mode.roundStarting();
        starts.push(performance.now());
        queuedMessages.length = 0;
        await new Promise((resolve) => setTimeout(resolve, roundMs));
        mode.roundTicked();
    };
    const subnet = { queuedMessages, time: 0n, certifiedTime: 0n, nextWake: () => ({ at: null, heartbeat: false }) };
    const node = {
        live: true,
        closed: false,
        subnet: subnet as unknown as Subnet,
        async runRound(): Promise<void> {
            while (busy !== null) await busy;
            busy = round();
            await busy;
            busy = null;
            mode.roundEnded();
        }
    };
    const mode = new LiveMode(node);
    return {
        mode,
        starts,
        submit(sender) {
            queuedMessages.push(sender);
            mode.ingressSubmitted(sender);
        }
    };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('live mode rounds', () => {
    it("runs a lone client's message at once", async () => {
        const { starts, submit, mode } = fakeNode(3);
        const t0 = performance.now();
        submit('a');
        await jest.advanceTimersByTimeAsync(1);
        expect(starts).toEqual([t0]);
        mode.stop();
    });

    it('under load, runs what arrived during a round as soon as that round is over', async () => {
        const { starts, submit, mode } = fakeNode(30);
        const t0 = performance.now();
        submit('a');
        await jest.advanceTimersByTimeAsync(25);
        submit('b'); // a second sender while the first round runs: load
        await jest.advanceTimersByTimeAsync(60);
        expect(starts.map((t) => t - t0)).toEqual([0, 30]);
        mode.stop();
    });

    it('under load, starts at most one round every 20 ms, counted from the previous round', async () => {
        const { starts, submit, mode } = fakeNode(15);
        const t0 = performance.now();
        submit('a');
        await jest.advanceTimersByTimeAsync(14);
        submit('b');
        await jest.advanceTimersByTimeAsync(2);
        submit('a');
        await jest.advanceTimersByTimeAsync(60);
        // The second round takes both messages, 20 ms after the first round started.
        expect(starts.map((t) => t - t0)).toEqual([0, 20]);
        mode.stop();
    });
});
