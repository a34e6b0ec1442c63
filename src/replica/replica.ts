import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { Actor, ActorInterface, createActor, createDeferredActor, DeferredActor } from './actor.js';
import { CallRejectedError, CallTimeoutError, ReplicaTornDownError, SettingTimeIntoPastError } from './errors.js';
import { decodeManagementResult, encodeManagementArgs, ManagementArgs, ManagementMethod, ManagementResult } from './management/candid.js';
import { StableMemory } from './memory/stable-memory.js';
import { MANAGEMENT_CANISTER_ID } from './principal.js';
import { Subnet } from './subnet/index.js';
import { FaultInjector } from './faults.js';
import { ReplicaKeys } from './certification/keys.js';
import { certifiedDataPath, StateTree } from './certification/state-tree.js';
import { IngressStatus } from './state/ingress.js';
import type { InstallReport } from './management/install-report.js';
import { EMPTY_ARG, fromCandidStatus, millisToNanos, nanosToMillis, opt, toCandidSettings, toCandidUpgradeMode } from './replica-convert.js';
import { installModule, ManagementCaller } from './replica-install.js';
import {
    CallOptions,
    CanisterFixture,
    CanisterIdOptions,
    CanisterLogRecord,
    CanisterStatusResult,
    CreateCanisterOptions,
    InstallCodeOptions,
    MessageId,
    ReinstallCodeOptions,
    ReplicaOptions,
    SetupCanisterOptions,
    UpdateCanisterSettingsOptions,
    UpgradeCanisterOptions
} from './replica-types.js';

/** Cycles a canister gets from createCanister when none are named (as pic-js). */
const DEFAULT_CANISTER_CYCLES = 1_000_000_000_000_000_000n;

/**
 * The embedded replica, with the API of @dfinity/pic's `PocketIc`: tests written for
 * PocketIC read the same here. Every call runs real canister Wasm in this process.
 *
 * @example
 * ```ts
 * const replica = await Replica.create();
 * const { actor } = await replica.setupCanister<_SERVICE>({ idlFactory, wasm: '.azle/kv/kv.wasm' });
 * await actor.put('k', 'v');
 * await replica.tearDown();
 * ```
 */
export class Replica {
    #subnet: Subnet | null;
    readonly #maxRounds: number;
    /** Management canister calls, for the install steps. */
    readonly #management: ManagementCaller = (method, args, sender) => this.callManagement(method, args, sender);

    private constructor(subnet: Subnet, maxRounds: number) {
        this.#subnet = subnet;
        this.#maxRounds = maxRounds;
    }

    /**
     * Creates a replica with one application subnet. See ReplicaOptions for the defaults.
     * Unless `rootKey` or `certifyQuery` is given, it makes its own keys so that queries can
     * read a BLS-signed data certificate and `ic0.root_key_*` works, as on the IC.
     */
    static async create(options: ReplicaOptions = {}): Promise<Replica> {
        if (options.rootKey !== undefined || options.certifyQuery !== undefined) {
            return new Replica(new Subnet(options), options.maxRoundsPerCall ?? 1_000);
        }
        const keys = ReplicaKeys.generate();
        const tree = new StateTree(keys);
        const subnet: Subnet = new Subnet({
            ...options,
            subnetId: options.subnetId ?? keys.subnetId,
            rootKey: keys.rootKeyDer,
            certifyQuery: (canisterId) => {
                tree.setTime(subnet.certifiedTime);
                tree.syncCanisters(subnet.canisters);
                return tree.certificate(certifiedDataPath(canisterId));
            }
        });
        return new Replica(subnet, options.maxRoundsPerCall ?? 1_000);
    }

    /**
     * Test hook for fault injection: make the responses to a canister get lost, arrive late, or
     * make its continuation trap, e.g.
     * `replica.faults.onResponses({ receiver: upgraderId, fault: 'lose' })` (the next response only;
     * `count` for more). Delayed responses come back with `releaseDelayedResponses()`. These are
     * faults the IC can show a canister; nothing is armed unless a test arms it (see faults.ts).
     */
    get faults(): FaultInjector {
        return this.subnet.faults;
    }

    /** Puts the responses held back by `delay` faults in the queue; returns how many. */
    releaseDelayedResponses(): number {
        return this.subnet.releaseDelayedResponses();
    }

    /** The underlying state machine (for servers and benchmarks). Throws after tearDown. */
    get subnet(): Subnet {
        if (this.#subnet === null) throw new ReplicaTornDownError();
        return this.#subnet;
    }

    // ------------------------------------------------------------------ calls

    /**
     * Submits an update call and runs rounds until it completes.
     * @throws CallRejectedError when the call is rejected; CallTimeoutError when it does not finish.
     */
    async updateCall({ canisterId, method, arg = EMPTY_ARG, sender = Principal.anonymous() }: CallOptions): Promise<Uint8Array> {
        const wait = this.#submit(canisterId, method, arg, sender);
        return wait();
    }

    /** Runs a query call against the current state. @throws CallRejectedError */
    async queryCall({ canisterId, method, arg = EMPTY_ARG, sender = Principal.anonymous() }: CallOptions): Promise<Uint8Array> {
        const result = this.subnet.query({ sender, canisterId, method, arg });
        if (result.kind === 'reject') throw new CallRejectedError(result.reject, false);
        return result.payload;
    }

    #submit(canisterId: Principal, method: string, arg: Uint8Array, sender: Principal): () => Promise<Uint8Array> {
        const subnet = this.subnet;
        const submitted = subnet.submitIngress({ sender, canisterId, method, arg });
        if ('err' in submitted) throw new CallRejectedError(submitted.err, false);
        const id = submitted.ok;
        return async () => {
            for (let round = 0; ; round++) {
                const status = subnet.ingressStatus(id);
                // The facade is the only reader of its messages' statuses: drop them once read.
                if (status?.status === 'replied' || status?.status === 'rejected') subnet.forgetIngress(id);
                if (status?.status === 'replied') return status.reply;
                if (status?.status === 'rejected') throw new CallRejectedError(status.reject, true);
                if (round >= this.#maxRounds) throw new CallTimeoutError(method, this.#maxRounds);
                subnet.tick();
            }
        };
    }

    /** Calls a management canister method with typed arguments and result. */
    async callManagement<M extends ManagementMethod>(method: M, args: ManagementArgs<M>, sender: Principal = Principal.anonymous()): Promise<ManagementResult<M>> {
        const reply = await this.updateCall({ canisterId: MANAGEMENT_CANISTER_ID, method, arg: encodeManagementArgs(method, args), sender });
        return decodeManagementResult(method, reply);
    }

    createActor<T extends ActorInterface<T> = ActorInterface>(idlFactory: IDL.InterfaceFactory, canisterId: Principal): Actor<T> {
        return createActor<T>(idlFactory, canisterId, this.#transport());
    }

    /** An actor whose calls are submitted now and run only on later ticks (or when awaited). */
    createDeferredActor<T extends ActorInterface<T> = ActorInterface>(idlFactory: IDL.InterfaceFactory, canisterId: Principal): DeferredActor<T> {
        return createDeferredActor<T>(idlFactory, canisterId, this.#transport());
    }

    #transport() {
        return {
            query: (canisterId: Principal, method: string, arg: Uint8Array, sender: Principal) => this.queryCall({ canisterId, method, arg, sender }),
            update: (canisterId: Principal, method: string, arg: Uint8Array, sender: Principal) => this.updateCall({ canisterId, method, arg, sender }),
            submit: async (canisterId: Principal, method: string, arg: Uint8Array, sender: Principal) => this.#submit(canisterId, method, arg, sender)
        };
    }

    // ------------------------------------------------------------------ canisters

    /** Creates an empty canister (provisional create, as on a local replica). Returns its id. */
    async createCanister(options: CreateCanisterOptions = {}): Promise<Principal> {
        const sender = options.sender ?? Principal.anonymous();
        const settings = toCandidSettings({ ...options, controllers: options.controllers ?? [sender] });
        const result = await this.callManagement(
            'provisional_create_canister_with_cycles',
            { amount: [options.cycles ?? DEFAULT_CANISTER_CYCLES], settings: [settings], specified_id: opt(options.targetCanisterId), sender_canister_version: [] },
            sender
        );
        return result.canister_id;
    }

    /** Installs a module on an empty canister; modules over ~1.9 MB go through the chunk store. */
    async installCode(options: InstallCodeOptions): Promise<void> {
        await installModule(this.#management, options, { install: null });
    }

    async reinstallCode(options: ReinstallCodeOptions): Promise<void> {
        await installModule(this.#management, options, { reinstall: null });
    }

    async upgradeCanister(options: UpgradeCanisterOptions): Promise<void> {
        await installModule(this.#management, options, toCandidUpgradeMode(options.upgradeModeOptions));
    }

    /** What the last install_code of `canisterId` measured (see `Subnet.lastInstall`); not an IC API. */
    lastInstall(canisterId: Principal): InstallReport | undefined {
        return this.subnet.lastInstall(canisterId);
    }

    /** Creates a canister, installs `wasm` and returns an actor for it. */
    async setupCanister<T extends ActorInterface<T> = ActorInterface>(options: SetupCanisterOptions): Promise<CanisterFixture<T>> {
        const canisterId = await this.createCanister(options);
        await this.installCode({ canisterId, wasm: options.wasm, arg: options.arg, sender: options.sender });
        return { actor: this.createActor<T>(options.idlFactory, canisterId), canisterId };
    }

    async startCanister({ canisterId, sender = Principal.anonymous() }: CanisterIdOptions): Promise<void> {
        await this.callManagement('start_canister', { canister_id: canisterId }, sender);
    }

    /** Stops a canister, running rounds until its open call contexts close (or the stop times out). */
    async stopCanister({ canisterId, sender = Principal.anonymous() }: CanisterIdOptions): Promise<void> {
        await this.callManagement('stop_canister', { canister_id: canisterId }, sender);
    }

    async canisterStatus({ canisterId, sender = Principal.anonymous() }: CanisterIdOptions): Promise<CanisterStatusResult> {
        return fromCandidStatus(await this.callManagement('canister_status', { canister_id: canisterId }, sender));
    }

    async updateCanisterSettings({ canisterId, sender = Principal.anonymous(), ...settings }: UpdateCanisterSettingsOptions): Promise<void> {
        await this.callManagement('update_settings', { canister_id: canisterId, settings: toCandidSettings(settings), sender_canister_version: [] }, sender);
    }

    /** Controllers of a canister, read directly from the state (no authorization needed). */
    async getControllers(canisterId: Principal): Promise<Principal[]> {
        return [...this.#existing(canisterId).settings.controllers];
    }

    async getCyclesBalance(canisterId: Principal): Promise<bigint> {
        return this.#existing(canisterId).cycles;
    }

    /** Adds cycles to a canister; returns the new balance. */
    async addCycles(canisterId: Principal, amount: bigint): Promise<bigint> {
        const canister = this.#existing(canisterId);
        canister.cycles += amount;
        return canister.cycles;
    }

    async getStableMemory(canisterId: Principal): Promise<Uint8Array> {
        const code = this.#existing(canisterId).code;
        return code === null ? new Uint8Array(0) : code.stable.toBytes();
    }

    async setStableMemory(canisterId: Principal, stableMemory: Uint8Array): Promise<void> {
        const code = this.#existing(canisterId).code;
        if (code === null) throw new Error(`Canister ${canisterId.toText()} has no Wasm module: install code before setting its stable memory`);
        code.stable = StableMemory.fromBytes(stableMemory, this.subnet.pageStore);
    }

    #existing(canisterId: Principal) {
        const canister = this.subnet.canister(canisterId);
        if (canister === undefined) throw new Error(`Canister ${canisterId.toText()} not found on this replica`);
        return canister;
    }

    // ------------------------------------------------------------------ time and rounds

    /** Runs `times` rounds. Default: 1. */
    async tick(times = 1): Promise<void> {
        for (let i = 0; i < times; i++) this.subnet.tick();
    }

    /** The time of the next round, in milliseconds since the epoch. */
    async getTime(): Promise<number> {
        return nanosToMillis(this.subnet.time);
    }

    /** Sets the time of the next round (ms since the epoch, or a Date). Queries see it after the next tick. */
    async setTime(time: Date | number): Promise<void> {
        const ns = millisToNanos(time);
        if (ns < this.subnet.time) throw new SettingTimeIntoPastError(this.subnet.time, ns);
        this.subnet.time = ns;
    }

    /** Sets the time of the next round and of queries at once. */
    async setCertifiedTime(time: Date | number): Promise<void> {
        await this.setTime(time);
        this.subnet.certifiedTime = this.subnet.time;
    }

    /** Moves the time forward by `duration` milliseconds. */
    async advanceTime(duration: number): Promise<void> {
        await this.setTime((await this.getTime()) + duration);
    }

    async advanceCertifiedTime(duration: number): Promise<void> {
        await this.setCertifiedTime((await this.getTime()) + duration);
    }

    /** Sets the time to the wall clock. */
    async resetTime(): Promise<void> {
        await this.setTime(Math.max(Date.now(), await this.getTime()));
    }

    async resetCertifiedTime(): Promise<void> {
        await this.setCertifiedTime(Math.max(Date.now(), await this.getTime()));
    }

    /** The one application subnet's id. */
    async getCanisterSubnetId(canisterId: Principal): Promise<Principal | null> {
        return this.subnet.canister(canisterId) === undefined ? null : this.subnet.subnetId;
    }

    /** An id inside the subnet's canister range, for effective canister ids. */
    async getDefaultEffectiveCanisterId(): Promise<Principal> {
        return Principal.fromText('lxzze-o7777-77777-aaaaa-cai');
    }

    /** Frees every instance; the replica cannot be used afterwards. */
    async tearDown(): Promise<void> {
        this.#subnet?.evictInstances();
        this.#subnet = null;
    }

    // ------------------------------------------------------------------ calls in steps (as PocketIC's submit_call, ingress_status, await_call)

    /** Submits an update call without running any round; returns its message id. @throws CallRejectedError when refused before execution */
    async submitCall({ canisterId, method, arg = EMPTY_ARG, sender = Principal.anonymous() }: CallOptions): Promise<MessageId> {
        const submitted = this.subnet.submitIngress({ sender, canisterId, method, arg });
        if ('err' in submitted) throw new CallRejectedError(submitted.err, false);
        return submitted.ok;
    }

    /** The request status of a submitted call (spec §6.3: received, processing, replied, rejected, done); null when unknown. */
    async ingressStatus(messageId: MessageId): Promise<IngressStatus | null> {
        return this.subnet.ingressStatus(messageId);
    }

    /** Runs rounds until a submitted call is answered. @throws CallRejectedError, CallTimeoutError */
    async awaitCall(messageId: MessageId): Promise<Uint8Array> {
        for (let round = 0; ; round++) {
            const status = this.subnet.ingressStatus(messageId);
            if (status === null) throw new Error(`No call with message id ${messageId} on this replica: submit it with submitCall first`);
            if (status.status === 'replied') return status.reply;
            if (status.status === 'rejected') throw new CallRejectedError(status.reject, true);
            if (status.status === 'done') throw new Error(`The answer to call ${messageId} was already pruned: await it sooner after submitting`);
            if (round >= this.#maxRounds) throw new CallTimeoutError(`message ${messageId}`, this.#maxRounds);
            this.subnet.tick();
        }
    }

    // ------------------------------------------------------------------ subnet facts a client can read

    /** The subnet's public key, DER-encoded: with one subnet, the root key agents verify certificates with (as PocketIc.getPubKey). */
    async getPubKey(subnetId: Principal): Promise<Uint8Array> {
        if (subnetId.toText() !== this.subnet.subnetId.toText()) throw new Error(`No subnet ${subnetId.toText()} on this replica: its one subnet is ${this.subnet.subnetId.toText()}`);
        const key = this.subnet.rootKey;
        if (key === null) throw new Error('This replica was created with its own certifyQuery and no rootKey: pass rootKey to Replica.create to read it');
        return key;
    }

    /** The canister's log, as the management canister's fetch_canister_logs query returns it to `sender` (log_visibility applies). @throws CallRejectedError */
    async fetchCanisterLogs({ canisterId, sender = Principal.anonymous() }: CanisterIdOptions): Promise<CanisterLogRecord[]> {
        const reply = await this.queryCall({ canisterId: MANAGEMENT_CANISTER_ID, method: 'fetch_canister_logs', arg: encodeManagementArgs('fetch_canister_logs', { canister_id: canisterId }), sender });
        return decodeManagementResult('fetch_canister_logs', reply).canister_log_records;
    }
}
