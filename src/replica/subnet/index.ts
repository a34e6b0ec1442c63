import type { Principal } from '@dfinity/principal';
import type { FaultInjector } from '../faults.js';
import { ManagementCanister } from '../management/index.js';
import type { PageStore } from '../memory/page-store.js';
import type { CallResult, Reject } from '../reject.js';
import type { Canister } from '../state/canister.js';
import type { InstallReport } from '../management/install-report.js';
import type { IngressRecord, IngressStatus } from '../state/ingress.js';
import type { Message } from '../state/messages.js';
import { SubnetCore } from './core.js';
import { IngressRequest, submitIngress } from './ingress.js';
import { SubnetCounters, SubnetOptions } from './options.js';
import { managementPort } from './port.js';
import { query, QueryRequest } from './queries.js';
import { nextWake, tick, Wake } from './rounds.js';

export type { ExecutionEvent, ManagementCallEvent, SubnetCounters, SubnetOptions } from './options.js';
export type { IngressRequest } from './ingress.js';
export type { QueryRequest } from './queries.js';
export type { Wake } from './rounds.js';

/**
 * One IC subnet: its canisters, the queue of messages between them, time, and the rounds
 * that execute them. A pure state machine: no I/O, no timers; `tick()` runs one round.
 *
 * Its state is private: canisters, messages and ingress records change only through rounds,
 * the management canister (which reaches the subnet through `ManagementPort`), and the few
 * restore methods persistence uses. Split by concern: rounds.ts, ingress.ts, queries.ts,
 * effects.ts (what a committed execution changes), port.ts (the management canister's view).
 */
export class Subnet {
    readonly #core: SubnetCore;

    constructor(options: SubnetOptions = {}) {
        this.#core = new SubnetCore(options, (core) => new ManagementCanister(managementPort(core)));
    }

    get subnetId(): Principal {
        return this.#core.subnetId;
    }

    /** DER root key exposed through ic0.root_key_*, or null. */
    get rootKey(): Uint8Array | null {
        return this.#core.rootKey;
    }

    /** The page store of canisters and snapshots (persistence interns restored pages in it). */
    get pageStore(): PageStore {
        return this.#core.pageStore;
    }

    /** Test hook: faults to inject into responses (see faults.ts). Nothing is armed by default. */
    get faults(): FaultInjector {
        return this.#core.faults;
    }

    /** Test hook: puts the responses held by `delay` faults back in the queue, for the next round. */
    releaseDelayedResponses(): number {
        const released = this.#core.faults.releaseDelayed();
        this.#core.queue.push(...released);
        return released.length;
    }

    /** Time of the next round, in ns. Set it to move time on (never before `certifiedTime`). */
    get time(): bigint {
        return this.#core.time;
    }

    set time(ns: bigint) {
        this.#core.time = ns;
    }

    /** Time of the last round, which queries and certificates see (PocketIC's "certified time"), in ns. */
    get certifiedTime(): bigint {
        return this.#core.certifiedTime;
    }

    set certifiedTime(ns: bigint) {
        this.#core.certifiedTime = ns;
    }

    /** Index of the next canister id handed out (persistence saves and restores it). */
    get nextCanisterIndex(): bigint {
        return this.#core.nextCanisterIndex;
    }

    set nextCanisterIndex(index: bigint) {
        this.#core.nextCanisterIndex = index;
    }

    /**
     * The counters no other state determines (call context, callback and ingress ids, the
     * raw_rand counter, the last storage charge). Persistence (src/replica/persistence)
     * saves them so that ids handed out after a restart never collide with restored ones.
     */
    exportCounters(): SubnetCounters {
        return { ...this.#core.counters };
    }

    /** Restores what `exportCounters` returned (before the first round after a restart). */
    importCounters(counters: SubnetCounters): void {
        this.#core.counters = { ...counters };
    }

    // ----------------------------------------------------------------- canisters

    canister(id: Principal): Canister | undefined {
        return this.#core.canister(id);
    }

    /** Every canister, by id text (read-only: canisters come and go through the management canister). */
    get canisters(): ReadonlyMap<string, Canister> {
        return this.#core.canisters;
    }

    /**
     * What the last install_code cascade of a canister measured (instructions per entry point,
     * memory sizes before and after), or undefined if none ran since this subnet was created.
     * An observation of the embedded replica for rehearsals; the IC offers no such API.
     */
    lastInstall(id: Principal): InstallReport | undefined {
        return this.#core.lastInstalls.get(id.toText());
    }

    /** Persistence only: puts a restored canister back, replacing any with its id. */
    restoreCanister(canister: Canister): void {
        this.#core.canisters.set(canister.idText, canister);
    }

    /** Frees every live instance; they are rebuilt from the committed images when next used. */
    evictInstances(): void {
        this.#core.pool.evictAll();
    }

    /** How many canister code states have a running instance now (benchmarks and tests). */
    get liveInstanceCount(): number {
        return this.#core.pool.liveCount;
    }

    // ----------------------------------------------------------------- rounds

    /** Runs one round: expiries, timers and heartbeats, then every message queued before it. */
    tick(): void {
        tick(this.#core);
    }

    /** Messages waiting for the next round, in order. */
    get queuedMessages(): readonly Message[] {
        return this.#core.queue;
    }

    /** Persistence only: the queue as it was saved. */
    restoreQueue(messages: Message[]): void {
        this.#core.queue = [...messages];
    }

    /**
     * When a round next has work besides queued messages: the earliest timer, call deadline
     * or stop timeout, and whether a heartbeat runs every round. A server with its own clock
     * sleeps until then.
     */
    nextWake(): Wake {
        return nextWake(this.#core);
    }

    // ----------------------------------------------------------------- ingress

    /**
     * Checks and queues an ingress update call. Returns the message id, or the reject that
     * refused it before execution (as the IC does for a non-replicated rejection).
     */
    submitIngress(request: IngressRequest): { ok: string } | { err: Reject } {
        return submitIngress(this.#core, request);
    }

    /**
     * The checks the management canister makes on an ingress message before it is queued;
     * returns its effective canister id (null when any will do), or the reject.
     */
    checkManagementIngress(sender: Principal, method: string, arg: Uint8Array): { ok: Principal | null } | { err: Reject } {
        return this.#core.management.checkIngress(sender, method, arg);
    }

    ingressStatus(id: string): IngressStatus | null {
        return this.#core.ingress.get(id)?.status ?? null;
    }

    /** Every ingress record, by message id (read-only). */
    get ingress(): ReadonlyMap<string, Readonly<IngressRecord>> {
        return this.#core.ingress;
    }

    /** Marks a message `done` (its answer is no longer kept); returns the new status, or null if there is no record `id`. */
    markIngressDone(id: string): IngressStatus | null {
        const record = this.#core.ingress.get(id);
        if (record === undefined) return null;
        record.status = { status: 'done' };
        record.updatedAt = this.#core.time;
        return record.status;
    }

    /** Forgets an ingress record (its status can no longer be read). */
    forgetIngress(id: string): void {
        this.#core.ingress.delete(id);
    }

    /** Persistence only: puts a saved ingress record back. */
    restoreIngress(record: IngressRecord): void {
        this.#core.ingress.set(record.id, record);
    }

    // ----------------------------------------------------------------- queries

    /** Executes a query call against the current state (non-replicated); nothing persists. */
    query(request: QueryRequest): CallResult {
        return query(this.#core, request);
    }
}
