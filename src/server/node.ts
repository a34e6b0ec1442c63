/**
 * One running replica behind the server: the embedded `Replica`, its keys, its certified
 * state tree, the rounds that drive it, and (optionally) the store that persists it.
 *
 * Every round goes through `runRound()`, one at a time: (in live mode) move time up to the
 * wall clock, `subnet.tick()`, bring the state tree up to date, persist (when a store is
 * attached, before anyone is told about the round) and, in live mode when the round answered
 * requests, sign its state once for all their certificates (during the store's fsync), then
 * wake whoever waits for a round.
 *
 * Live mode (HTTP clients attached; live-mode.ts): replica time follows the wall clock and
 * rounds run by themselves. Without live mode (a PocketIC instance driven by a test), rounds
 * run only when asked for. Request statuses in the tree: request-statuses.ts.
 */
import { Principal } from '@dfinity/principal';
import { certifiedDataPath, Replica, ReplicaKeys, ReplicaOptions, StateTree, Subnet } from '../replica/index.js';
import type { IngressStatus, Reject } from '../replica/index.js';
import { LiveMode, NS_PER_MS, wallClockNs } from './live-mode.js';
import { RequestStatuses } from './request-statuses.js';
import { toHex } from '../encoding/hex.js';
import { withFastStateSigner } from './state-signer.js';

export { wallClockNs } from './live-mode.js';

/** In live mode, a certificate older than this gets a fresh round first. */
const FRESHNESS_NS = 1_000n * NS_PER_MS;

/** Persists a node's state; `commit` is called after every round. */
export interface StateStore {
    /**
     * Writes what the last round changed. Must capture the state synchronously before its
     * first await. Calls `whileSyncing` once (if given) while the disk makes the write durable
     * (or, when there is nothing to write, before it resolves; not when writing fails).
     */
    commit(node: ReplicaNode, whileSyncing?: () => void): Promise<void>;
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
    readonly #statuses = new RequestStatuses(this);
    readonly #liveMode = new LiveMode(this);

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
        node.#statuses.trackAll();
        node.#syncTree();
        if (node.#live) node.#liveMode.schedule(0);
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
            this.#liveMode.started();
        } else {
            this.#liveMode.stop();
            // Whoever waits for the loop's next round drives rounds itself from now on.
            for (const listener of [...this.#roundListeners]) listener();
        }
    }

    // ------------------------------------------------------------------ ingress

    /** Submits an ingress message; on success its id is tracked and (in live mode) a round is scheduled. */
    submit(request: { sender: Principal; canisterId: Principal; method: string; arg: Uint8Array; effectiveCanisterId?: Principal; messageId: string }): SubmitResult {
        const result = this.subnet.submitIngress(request);
        if ('ok' in result) {
            this.#statuses.track(result.ok);
            this.#liveMode.ingressSubmitted(toHex(request.sender.toUint8Array()));
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
                if (!this.#liveMode.scheduled) this.#liveMode.schedule(0);
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
            this.#liveMode.roundEnded();
            for (const listener of [...this.#roundListeners]) listener();
        }
    }

    async #round(): Promise<void> {
        const subnet = this.subnet;
        this.#liveMode.roundStarting();
        subnet.tick();
        this.rounds++;
        this.#liveMode.roundTicked();
        const answered = this.#syncTree();
        // Clients wait for a certificate of this state: sign it in the round (once, for all
        // of them), while the log write is being made durable when there is a store.
        const sign = answered && this.#live ? () => this.#signAhead() : undefined;
        if (this.store !== null) await this.store.commit(this, sign);
        else sign?.();
    }

    /** Signs the current state before anyone asks; a failure is left to `certificate()`, which signs again and reports it to its request. */
    #signAhead(): void {
        try {
            this.tree.signature();
        } catch {
            // reported by the certificate that needs it
        }
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

    /** Brings the state tree up to date with the subnet: time, canisters, request statuses. Returns whether a request was answered. */
    #syncTree(): boolean {
        const subnet = this.subnet;
        const tree = this.tree;
        tree.setTime(subnet.certifiedTime);
        tree.syncCanisters(subnet.canisters);
        return this.#statuses.sync();
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

    /** Stops the loop, waits for the round in progress, and closes the store (which writes everything). */
    async close(): Promise<void> {
        if (this.#closed) return;
        this.#liveMode.stop();
        await this.settled();
        this.#closed = true;
        for (const listener of [...this.#roundListeners]) listener();
        if (this.store !== null) await this.store.close(this);
        await this.replica.tearDown();
    }
}
