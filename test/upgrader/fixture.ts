/**
 * Shared setup of the upgrader tests: principals, deploying the upgrader and apps on the
 * embedded replica, uploading modules, and waiting for executions. Each test file builds its own
 * replica with these helpers; nothing here keeps state between files.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { AppConfig } from '../../canisters/demo_app/v1/types';
import {
    type AppInfo,
    idlFactory,
    InitArgs,
    type InstallSettings,
    type ModuleInfo,
    type Outcome,
    type Policy,
    type Proposal,
    type Result,
    ResultProposalId,
    ResultResume,
    type ResumeResult,
    type SnapshotPolicy,
    type UpgradeOptions,
    type UpgradeRequest,
    UpgradeRequest as UpgradeRequestIdl,
    type UpgraderService
} from '../../canisters/upgrader/types';
import { CHUNK_BYTES } from '../../canisters/upgrader/limits';
import { wasmPath } from '../../scripts/paths';
import { toHex } from '../../src/encoding/hex';
import { type Actor, CallRejectedError, Replica } from '../../src/replica/index';

/** A principal from a readable seed (self-authenticating style, distinct per name). */
export function principalOf(name: string): Principal {
    const bytes = createHash('sha256').update(name).digest().subarray(0, 28);
    return Principal.fromUint8Array(new Uint8Array([...bytes, 0x02]));
}

export const admin = principalOf('admin');
export const recovery = principalOf('recovery');
export const alice = principalOf('alice');
export const bob = principalOf('bob');
export const carol = principalOf('carol');
export const maintainer = principalOf('maintainer');
export const stranger = principalOf('stranger');

export type Upgrader = Actor<UpgraderService>;

/** The module bytes of a built canister, and their SHA-256. */
export type Module = { name: string; bytes: Uint8Array; hash: Uint8Array };

export function loadModule(name: string): Module {
    const bytes = new Uint8Array(readFileSync(wasmPath(name)));
    return { name, bytes, hash: sha256(bytes) };
}

export function sha256(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** Unwraps `{ Ok }`, failing the test with the error otherwise. */
export function ok<T>(result: Result<T>): T {
    if ('Err' in result) throw new Error(`expected Ok, got Err ${stringify(result.Err)}`);
    return result.Ok;
}

/** The error of a result that must be `{ Err }`. */
export function err<T>(result: Result<T>): Exclude<Result<T>, { Ok: T }>['Err'] {
    if ('Ok' in result) throw new Error(`expected Err, got Ok ${stringify(result.Ok)}`);
    return result.Err;
}

function stringify(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Principal ? v.toText() : v instanceof Uint8Array ? toHex(v) : v));
}

export function policyOf(voters: Array<[Principal, number]>, threshold: number, options: Partial<Policy> = {}): Policy {
    return {
        voters: voters.map(([principal, weight]) => ({ principal, weight })),
        threshold,
        proposers: [maintainer],
        proposal_lifetime_seconds: 3_600n,
        health_check: ['health'],
        ...options
    };
}

export const DEFAULT_POLICY = policyOf(
    [
        [alice, 1],
        [bob, 1],
        [carol, 1]
    ],
    2
);
export const DEFAULT_SNAPSHOTS: SnapshotPolicy = { keep: 2, required: false, rehearse: false };

export const SAFE_OPTIONS: UpgradeOptions = { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] };

/** The demo app's post_upgrade argument that changes nothing. */
export const KEEP_CONFIG = new Uint8Array(IDL.encode([AppConfig], [{ owner: [], upgrader: [] }]));

export function upgradeRequest(module: Module, options: Partial<UpgradeOptions> = {}, arg: Uint8Array = KEEP_CONFIG, downgrade = false): UpgradeRequest {
    return { module_hash: module.hash, arg, options: { ...SAFE_OPTIONS, ...options }, downgrade };
}

/** A private deployment's settings: free registration and storage, default bounds. */
const FREE_SETTINGS: InstallSettings = { registration_fee: 0n, storage_fee_per_mib: 0n, max_apps: [], max_proposals_kept: [], max_audit_entries_per_app: [] };

/**
 * Creates the upgrader canister (controlled by `admin`) with `cycles`, installs it with `settings`
 * (default: FREE_SETTINGS, so ingress callers can register and upload; tests of payment set prices)
 * and seals it, as every real deployment is, unless `sealed: false` (tests that upgrade the
 * upgrader itself).
 */
export async function deployUpgrader(replica: Replica, settings: Partial<InstallSettings> = {}, cycles = 100_000_000_000_000_000n, options: { sealed?: boolean } = {}): Promise<{ id: Principal; upgrader: Upgrader }> {
    const id = await replica.createCanister({ sender: admin, cycles });
    const arg = new Uint8Array(IDL.encode([InitArgs], [[{ ...FREE_SETTINGS, ...settings }]]));
    await replica.installCode({ canisterId: id, wasm: wasmPath('upgrader'), arg, sender: admin });
    if (options.sealed ?? true) await sealCanister(replica, id);
    const upgrader = replica.createActor<UpgraderService>(idlFactory, id);
    return { id, upgrader };
}

/**
 * Seals a canister as scripts/seal.ts does: its controller (`admin` unless told) removes every
 * controller through the management canister's update_settings, so nobody can change its code,
 * settings or state from outside again.
 */
export async function sealCanister(replica: Replica, id: Principal, controller: Principal = admin): Promise<void> {
    await replica.updateCanisterSettings({ canisterId: id, controllers: [], sender: controller });
    const left = await replica.getControllers(id);
    if (left.length !== 0) throw new Error(`${id.toText()} still has controllers after sealing: ${left.map((c) => c.toText()).join(', ')}`);
}

/**
 * The usual scene of an upgrader test: the upgrader (free prices), an app built from `name`
 * controlled by admin, the upgrader and recovery, registered with the default policies.
 */
export async function deployGovernedApp(replica: Replica, name = 'demo_app_v1'): Promise<{ upgraderId: Principal; upgrader: Upgrader; app: Principal }> {
    const { id: upgraderId, upgrader } = await deployUpgrader(replica);
    const app = await deployApp(replica, { name, upgraderId });
    ok(await registerApp(upgrader, app));
    return { upgraderId, upgrader, app };
}

export type AppDeployment = {
    /** Built canister name (demo_app_v1, trap_pre_upgrade, ...). */
    name: string;
    upgraderId: Principal;
    /** Controllers besides the upgrader and recovery. Default: [admin]. */
    extraControllers?: Principal[];
    /** Whether the upgrader is made a controller. Default: true. */
    upgraderControls?: boolean;
    /** Whether the recovery principal is made a controller. Default: true. */
    recoveryControls?: boolean;
    owner?: Principal;
};

/** Creates an app canister controlled by admin, the upgrader and recovery, and installs `name` into it. */
export async function deployApp(replica: Replica, deployment: AppDeployment): Promise<Principal> {
    const controllers = [...(deployment.extraControllers ?? [admin])];
    if (deployment.upgraderControls ?? true) controllers.push(deployment.upgraderId);
    if (deployment.recoveryControls ?? true) controllers.push(recovery);
    const id = await replica.createCanister({ sender: admin, controllers });
    const arg = new Uint8Array(IDL.encode([AppConfig], [{ owner: [deployment.owner ?? admin], upgrader: [deployment.upgraderId] }]));
    await replica.installCode({ canisterId: id, wasm: wasmPath(deployment.name), arg, sender: admin });
    return id;
}

/** `register` by admin with the default policies unless told otherwise. */
export async function registerApp(upgrader: Upgrader, app: Principal, options: { policy?: Policy; snapshots?: SnapshotPolicy; as?: Principal } = {}): Promise<Result<AppInfo>> {
    upgrader.setPrincipal(options.as ?? admin);
    return upgrader.register({ app, policy: options.policy ?? DEFAULT_POLICY, snapshot_policy: options.snapshots ?? DEFAULT_SNAPSHOTS, recovery });
}

export { CHUNK_BYTES };

/** create_module + every chunk, as `uploader`. Returns the final module info. */
export async function uploadModule(upgrader: Upgrader, app: Principal, module: Module, options: { uploader?: Principal; claimedHash?: Uint8Array } = {}): Promise<ModuleInfo> {
    upgrader.setPrincipal(options.uploader ?? maintainer);
    const hash = options.claimedHash ?? module.hash;
    let info = ok(await upgrader.create_module({ app, hash, size: BigInt(module.bytes.length) }));
    for (let index = 0; index * CHUNK_BYTES < module.bytes.length; index++) {
        const chunk = module.bytes.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
        info = ok(await upgrader.upload_module_chunk({ app, hash, index, chunk }));
    }
    return info;
}

/** The subject a vote on proposal `id` must name (read from the proposal, as a voter's tool would show it). */
export async function subjectOf(upgrader: Upgrader, id: bigint): Promise<Uint8Array> {
    return (await getProposal(upgrader, id)).subject;
}

/** Votes as `voter` for the proposal's subject. */
export async function castVote(upgrader: Upgrader, voter: Principal, proposal: bigint, subject: Uint8Array, approve = true): Promise<Result<Proposal>> {
    upgrader.setPrincipal(voter);
    return upgrader.vote({ proposal_id: proposal, subject, approve });
}

export async function getProposal(upgrader: Upgrader, id: bigint): Promise<Proposal> {
    const found = await upgrader.get_proposal(id);
    const proposal = found[0];
    if (proposal === undefined) throw new Error(`proposal ${id} not found`);
    return proposal;
}

/** Runs rounds until the proposal has an outcome (at most `maxTicks`); returns it. */
export async function waitForOutcome(replica: Replica, upgrader: Upgrader, id: bigint, maxTicks = 400): Promise<Outcome> {
    for (let i = 0; i < maxTicks; i++) {
        const status = (await getProposal(upgrader, id)).status;
        if ('executed' in status) return status.executed;
        if (!('executing' in status)) throw new Error(`proposal ${id} is ${stringify(status)}, not executing`);
        await replica.tick();
    }
    throw new Error(`proposal ${id} did not finish in ${maxTicks} rounds`);
}

export async function moduleHashOf(replica: Replica, canisterId: Principal): Promise<string | null> {
    const status = await replica.canisterStatus({ canisterId, sender: admin });
    return status.moduleHash === null ? null : toHex(status.moduleHash);
}

export { toHex as hex };

/** The awaiting_app fixture's methods used by the tests. */
export interface AwaitingAppService {
    add_note: (text: string) => Promise<bigint>;
    count: () => Promise<bigint>;
    version: () => Promise<string>;
    request_upgrade_awaited: (request: UpgradeRequest) => Promise<Result<bigint>>;
    resume_awaited: () => Promise<Result<ResumeResult>>;
    propose_for_other: (target: Principal, request: UpgradeRequest) => Promise<Result<bigint>>;
    awaited_reply: () => Promise<[] | [bigint]>;
    hold: (rounds: number) => Promise<number>;
}

export const awaitingAppIdl: IDL.InterfaceFactory = () =>
    IDL.Service({
        add_note: IDL.Func([IDL.Text], [IDL.Nat64], []),
        count: IDL.Func([], [IDL.Nat64], ['query']),
        version: IDL.Func([], [IDL.Text], ['query']),
        request_upgrade_awaited: IDL.Func([UpgradeRequestIdl], [ResultProposalId], []),
        resume_awaited: IDL.Func([], [ResultResume], []),
        propose_for_other: IDL.Func([IDL.Principal, UpgradeRequestIdl], [ResultProposalId], []),
        awaited_reply: IDL.Func([], [IDL.Opt(IDL.Nat64)], ['query']),
        hold: IDL.Func([IDL.Nat32], [IDL.Nat32], [])
    });

/**
 * Expects an ingress call to be refused by the upgrader's canister_inspect_message (IC0406):
 * the caller can never succeed, so the call never reaches the method (whose own checks the
 * tests of inter-canister callers exercise).
 */
export async function refusedAtInspect(call: Promise<unknown>): Promise<void> {
    let caught: unknown = null;
    try {
        await call;
    } catch (error) {
        caught = error;
    }
    if (!(caught instanceof CallRejectedError)) throw new Error(`expected the call to be refused by inspect_message, got ${caught === null ? 'a reply' : String(caught)}`);
    if (caught.errorCode !== 'IC0406') throw new Error(`expected IC0406 (refused by inspect_message), got ${caught.errorCode}: ${caught.rejectMessage}`);
}
