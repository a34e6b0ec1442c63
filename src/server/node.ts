/**
 * One running replica behind the server: the embedded `Replica`, its keys, its certified
 * state tree, the rounds that drive it, and (optionally) the store that persists it.
 *
 * Every round goes through `runRound()`, one at a time: (in live mode) move time up to the
 * wall clock, `subnet.tick()`, bring the state tree up to date, persist (when a store is
 * attached, before anyone is told about the round), then wake whoever waits for a round.
 *
 * Live mode (HTTP clients attached): replica time follows the wall clock, and an
 * auto-progress loop runs rounds back to back while messages are queued and sleeps until
 * the next timer, deadline or heartbeat otherwise (no rounds at all when idle). Without
 * live mode (a PocketIC instance driven by a test), rounds run only when asked for.
 */
import { Principal } from '@dfinity/principal';
import { certifiedDataPath, Replica, ReplicaKeys, ReplicaOptions, StateTree, Subnet } from '../replica/index.js';
import type { IngressStatus, Reject } from '../replica/index.js';
import { fromHex } from '../encoding/hex.js';
import { withFastStateSigner } from './state-signer.js';

const NS_PER_MS = 1_000_000n;
/** Answered request statuses become `done` this long after they were answered, and are removed as long again later. */
const REQUEST_STATUS_RETENTION_NS = 5n * 60n * 1_000_000_000n;
/** In live mode, a certificate older than this gets a fresh round first. */
const FRESHNESS_NS = 1_000n * NS_PER_MS;
/** Round interval while heartbeat canisters exist and nothing else is queued. */
const HEARTBEAT_INTERVAL_MS = 100;
/** Longest sleep of the auto-progress loop (it re-plans after that). */
const MAX_SLEEP_MS = 60_000;
/**
 * Batching under load: while several senders are at work (two or more submitted within the
 * last LOAD_WINDOW_MS), a round waits BATCH_WINDOW_MS after the first message waiting for
 * it, so that one round, and one certificate, serves many; a lone client's message runs at
 * once. (Each response must carry a certificate of a state containing its status: shared
 * certificates are what makes many clients cheap to serve, for the replica and for clients
 * that remember verified signatures.)
 */
const LOAD_WINDOW_MS = 100;
const BATCH_WINDOW_MS = 20;

export function wallClockNs(): bigint {
    return BigInt(Date.now()) * NS_PER_MS;
}

/** Persists a node's state; `commit` is called after every round. */
export interface StateStore {
    /** Writes what the last round changed. Must capture the state synchronously before its first await. */
    commit(node: ReplicaNode): Promise<void>;
    /** Writes everything and releases the store. */
    close(node: ReplicaNode): Promise<void>;
}

export interface ReplicaNodeOptions {
    keys: ReplicaKeys;
    /** Options of the embedded replica (time, cost schedule, ...); ids, keys and certification are set by the node. */
    replicaOptions?: ReplicaOptions;
    /** Live mode from the start. Default: false. */
    live?: boolean;
    /** Whether sender signatures of HTTP requests are verified. Default: true. */
    verifySignatures?: boolean;
    /** Fills a freshly created subnet from saved state before anything runs. */
    restore?: (subnet: Subnet) => void;
    /** Persistence; attached before the first round. */
    store?: StateStore;
}

export type SubmitResult = { ok: string } | { err: Reject };

/** The store failed to persist a round: the state in memory is ahead of the disk, so the node serves nothing more. */
export class ReplicaFailedError extends Error {
    constructor(readonly cause: Error) {
        super(`The replica could not persist its state (${cause.message}); what it holds in memory is not durable, so it answers nothing more. Fix the cause and restart it: it resumes from the last durable round.`);
    }
}

export class ReplicaNode {
    readonly replica: Replica;
    readonly keys: ReplicaKeys;
    readonly tree: StateTree;
    readonly verifySignatures: boolean;
    store: StateStore | null;
    /** Rounds run since start. */
    rounds = 0;
    #live: boolean;
    #closed = false;
    #failure: ReplicaFailedError | null = null;
    #busy: Promise<void> | null = null;
    #roundListeners = new Set<() => void>();
    /** Request ids (hex) whose status may still change, with the status last published. */
    readonly #tracked = new Map<string, IngressStatus | null>();
    /** Answered requests in the order they were answered: when to mark them done, then remove them. */
    #answered: Array<{ id: string; at: bigint }> = [];
    #done: Array<{ id: string; at: bigint }> = [];
    /** The pending run of the auto-progress loop, and when it is due (performance.now() ms). */
    #loopTimer: NodeJS.Timeout | null = null;
    #loopDue = Infinity;
    /** Recent ingress arrivals (performance.now() ms and sender), oldest first: are several clients at work? */
    #arrivals: Array<{ at: number; sender: string }> = [];
    /** Ingress messages submitted since the last round started, and when the earliest of them should run. */
    #pendingIngress = 0;
    #batchDue = Infinity;
    #batchStart = Infinity;
    /** When the last round ended (performance.now() ms). */
    #lastRoundEnd = -Infinity;
    #lastWall: bigint | null = null;
    #lastRoundTime: bigint | null = null;

    private constructor(replica: Replica, keys: ReplicaKeys, tree: StateTree, options: ReplicaNodeOptions) {
        this.replica = replica;
        this.keys = keys;
        this.tree = tree;
        this.verifySignatures = options.verifySignatures ?? true;
        this.store = options.store ?? null;
        this.#live = options.live ?? false;
    }

    static async create(options: ReplicaNodeOptions): Promise<ReplicaNode> {
        const keys = await withFastStateSigner(options.keys);
        const tree = new StateTree(keys);
        let node: ReplicaNode | null = null;
        const replica = await Replica.create({
            ...options.replicaOptions,
            subnetId: keys.subnetId,
            rootKey: keys.rootKeyDer,
            certifyQuery: (canisterId) => node!.dataCertificate(canisterId)
        });
        node = new ReplicaNode(replica, keys, tree, options);
        options.restore?.(replica.subnet);
        node.#trackAll();
        node.#syncTree();
        if (node.#live) node.#schedule(0);
        return node;
    }

    get subnet(): Subnet {
        return this.replica.subnet;
    }

    get live(): boolean {
        return this.#live;
    }

    get closed(): boolean {
        return this.#closed;
    }

    /** Set once persisting a round failed; the node then serves nothing more. */
    get failure(): ReplicaFailedError | null {
        return this.#failure;
    }

    /** Turns live mode (wall-clock time, automatic rounds) on or off. */
    setLive(live: boolean): void {
        this.#live = live;
        if (live) {
            this.#lastWall = null;
            this.#schedule(0);
        } else {
            this.#stopLoop();
            // Whoever waits for the loop's next round drives rounds itself from now on.
            for (const listener of [...this.#roundListeners]) listener();
        }
    }

    // ------------------------------------------------------------------ ingress

    /** Submits an ingress message; on success its id is tracked and (in live mode) a round is scheduled. */
    submit(request: { sender: Principal; canisterId: Principal; method: string; arg: Uint8Array; effectiveCanisterId?: Principal; messageId: string }): SubmitResult {
        const result = this.subnet.submitIngress(request);
        if ('ok' in result) {
            this.#tracked.set(result.ok, null);
            const now = performance.now();
            const sender = request.sender.toText();
            while (this.#arrivals.length > 0 && this.#arrivals[0]!.at < now - LOAD_WINDOW_MS) this.#arrivals.shift();
            const underLoad = this.#arrivals.some((a) => a.sender !== sender);
            this.#arrivals.push({ at: now, sender });
            if (this.#arrivals.length > 1000) this.#arrivals.shift();
            this.#pendingIngress++;
            if (this.#batchStart === Infinity) this.#batchStart = now;
            this.#batchDue = Math.min(this.#batchDue, underLoad ? this.#batchStart + BATCH_WINDOW_MS : now);
            this.#schedule(this.#batchDue - now);
        }
        return result;
    }

    ingressStatus(id: string): IngressStatus | null {
        return this.subnet.ingressStatus(id);
    }

    /**
     * Waits until the message is answered (replied or rejected) and that is durable.
     * Drives rounds itself unless the node is live (then the auto-progress loop does).
     * Returns null when `timeoutMs` or `maxRounds` passes first, or the message is unknown.
     */
    async awaitIngress(id: string, limits: { timeoutMs?: number; maxRounds?: number } = {}): Promise<IngressStatus | null> {
        const deadline = limits.timeoutMs === undefined ? Infinity : Date.now() + limits.timeoutMs;
        const maxRounds = limits.maxRounds ?? Infinity;
        let rounds = 0;
        for (;;) {
            const status = await this.whenSettled(() => this.ingressStatus(id));
            if (status === null) return null;
            if (status.status === 'replied' || status.status === 'rejected' || status.status === 'done') return status;
            if (this.#closed || Date.now() >= deadline || rounds >= maxRounds) return null;
            if (this.#live) {
                if (this.#loopTimer === null) this.#schedule(0);
                await this.#nextRound(deadline - Date.now());
            } else {
                await this.runRound();
            }
            rounds++;
        }
    }

    // ------------------------------------------------------------------ rounds

    /** Runs one round (waiting for any round in progress first); resolves once it is durable. */
    async runRound(): Promise<void> {
        while (this.#busy !== null) await this.#busy;
        if (this.#closed) return;
        if (this.#failure !== null) throw this.#failure;
        const round = this.#round();
        this.#busy = round;
        try {
            await round;
        } catch (error) {
            if (this.store === null) throw error;
            this.#failure ??= new ReplicaFailedError(error instanceof Error ? error : new Error(String(error)));
            throw this.#failure;
        } finally {
            this.#busy = null;
            this.#lastRoundEnd = performance.now();
            for (const listener of [...this.#roundListeners]) listener();
        }
    }

    async #round(): Promise<void> {
        const subnet = this.subnet;
        this.#pendingIngress = 0;
        this.#batchDue = Infinity;
        this.#batchStart = Infinity;
        if (this.#live) this.#advanceClock();
        subnet.tick();
        this.rounds++;
        this.#lastRoundTime = subnet.time;
        this.#syncTree();
        if (this.store !== null) await this.store.commit(this);
    }

    /** Resolves when no round is in progress (state and tree are consistent and durable). */
    async settled(): Promise<void> {
        while (this.#busy !== null) {
            try {
                await this.#busy;
            } catch {
                // the round's own caller reports its failure
            }
        }
    }

    /**
     * Runs `fn` on a settled state: no round in progress, so nothing a crash could lose is
     * visible (a round's state is durable before the round ends). `fn` runs in the same turn
     * as the check, so no round can start in between. @throws ReplicaFailedError after a failed write.
     */
    async whenSettled<T>(fn: () => T): Promise<T> {
        for (;;) {
            if (this.#failure !== null) throw this.#failure;
            if (this.#busy === null) return fn();
            try {
                await this.#busy;
            } catch {
                // the round's own caller reports its failure
            }
        }
    }

    /** In live mode, runs a round first if the certified time lags the wall clock. */
    async ensureFresh(): Promise<void> {
        if (!this.#live) return;
        const wall = wallClockNs();
        if (wall - this.subnet.certifiedTime > FRESHNESS_NS) await this.runRound();
    }

    #nextRound(timeoutMs: number): Promise<void> {
        return new Promise((resolve) => {
            const done = (): void => {
                clearTimeout(timer);
                this.#roundListeners.delete(done);
                resolve();
            };
            const timer = setTimeout(done, Math.max(0, Math.min(timeoutMs, 2_147_483_647)));
            this.#roundListeners.add(done);
        });
    }

    #advanceClock(): void {
        const subnet = this.subnet;
        const wall = wallClockNs();
        let t = subnet.time;
        // Untouched since the last round: let it run on with the wall clock (also when set ahead of it).
        if (this.#lastWall !== null && t === this.#lastRoundTime && wall > this.#lastWall) t += wall - this.#lastWall;
        if (t < wall) t = wall;
        if (t <= subnet.certifiedTime) t = subnet.certifiedTime + 1n;
        subnet.time = t;
        this.#lastWall = wall;
    }

    /** Brings the state tree up to date with the subnet: time, canisters, request statuses. */
    #syncTree(): void {
        const subnet = this.subnet;
        const tree = this.tree;
        tree.setTime(subnet.certifiedTime);
        tree.syncCanisters(subnet.canisters);
        for (const [id, published] of this.#tracked) {
            const record = subnet.ingress.get(id);
            if (record === undefined) {
                this.#tracked.delete(id);
                if (published !== null) tree.setRequestStatus(fromHex(id), null);
                continue;
            }
            const status = record.status;
            if (status === published) continue;
            if (isHex32(id)) tree.setRequestStatus(fromHex(id), status);
            if (status.status === 'replied' || status.status === 'rejected') {
                this.#tracked.delete(id);
                this.#answered.push({ id, at: subnet.time });
            } else if (status.status === 'done') {
                this.#tracked.delete(id);
                this.#done.push({ id, at: subnet.time });
            } else {
                this.#tracked.set(id, status);
            }
        }
        this.#expireStatuses();
    }

    /** Answered statuses turn `done` after the retention period, and disappear after another. */
    #expireStatuses(): void {
        const subnet = this.subnet;
        const now = subnet.time;
        while (this.#answered.length > 0 && this.#answered[0]!.at + REQUEST_STATUS_RETENTION_NS <= now) {
            const { id } = this.#answered.shift()!;
            const done = subnet.markIngressDone(id);
            if (done === null) continue;
            if (isHex32(id)) this.tree.setRequestStatus(fromHex(id), done);
            this.#done.push({ id, at: now });
        }
        while (this.#done.length > 0 && this.#done[0]!.at + REQUEST_STATUS_RETENTION_NS <= now) {
            const { id } = this.#done.shift()!;
            subnet.forgetIngress(id);
            if (isHex32(id)) this.tree.setRequestStatus(fromHex(id), null);
        }
    }

    /** Starts tracking every ingress record of a restored subnet. */
    #trackAll(): void {
        const records = [...this.subnet.ingress.values()].sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
        for (const record of records) {
            const status = record.status.status;
            if (status === 'received' || status === 'processing') {
                this.#tracked.set(record.id, null);
            } else {
                if (isHex32(record.id)) this.tree.setRequestStatus(fromHex(record.id), record.status);
                (status === 'done' ? this.#done : this.#answered).push({ id: record.id, at: record.updatedAt });
            }
        }
    }

    /** Makes `ns` the time of the next round and of queries and certificates at once (PocketIC's set_certified_time). */
    setCertifiedTime(ns: bigint): void {
        const subnet = this.subnet;
        if (subnet.time < ns) subnet.time = ns;
        subnet.certifiedTime = ns;
        this.tree.setTime(ns);
    }

    // ------------------------------------------------------------------ certification

    /** A certificate revealing `paths` (and /time) of the current state. */
    certificate(paths: ReadonlyArray<ReadonlyArray<Uint8Array>>): Uint8Array {
        return this.tree.certificate(paths);
    }

    /** The certificate a query may read through ic0.data_certificate_copy. */
    dataCertificate(canisterId: Principal): Uint8Array {
        return this.tree.certificate(certifiedDataPath(canisterId));
    }

    // ------------------------------------------------------------------ auto progress

    /** Makes the auto-progress loop run in `delayMs` (live mode only), unless it is due earlier already. */
    #schedule(delayMs: number): void {
        if (!this.#live || this.#closed) return;
        const due = performance.now() + Math.max(0, delayMs);
        if (this.#loopTimer !== null) {
            if (this.#loopDue <= due) return;
            clearTimeout(this.#loopTimer);
        }
        this.#loopDue = due;
        this.#loopTimer = setTimeout(() => {
            this.#loopTimer = null;
            this.#loopDue = Infinity;
            void this.#loopStep();
        }, Math.max(0, delayMs));
        if (delayMs > HEARTBEAT_INTERVAL_MS) this.#loopTimer.unref();
    }

    /**
     * One step of the auto-progress loop: a round when messages are due (messages between
     * canisters at once, ingress after its batching delay), else a sleep until the next
     * timer, deadline or heartbeat, else nothing (idle: no rounds at all).
     */
    async #loopStep(): Promise<void> {
        if (!this.#live || this.#closed) return;
        const now = performance.now();
        const produced = this.subnet.queuedMessages.length - this.#pendingIngress;
        const ingressDue = this.#pendingIngress > 0 && this.#batchDue <= now + 0.5;
        if (produced > 0 || ingressDue || this.#wakeDue()) {
            try {
                await this.runRound();
            } catch (error) {
                process.stderr.write(`replica: round failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
            }
            this.#schedule(0);
            return;
        }
        if (this.#pendingIngress > 0) {
            this.#schedule(this.#batchDue - now);
            return;
        }
        const sleep = this.#nextWakeMs();
        if (sleep !== null) this.#schedule(Math.min(sleep, MAX_SLEEP_MS));
    }

    /** Whether a timer, deadline or heartbeat needs a round now. */
    #wakeDue(): boolean {
        const sleep = this.#nextWakeMs();
        return sleep !== null && sleep <= 0;
    }

    /** Milliseconds until the next timer, deadline or heartbeat needs a round (the subnet's `nextWake`); null if none will. */
    #nextWakeMs(): number | null {
        const subnet = this.subnet;
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

    #stopLoop(): void {
        if (this.#loopTimer !== null) clearTimeout(this.#loopTimer);
        this.#loopTimer = null;
        this.#loopDue = Infinity;
    }

    /** Stops the loop, waits for the round in progress, and closes the store (which writes everything). */
    async close(): Promise<void> {
        if (this.#closed) return;
        this.#stopLoop();
        await this.settled();
        this.#closed = true;
        for (const listener of [...this.#roundListeners]) listener();
        if (this.store !== null) await this.store.close(this);
        await this.replica.tearDown();
    }
}

function isHex32(id: string): boolean {
    return id.length === 64 && /^[0-9a-f]{64}$/.test(id);
}
