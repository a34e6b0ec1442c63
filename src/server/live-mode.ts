/**
 * A node's live mode (HTTP clients attached): replica time follows the wall clock, and an
 * auto-progress loop runs rounds back to back while messages are queued and sleeps until
 * the next timer, deadline or heartbeat otherwise (no rounds at all when idle). Ingress is
 * batched under load so that one round, and one certificate, serves many senders.
 */
import { Subnet } from '../replica/index.js';

export const NS_PER_MS = 1_000_000n;
/** Round interval while heartbeat canisters exist and nothing else is queued. */
const HEARTBEAT_INTERVAL_MS = 100;
/** Longest sleep of the auto-progress loop (it re-plans after that). */
const MAX_SLEEP_MS = 60_000;
/**
 * Batching: a lone client's message runs at once. While several senders are at work (two or
 * more submitted within the last LOAD_WINDOW_MS), rounds follow one another as in a group
 * commit: what arrives while a round runs (and is made durable) goes into the next round,
 * which starts as soon as that one ends, but at most one round starts every
 * MIN_ROUND_INTERVAL_MS, so that a round's fixed costs are shared by many messages: one BLS
 * signature (~1 ms) for the replica, and one certificate to verify (~25 ms with
 * @noble/curves) for clients that remember verified signatures. (The previous rule, 20 ms
 * after the first waiting message, also waited after long rounds: with 16 agents in a closed
 * loop it capped updates at ~16 per 20 ms + a round.) Each response must carry a
 * certificate of a state containing its status.
 */
const LOAD_WINDOW_MS = 100;
const MIN_ROUND_INTERVAL_MS = 20;

export function wallClockNs(): bigint {
    return BigInt(Date.now()) * NS_PER_MS;
}

/** The node the loop drives. */
interface LiveNode {
    readonly live: boolean;
    readonly closed: boolean;
    readonly subnet: Subnet;
    runRound(): Promise<void>;
}

export class LiveMode {
    readonly #node: LiveNode;
    /** The pending run of the auto-progress loop, and when it is due (performance.now() ms). */
    #loopTimer: { cancel(): void } | null = null;
    #loopDue = Infinity;
    /** Recent ingress arrivals (performance.now() ms and sender), oldest first: are several clients at work? */
    #arrivals: Array<{ at: number; sender: string }> = [];
    /** Ingress messages submitted since the last round started, and when the earliest of them should run. */
    #pendingIngress = 0;
    #batchDue = Infinity;
    /** When the last round started and ended (performance.now() ms). */
    #lastRoundStart = -Infinity;
    #lastRoundEnd = -Infinity;
    #lastWall: bigint | null = null;
    #lastRoundTime: bigint | null = null;

    constructor(node: LiveNode) {
        this.#node = node;
    }

    /** Whether a run of the auto-progress loop is pending. */
    get scheduled(): boolean {
        return this.#loopTimer !== null;
    }

    /** Live mode was turned on: time catches up with the wall clock from the next round. */
    started(): void {
        this.#lastWall = null;
        this.schedule(0);
    }

    /** An ingress message was accepted from `sender`: schedules its round (at once, or under load once the round interval has passed). */
    ingressSubmitted(sender: string): void {
        const now = performance.now();
        while (this.#arrivals.length > 0 && this.#arrivals[0]!.at < now - LOAD_WINDOW_MS) this.#arrivals.shift();
        const underLoad = this.#arrivals.some((a) => a.sender !== sender);
        this.#arrivals.push({ at: now, sender });
        if (this.#arrivals.length > 1000) this.#arrivals.shift();
        this.#pendingIngress++;
        const due = underLoad ? Math.max(now, this.#lastRoundStart + MIN_ROUND_INTERVAL_MS) : now;
        this.#batchDue = Math.min(this.#batchDue, due);
        this.schedule(this.#batchDue - now);
    }

    /** A round is about to tick: the waiting messages are in it, and (in live mode) time moves up to the wall clock. */
    roundStarting(): void {
        this.#lastRoundStart = performance.now();
        this.#pendingIngress = 0;
        this.#batchDue = Infinity;
        if (this.#node.live) this.#advanceClock();
    }

    /** The round has ticked (its time is the subnet's time now). */
    roundTicked(): void {
        this.#lastRoundTime = this.#node.subnet.time;
    }

    /** The round is over (durable, or failed). */
    roundEnded(): void {
        this.#lastRoundEnd = performance.now();
    }

    #advanceClock(): void {
        const subnet = this.#node.subnet;
        const wall = wallClockNs();
        let t = subnet.time;
        // Untouched since the last round: let it run on with the wall clock (also when set ahead of it).
        if (this.#lastWall !== null && t === this.#lastRoundTime && wall > this.#lastWall) t += wall - this.#lastWall;
        if (t < wall) t = wall;
        if (t <= subnet.certifiedTime) t = subnet.certifiedTime + 1n;
        subnet.time = t;
        this.#lastWall = wall;
    }

    /** Makes the auto-progress loop run in `delayMs` (live mode only), unless it is due earlier already. */
    schedule(delayMs: number): void {
        if (!this.#node.live || this.#node.closed) return;
        const due = performance.now() + Math.max(0, delayMs);
        if (this.#loopTimer !== null) {
            if (this.#loopDue <= due) return;
            this.#loopTimer.cancel();
        }
        this.#loopDue = due;
        const run = (): void => {
            this.#loopTimer = null;
            this.#loopDue = Infinity;
            void this.#loopStep();
        };
        if (delayMs <= 0) {
            // Not setTimeout(0), which waits at least 1 ms: a lone update's round starts right after pending I/O.
            const immediate = setImmediate(run);
            this.#loopTimer = { cancel: () => clearImmediate(immediate) };
            return;
        }
        const timer = setTimeout(run, delayMs);
        if (delayMs > HEARTBEAT_INTERVAL_MS) timer.unref();
        this.#loopTimer = { cancel: () => clearTimeout(timer) };
    }

    /**
     * One step of the auto-progress loop: a round when messages are due (messages between
     * canisters at once, ingress once due, see MIN_ROUND_INTERVAL_MS), else a sleep until the next
     * timer, deadline or heartbeat, else nothing (idle: no rounds at all).
     */
    async #loopStep(): Promise<void> {
        if (!this.#node.live || this.#node.closed) return;
        const now = performance.now();
        const produced = this.#node.subnet.queuedMessages.length - this.#pendingIngress;
        const ingressDue = this.#pendingIngress > 0 && this.#batchDue <= now + 0.5;
        if (produced > 0 || ingressDue || this.#wakeDue()) {
            try {
                await this.#node.runRound();
            } catch (error) {
                process.stderr.write(`replica: round failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
            }
            this.schedule(0);
            return;
        }
        if (this.#pendingIngress > 0) {
            this.schedule(this.#batchDue - now);
            return;
        }
        const sleep = this.#nextWakeMs();
        if (sleep !== null) this.schedule(Math.min(sleep, MAX_SLEEP_MS));
    }

    /** Whether a timer, deadline or heartbeat needs a round now. */
    #wakeDue(): boolean {
        const sleep = this.#nextWakeMs();
        return sleep !== null && sleep <= 0;
    }

    /** Milliseconds until the next timer, deadline or heartbeat needs a round (the subnet's `nextWake`); null if none will. */
    #nextWakeMs(): number | null {
        const subnet = this.#node.subnet;
        const { at: next, heartbeat } = subnet.nextWake();
        let ms: number | null = null;
        if (next !== null) {
            // Time runs with the wall clock from the last round's time.
            const elapsed = this.#lastWall === null ? 0n : wallClockNs() - this.#lastWall;
            const due = next - (subnet.time + (elapsed > 0n ? elapsed : 0n));
            ms = due <= 0n ? 0 : Number(due / NS_PER_MS) + 1;
        }
        if (heartbeat) {
            const beat = Math.max(0, Math.ceil(HEARTBEAT_INTERVAL_MS - (performance.now() - this.#lastRoundEnd)));
            ms = ms === null ? beat : Math.min(ms, beat);
        }
        return ms;
    }

    /** Cancels the pending run of the loop. */
    stop(): void {
        this.#loopTimer?.cancel();
        this.#loopTimer = null;
        this.#loopDue = Infinity;
    }
}
