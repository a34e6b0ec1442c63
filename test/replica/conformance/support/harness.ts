/**
 * Shared helpers of the conformance suite: replicas with the universal canister, raw calls,
 * and exact reject assertions.
 */
import { Principal } from '@dfinity/principal';
import { CallRejectedError, MANAGEMENT_CANISTER_ID, Replica } from '../../../../src/replica/index.js';
import type { IngressStatus, MessageId, ReplicaOptions } from '../../../../src/replica/index.js';
import { encodeManagementArgs, ManagementArgs, ManagementMethod } from '../../../../src/replica/management/candid.js';
import { Prog, universalWasm, UniversalOptions } from './universal.js';

export { Principal };

/** A principal that is not a controller of anything (a self-authenticating-looking id). */
export const STRANGER = Principal.fromUint8Array(new Uint8Array([...new Uint8Array(28).fill(7), 0x02]));
/** The controller the suite creates canisters with. */
export const OWNER = Principal.fromUint8Array(new Uint8Array([...new Uint8Array(28).fill(9), 0x02]));

export async function newReplica(options: ReplicaOptions = {}): Promise<Replica> {
    return Replica.create({ costSchedule: 'normal', ...options });
}

/** Creates a canister controlled by OWNER and installs the universal canister, running `init` in canister_init. */
export async function universal(replica: Replica, init: Prog | null = null, options: UniversalOptions & { cycles?: bigint } = {}): Promise<Principal> {
    const canisterId = await replica.createCanister({ sender: OWNER, cycles: options.cycles });
    await replica.installCode({ canisterId, wasm: await universalWasm(options), arg: init?.build() ?? new Uint8Array(0), sender: OWNER });
    return canisterId;
}

/** An update call of `run` with a program; the raw reply. */
export function run(replica: Replica, canisterId: Principal, p: Prog, sender: Principal = OWNER): Promise<Uint8Array> {
    return replica.updateCall({ canisterId, method: 'run', arg: p.build(), sender });
}

/** A query call of `query` with a program; the raw reply. */
export function query(replica: Replica, canisterId: Principal, p: Prog, sender: Principal = OWNER): Promise<Uint8Array> {
    return replica.queryCall({ canisterId, method: 'query', arg: p.build(), sender });
}

/** Submits `run` without running any round; returns the ingress message id. */
export function submit(replica: Replica, canisterId: Principal, p: Prog, sender: Principal = OWNER, method = 'run'): Promise<MessageId> {
    return replica.submitCall({ canisterId, method, arg: p.build(), sender });
}

/** The status of a submitted ingress message. */
export function status(replica: Replica, id: MessageId): Promise<IngressStatus | null> {
    return replica.ingressStatus(id);
}

/** A canister's run status as canister_status reports it to its controller OWNER. */
export async function statusOf(replica: Replica, canisterId: Principal): Promise<'running' | 'stopping' | 'stopped'> {
    const { status } = await replica.canisterStatus({ canisterId, sender: OWNER });
    return 'running' in status ? 'running' : 'stopping' in status ? 'stopping' : 'stopped';
}

/** A canister's version, as canister_status reports it to its controller OWNER (in any run status). */
export async function versionOf(replica: Replica, canisterId: Principal): Promise<bigint> {
    return (await replica.callManagement('canister_status', { canister_id: canisterId }, OWNER)).version;
}

/** What OWNER reads of a canister's system state through a snapshot's metadata; 0 is an inactive global timer. */
export interface SystemState {
    certifiedData: Uint8Array;
    globalTimer: bigint;
}

/**
 * Reads a canister's certified data and global timer in any run status, through the metadata of
 * a snapshot (take, read_canister_snapshot_metadata, delete), which keeps them as they were when
 * it was taken. Taking and deleting a snapshot changes neither.
 */
export async function systemState(replica: Replica, canisterId: Principal): Promise<SystemState> {
    const { id } = await replica.callManagement('take_canister_snapshot', { canister_id: canisterId, replace_snapshot: [] }, OWNER);
    const meta = await replica.callManagement('read_canister_snapshot_metadata', { canister_id: canisterId, snapshot_id: id }, OWNER);
    await replica.callManagement('delete_canister_snapshot', { canister_id: canisterId, snapshot_id: id }, OWNER);
    const timer = meta.global_timer[0];
    return { certifiedData: meta.certified_data, globalTimer: timer === undefined || 'inactive' in timer ? 0n : timer.active };
}

/** The text of every record in a canister's log, read by OWNER with fetch_canister_logs. */
export async function logTexts(replica: Replica, canisterId: Principal): Promise<string[]> {
    return (await replica.fetchCanisterLogs({ canisterId, sender: OWNER })).map((r) => text(r.content));
}

/** A little-endian u64 (or i64 with `signed`) at `offset` of a reply. */
export function u64(bytes: Uint8Array, offset = 0): bigint {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
}

export function i64(bytes: Uint8Array, offset = 0): bigint {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(offset, true);
}

/** A 128-bit little-endian amount (low word first) at `offset`. */
export function u128(bytes: Uint8Array, offset = 0): bigint {
    return u64(bytes, offset) | (u64(bytes, offset + 8) << 64n);
}

/** The replies' bytes as text. */
export function text(bytes: Uint8Array): string {
    return new TextDecoder().decode(bytes);
}

export function bytesOf(value: string): Uint8Array {
    return new TextEncoder().encode(value);
}

export interface ExpectedReject {
    rejectCode: number;
    errorCode?: string;
    /** The exact reject message. */
    message?: string;
    /** A regular expression or substring the message must match. */
    matches?: RegExp | string;
}

/** Awaits `promise`, expects it to reject with CallRejectedError, checks its fields, and returns it. */
export async function expectReject(promise: Promise<unknown>, expected: ExpectedReject): Promise<CallRejectedError> {
    let caught: unknown = null;
    try {
        await promise;
    } catch (error) {
        caught = error;
    }
    if (!(caught instanceof CallRejectedError)) {
        throw new Error(`expected a CallRejectedError, got ${caught === null ? 'a reply' : String(caught)}`);
    }
    expect(caught.rejectCode).toBe(expected.rejectCode);
    if (expected.errorCode !== undefined) expect(caught.errorCode).toBe(expected.errorCode);
    if (expected.message !== undefined) expect(caught.rejectMessage).toBe(expected.message);
    if (expected.matches !== undefined) expect(caught.rejectMessage).toMatch(expected.matches);
    return caught;
}

/** The contract-violation detail for calling `fn` in `mode`. */
export function contextViolation(fn: string, mode: string): string {
    return `Canister violated contract: "ic0_${fn}" cannot be executed in ${mode} mode`;
}

/** Escapes text for use inside a RegExp. */
export function re(textValue: string): RegExp {
    return new RegExp(textValue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** Submits a management call as an ingress message without running any round; returns its message id. */
export function submitManagement<M extends ManagementMethod>(replica: Replica, method: M, args: ManagementArgs<M>, sender: Principal = OWNER): Promise<MessageId> {
    return replica.submitCall({ canisterId: MANAGEMENT_CANISTER_ID, method, arg: encodeManagementArgs(method, args), sender });
}

/** The reply of an answered ingress message, or throws its reject as a CallRejectedError; null while it is pending. */
export async function outcome(replica: Replica, id: MessageId): Promise<Uint8Array | null> {
    const s = await replica.ingressStatus(id);
    if (s?.status === 'replied') return s.reply;
    if (s?.status === 'rejected') throw new CallRejectedError(s.reject, true);
    return null;
}

/** Like `outcome`, for a message that must be answered by now. */
export async function settled(replica: Replica, id: MessageId): Promise<Uint8Array> {
    const reply = await outcome(replica, id);
    if (reply === null) throw new Error(`message ${id} is still pending (${(await replica.ingressStatus(id))?.status ?? 'unknown'})`);
    return reply;
}

/** The reject code and message that `forwardReject` replies with. */
export function forwardedReject(reply: Uint8Array): { code: number; message: string } {
    return { code: Number(u64(reply, 0)), message: text(reply.subarray(8)) };
}
