/**
 * The management-canister calls the upgrader makes, typed. Arguments use the bindings generated
 * from @dfinity/ic-management's ic.did (management-idl.ts, `npm run candid-bindings`);
 * `canister_status` and `canister_info` replies are decoded with narrower records (only the
 * fields read here), which Candid's record subtyping accepts whatever fields the IC adds.
 *
 * Arguments and replies go through candid-codec.ts as raw calls: the argument's header is
 * written once per type, an `upload_chunk` argument costs one copy of the chunk, and a reply
 * whose header was seen before is read without parsing its type table again.
 *
 * Every function makes exactly one call and throws CallFailure when it is rejected,
 * CallNotSent when the IC refused to send it (the upgrader lacks cycles: nothing left), and
 * ContinuationCleanup when the continuation after it trapped and Azle settles the call inside
 * the IC's cleanup callback (where nothing may be called and nothing should be written).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { call, canisterSelf } from 'azle';
import {
    canister_info_args,
    canister_status_args,
    clear_chunk_store_args,
    create_canister_args,
    create_canister_result,
    delete_canister_args,
    install_chunked_code_args,
    list_canister_snapshots_args,
    list_canister_snapshots_result,
    load_canister_snapshot_args,
    read_canister_snapshot_data_args,
    read_canister_snapshot_data_response,
    read_canister_snapshot_metadata_args,
    read_canister_snapshot_metadata_response,
    start_canister_args,
    stop_canister_args,
    take_canister_snapshot_args,
    take_canister_snapshot_result,
    update_settings_args,
    upload_canister_snapshot_data_args,
    upload_canister_snapshot_metadata_args,
    upload_canister_snapshot_metadata_response,
    upload_chunk_args,
    upload_chunk_result
} from './management-idl';

import { decodeMessage, encodeMessage } from './candid-codec';
import { CallFailure, toCallFailure } from './errors';
import { type CanisterInfo, CanisterInfoView, type CanisterStatus, CanisterStatusView } from './management-views';
import type { SnapshotSlice } from './rehearsal-slices';
import type { WasmMemoryPersistence } from './types';

export type { CanisterInfo, CanisterStatus };

const MANAGEMENT = Principal.managementCanister();


/** The call was never made: the IC refused to send it (call_perform failed, for lack of cycles). */
export class CallNotSent extends Error {
    override readonly name = 'CallNotSent';

    constructor(
        readonly method: string,
        detail: string
    ) {
        super(`${method} could not be sent (the upgrader lacks cycles above its freezing threshold): ${detail}`);
    }
}

/** The continuation after this call trapped; this code runs in the IC's cleanup callback. */
export class ContinuationCleanup extends Error {
    override readonly name = 'ContinuationCleanup';
}

/** Azle's `call` failure types that mean the call never left the canister. */
const NOT_SENT = new Set(['CallPerformFailed', 'InsufficientLiquidCycleBalance']);

function callError(method: string, error: unknown): Error {
    const type: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'type') : undefined;
    if (type === 'CleanupCallback') return new ContinuationCleanup(`${method}: the continuation trapped`);
    if (typeof type === 'string' && NOT_SENT.has(type)) return new CallNotSent(method, error instanceof Error ? error.message : type);
    return toCallFailure(method, error);
}

/** A raw call: what Azle's `call` answers, with its failures classified (see the header). */
async function rawCall(target: Principal, method: string, args: Uint8Array, cycles?: bigint): Promise<Uint8Array> {
    try {
        return await call<Uint8Array, Uint8Array>(target, method, cycles === undefined ? { raw: true, args } : { raw: true, args, cycles });
    } catch (error) {
        throw callError(method, error);
    }
}

/** One call: `arg` encoded as `paramType`, the reply decoded as `returnType` (ignored without one). */
async function manage<R>(method: string, paramType: IDL.Type, arg: unknown, returnType?: IDL.Type, cycles?: bigint): Promise<R> {
    const reply = await rawCall(MANAGEMENT, method, encodeMessage([paramType], [arg]), cycles);
    return (returnType === undefined ? undefined : decodeMessage([returnType], reply)[0]) as R;
}

/** The IC's own prefix of the reject it gives when chunks do not hash to the module hash (WasmChunkStoreError). */
const HASH_MISMATCH_PREFIX = 'Error from Wasm chunk store: Wasm module hash ';

/**
 * Whether an install was refused because the module's bytes do not hash to the given hash. The IC
 * rejects both this and a trapping pre/post_upgrade with reject code 5 (CANISTER_ERROR: IC0504
 * and IC0503), so the code alone cannot tell them apart; the message's start can, since the IC
 * writes it: an app's trap text only ever appears after "Error from Canister <id>: ".
 */
export function isHashMismatch(error: unknown): boolean {
    return error instanceof CallFailure && error.method === 'install_chunked_code' && error.rejectCode === 5 && error.rejectMessage.startsWith(HASH_MISMATCH_PREFIX);
}

export async function canisterStatus(canisterId: Principal): Promise<CanisterStatus> {
    return manage<CanisterStatus>('canister_status', canister_status_args, { canister_id: canisterId } satisfies canister_status_args, CanisterStatusView);
}

export async function stopCanister(canisterId: Principal): Promise<void> {
    await manage<undefined>('stop_canister', stop_canister_args, { canister_id: canisterId } satisfies stop_canister_args);
}

export async function startCanister(canisterId: Principal): Promise<void> {
    await manage<undefined>('start_canister', start_canister_args, { canister_id: canisterId } satisfies start_canister_args);
}

export async function clearChunkStore(canisterId: Principal): Promise<void> {
    await manage<undefined>('clear_chunk_store', clear_chunk_store_args, { canister_id: canisterId } satisfies clear_chunk_store_args);
}

/** Uploads one chunk to `canisterId`'s chunk store; returns the SHA-256 the IC computed for it. */
export async function uploadChunk(canisterId: Principal, chunk: Uint8Array): Promise<Uint8Array> {
    const result = await manage<upload_chunk_result>('upload_chunk', upload_chunk_args, { canister_id: canisterId, chunk } satisfies upload_chunk_args, upload_chunk_result);
    return Uint8Array.from(result.hash);
}

export type ChunkedUpgrade = {
    target: Principal;
    /** The canister whose chunk store holds the chunks (default: the target's own). */
    store?: Principal;
    chunkHashes: Uint8Array[];
    moduleHash: Uint8Array;
    arg: Uint8Array;
    skipPreUpgrade: boolean;
    wasmMemoryPersistence: [] | [WasmMemoryPersistence];
};

/**
 * install_chunked_code in upgrade mode, from the target's own chunk store. The IC concatenates
 * the chunks and checks that they hash to `moduleHash` before anything else happens.
 */
export async function installChunkedUpgrade(upgrade: ChunkedUpgrade): Promise<void> {
    await manage<undefined>('install_chunked_code', install_chunked_code_args, {
        mode: { upgrade: [{ skip_pre_upgrade: [upgrade.skipPreUpgrade], wasm_memory_persistence: upgrade.wasmMemoryPersistence }] },
        target_canister: upgrade.target,
        store_canister: upgrade.store === undefined ? [] : [upgrade.store],
        chunk_hashes_list: upgrade.chunkHashes.map((hash) => ({ hash })),
        wasm_module_hash: upgrade.moduleHash,
        arg: upgrade.arg,
        sender_canister_version: []
    } satisfies install_chunked_code_args);
}

/** The app's snapshots, as the IC lists them (whoever took them). */
export async function listSnapshots(canisterId: Principal): Promise<Array<{ id: Uint8Array; takenAt: bigint }>> {
    const result = await manage<list_canister_snapshots_result>('list_canister_snapshots', list_canister_snapshots_args, { canister_id: canisterId }, list_canister_snapshots_result);
    return result.map((snapshot) => ({ id: Uint8Array.from(snapshot.id), takenAt: snapshot.taken_at_timestamp }));
}

/** Takes a snapshot, replacing `replace` when given; returns the new snapshot's id and time. */
export async function takeSnapshot(canisterId: Principal, replace: Uint8Array | undefined): Promise<{ id: Uint8Array; takenAt: bigint }> {
    const result = await manage<take_canister_snapshot_result>(
        'take_canister_snapshot',
        take_canister_snapshot_args,
        { canister_id: canisterId, replace_snapshot: replace === undefined ? [] : [replace] } satisfies take_canister_snapshot_args,
        take_canister_snapshot_result
    );
    return { id: Uint8Array.from(result.id), takenAt: result.taken_at_timestamp };
}

export async function loadSnapshot(canisterId: Principal, snapshotId: Uint8Array): Promise<void> {
    await manage<undefined>('load_canister_snapshot', load_canister_snapshot_args, {
        canister_id: canisterId,
        snapshot_id: snapshotId,
        sender_canister_version: []
    } satisfies load_canister_snapshot_args);
}

/** Replaces the controllers of `canisterId` (every other setting is left as it is). */
export async function setControllers(canisterId: Principal, controllers: Principal[]): Promise<void> {
    await manage<undefined>('update_settings', update_settings_args, {
        canister_id: canisterId,
        settings: {
            controllers: [controllers],
            compute_allocation: [],
            memory_allocation: [],
            freezing_threshold: [],
            reserved_cycles_limit: [],
            log_visibility: [],
            wasm_memory_limit: [],
            wasm_memory_threshold: [],
            environment_variables: []
        },
        sender_canister_version: []
    } satisfies update_settings_args);
}

/** Calls the app's health check, `() -> (bool)`: true only when it answers `true`. */
export async function healthCheck(canisterId: Principal, method: string): Promise<boolean> {
    const reply = await rawCall(canisterId, method, encodeMessage([], []));
    return decodeMessage([IDL.Bool], reply)[0] === true;
}


/** canister_info: any canister may ask it about any canister (no controller needed). */
export async function canisterInfo(canisterId: Principal): Promise<CanisterInfo> {
    return manage<CanisterInfo>('canister_info', canister_info_args, { canister_id: canisterId, num_requested_changes: [] } satisfies canister_info_args, CanisterInfoView);
}

/** The canister's controllers, as canister_info reports them. */
export async function canisterControllers(canisterId: Principal): Promise<Principal[]> {
    return (await canisterInfo(canisterId)).controllers;
}

/**
 * create_canister with `cycles` attached (the creation fee is taken from them), on the upgrader's
 * own subnet, with the upgrader as its only controller and a freezing threshold of 0 (it lives
 * for one rehearsal; every cycle it holds is meant to be spent or burned at deletion).
 */
export async function createCanister(cycles: bigint): Promise<Principal> {
    const result = await manage<create_canister_result>(
        'create_canister',
        create_canister_args,
        {
            settings: [
                {
                    controllers: [[canisterSelf()]],
                    compute_allocation: [],
                    memory_allocation: [],
                    freezing_threshold: [0n],
                    reserved_cycles_limit: [],
                    log_visibility: [],
                    wasm_memory_limit: [],
                    wasm_memory_threshold: [],
                    environment_variables: []
                }
            ],
            sender_canister_version: []
        } satisfies create_canister_args,
        create_canister_result,
        cycles
    );
    return result.canister_id;
}

/** delete_canister: the canister must be stopped; the IC burns the cycles it still holds. */
export async function deleteCanister(canisterId: Principal): Promise<void> {
    await manage<undefined>('delete_canister', delete_canister_args, { canister_id: canisterId } satisfies delete_canister_args);
}

export type SnapshotMetadata = read_canister_snapshot_metadata_response;

export async function readSnapshotMetadata(canisterId: Principal, snapshotId: Uint8Array): Promise<SnapshotMetadata> {
    return manage<SnapshotMetadata>(
        'read_canister_snapshot_metadata',
        read_canister_snapshot_metadata_args,
        { canister_id: canisterId, snapshot_id: snapshotId } satisfies read_canister_snapshot_metadata_args,
        read_canister_snapshot_metadata_response
    );
}

/** Creates an empty snapshot of `canisterId` with the metadata of another one; returns its id. */
export async function uploadSnapshotMetadata(canisterId: Principal, metadata: SnapshotMetadata): Promise<Uint8Array> {
    const result = await manage<upload_canister_snapshot_metadata_response>(
        'upload_canister_snapshot_metadata',
        upload_canister_snapshot_metadata_args,
        {
            canister_id: canisterId,
            replace_snapshot: [],
            wasm_module_size: metadata.wasm_module_size,
            globals: metadata.globals,
            wasm_memory_size: metadata.wasm_memory_size,
            stable_memory_size: metadata.stable_memory_size,
            certified_data: metadata.certified_data,
            global_timer: metadata.global_timer,
            on_low_wasm_memory_hook_status: metadata.on_low_wasm_memory_hook_status
        } satisfies upload_canister_snapshot_metadata_args,
        upload_canister_snapshot_metadata_response
    );
    return Uint8Array.from(result.snapshot_id);
}


export async function readSnapshotData(canisterId: Principal, snapshotId: Uint8Array, slice: SnapshotSlice): Promise<Uint8Array> {
    const kind: read_canister_snapshot_data_args['kind'] =
        slice.part === 'wasm_chunk'
            ? { wasm_chunk: { hash: slice.hash } }
            : slice.part === 'wasm_module'
              ? { wasm_module: { offset: slice.offset, size: slice.size } }
              : slice.part === 'wasm_memory'
                ? { wasm_memory: { offset: slice.offset, size: slice.size } }
                : { stable_memory: { offset: slice.offset, size: slice.size } };
    const result = await manage<read_canister_snapshot_data_response>(
        'read_canister_snapshot_data',
        read_canister_snapshot_data_args,
        { canister_id: canisterId, snapshot_id: snapshotId, kind } satisfies read_canister_snapshot_data_args,
        read_canister_snapshot_data_response
    );
    return result.chunk;
}

export async function uploadSnapshotData(canisterId: Principal, snapshotId: Uint8Array, slice: SnapshotSlice, chunk: Uint8Array): Promise<void> {
    const kind: upload_canister_snapshot_data_args['kind'] =
        slice.part === 'wasm_chunk'
            ? { wasm_chunk: null }
            : slice.part === 'wasm_module'
              ? { wasm_module: { offset: slice.offset } }
              : slice.part === 'wasm_memory'
                ? { wasm_memory: { offset: slice.offset } }
                : { stable_memory: { offset: slice.offset } };
    await manage<undefined>(
        'upload_canister_snapshot_data',
        upload_canister_snapshot_data_args,
        { canister_id: canisterId, snapshot_id: snapshotId, kind, chunk } satisfies upload_canister_snapshot_data_args
    );
}
