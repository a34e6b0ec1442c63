/**
 * The management canister's Candid interface (the subset of ic.did 0.45 the replica serves):
 * a method table typed by method name, argument decoding / result encoding for the engine,
 * and an interface factory for actors. `management.did` is the same interface as Candid text.
 */
import { IDL } from '@dfinity/candid';
import type { CanisterIdRecord, EmptyTuple as EmptyTupleMarker, CandidSlot } from './common.js';
import { EmptyTuple, isEmptyTuple, slotTypes } from './common.js';
import type {
    CreateCanisterArgs,
    CreateCanisterResult,
    InstallChunkedCodeArgs,
    InstallCodeArgs,
    ProvisionalCreateCanisterWithCyclesArgs,
    ProvisionalCreateCanisterWithCyclesResult,
    ProvisionalTopUpCanisterArgs,
    RawRandResult,
    UninstallCodeArgs,
    UpdateSettingsArgs
} from './lifecycle.js';
import * as lifecycle from './lifecycle.js';
import type { UploadChunkArgs, UploadChunkResult, StoredChunksResult } from './chunks.js';
import * as chunks from './chunks.js';
import type {
    CanisterInfoArgs,
    CanisterInfoResult,
    CanisterStatusResult,
    FetchCanisterLogsResult
} from './status.js';
import * as status from './status.js';
import type {
    DeleteCanisterSnapshotArgs,
    ListCanisterSnapshotsArgs,
    ListCanisterSnapshotsResult,
    LoadCanisterSnapshotArgs,
    ReadCanisterSnapshotDataArgs,
    ReadCanisterSnapshotDataResult,
    ReadCanisterSnapshotMetadataArgs,
    ReadCanisterSnapshotMetadataResult,
    TakeCanisterSnapshotArgs,
    TakeCanisterSnapshotResult,
    UploadCanisterSnapshotDataArgs,
    UploadCanisterSnapshotMetadataArgs,
    UploadCanisterSnapshotMetadataResult
} from './snapshots.js';
import * as snapshots from './snapshots.js';

export * from './common.js';
export * from './lifecycle.js';
export * from './chunks.js';
export * from './status.js';
export * from './snapshots.js';

/**
 * TypeScript values of each method's argument and result. `undefined` stands for
 * the empty sequence `()` (no argument / no result).
 */
export interface ManagementSignatures {
    create_canister: { args: CreateCanisterArgs; result: CreateCanisterResult };
    update_settings: { args: UpdateSettingsArgs; result: undefined };
    upload_chunk: { args: UploadChunkArgs; result: UploadChunkResult };
    clear_chunk_store: { args: CanisterIdRecord; result: undefined };
    stored_chunks: { args: CanisterIdRecord; result: StoredChunksResult };
    install_code: { args: InstallCodeArgs; result: undefined };
    install_chunked_code: { args: InstallChunkedCodeArgs; result: undefined };
    uninstall_code: { args: UninstallCodeArgs; result: undefined };
    start_canister: { args: CanisterIdRecord; result: undefined };
    stop_canister: { args: CanisterIdRecord; result: undefined };
    canister_status: { args: CanisterIdRecord; result: CanisterStatusResult };
    canister_info: { args: CanisterInfoArgs; result: CanisterInfoResult };
    delete_canister: { args: CanisterIdRecord; result: undefined };
    deposit_cycles: { args: CanisterIdRecord; result: undefined };
    raw_rand: { args: undefined; result: RawRandResult };
    provisional_create_canister_with_cycles: {
        args: ProvisionalCreateCanisterWithCyclesArgs;
        result: ProvisionalCreateCanisterWithCyclesResult;
    };
    provisional_top_up_canister: { args: ProvisionalTopUpCanisterArgs; result: undefined };
    take_canister_snapshot: { args: TakeCanisterSnapshotArgs; result: TakeCanisterSnapshotResult };
    load_canister_snapshot: { args: LoadCanisterSnapshotArgs; result: undefined };
    list_canister_snapshots: { args: ListCanisterSnapshotsArgs; result: ListCanisterSnapshotsResult };
    delete_canister_snapshot: { args: DeleteCanisterSnapshotArgs; result: undefined };
    read_canister_snapshot_metadata: {
        args: ReadCanisterSnapshotMetadataArgs;
        result: ReadCanisterSnapshotMetadataResult;
    };
    read_canister_snapshot_data: { args: ReadCanisterSnapshotDataArgs; result: ReadCanisterSnapshotDataResult };
    upload_canister_snapshot_metadata: {
        args: UploadCanisterSnapshotMetadataArgs;
        result: UploadCanisterSnapshotMetadataResult;
    };
    upload_canister_snapshot_data: { args: UploadCanisterSnapshotDataArgs; result: undefined };
    fetch_canister_logs: { args: CanisterIdRecord; result: FetchCanisterLogsResult };
}

export type ManagementMethod = keyof ManagementSignatures;
export type ManagementArgs<M extends ManagementMethod> = ManagementSignatures[M]['args'];
export type ManagementResult<M extends ManagementMethod> = ManagementSignatures[M]['result'];

/** `()` in the signature must be the `EmptyTuple` marker; anything else a single Candid type. */
type SlotFor<T> = [T] extends [undefined] ? EmptyTupleMarker : IDL.Type;

export interface ManagementMethodSpec<M extends ManagementMethod = ManagementMethod> {
    readonly args: SlotFor<ManagementArgs<M>>;
    readonly result: SlotFor<ManagementResult<M>>;
    /** `query` methods are declared with the `query` annotation (only `fetch_canister_logs` in 0.45). */
    readonly mode: 'update' | 'query';
}

export type ManagementMethodTable = { readonly [M in ManagementMethod]: ManagementMethodSpec<M> };

export const managementMethods: ManagementMethodTable = Object.freeze({
    create_canister: { args: lifecycle.CreateCanisterArgs, result: lifecycle.CreateCanisterResult, mode: 'update' },
    update_settings: { args: lifecycle.UpdateSettingsArgs, result: EmptyTuple, mode: 'update' },
    upload_chunk: { args: chunks.UploadChunkArgs, result: chunks.UploadChunkResult, mode: 'update' },
    clear_chunk_store: { args: chunks.ClearChunkStoreArgs, result: EmptyTuple, mode: 'update' },
    stored_chunks: { args: chunks.StoredChunksArgs, result: chunks.StoredChunksResult, mode: 'update' },
    install_code: { args: lifecycle.InstallCodeArgs, result: EmptyTuple, mode: 'update' },
    install_chunked_code: { args: lifecycle.InstallChunkedCodeArgs, result: EmptyTuple, mode: 'update' },
    uninstall_code: { args: lifecycle.UninstallCodeArgs, result: EmptyTuple, mode: 'update' },
    start_canister: { args: lifecycle.StartCanisterArgs, result: EmptyTuple, mode: 'update' },
    stop_canister: { args: lifecycle.StopCanisterArgs, result: EmptyTuple, mode: 'update' },
    canister_status: { args: status.CanisterStatusArgs, result: status.CanisterStatusResult, mode: 'update' },
    canister_info: { args: status.CanisterInfoArgs, result: status.CanisterInfoResult, mode: 'update' },
    delete_canister: { args: lifecycle.DeleteCanisterArgs, result: EmptyTuple, mode: 'update' },
    deposit_cycles: { args: lifecycle.DepositCyclesArgs, result: EmptyTuple, mode: 'update' },
    raw_rand: { args: EmptyTuple, result: lifecycle.RawRandResult, mode: 'update' },
    provisional_create_canister_with_cycles: {
        args: lifecycle.ProvisionalCreateCanisterWithCyclesArgs,
        result: lifecycle.ProvisionalCreateCanisterWithCyclesResult,
        mode: 'update'
    },
    provisional_top_up_canister: {
        args: lifecycle.ProvisionalTopUpCanisterArgs,
        result: EmptyTuple,
        mode: 'update'
    },
    take_canister_snapshot: {
        args: snapshots.TakeCanisterSnapshotArgs,
        result: snapshots.TakeCanisterSnapshotResult,
        mode: 'update'
    },
    load_canister_snapshot: { args: snapshots.LoadCanisterSnapshotArgs, result: EmptyTuple, mode: 'update' },
    list_canister_snapshots: {
        args: snapshots.ListCanisterSnapshotsArgs,
        result: snapshots.ListCanisterSnapshotsResult,
        mode: 'update'
    },
    delete_canister_snapshot: { args: snapshots.DeleteCanisterSnapshotArgs, result: EmptyTuple, mode: 'update' },
    read_canister_snapshot_metadata: {
        args: snapshots.ReadCanisterSnapshotMetadataArgs,
        result: snapshots.ReadCanisterSnapshotMetadataResult,
        mode: 'update'
    },
    read_canister_snapshot_data: {
        args: snapshots.ReadCanisterSnapshotDataArgs,
        result: snapshots.ReadCanisterSnapshotDataResult,
        mode: 'update'
    },
    upload_canister_snapshot_metadata: {
        args: snapshots.UploadCanisterSnapshotMetadataArgs,
        result: snapshots.UploadCanisterSnapshotMetadataResult,
        mode: 'update'
    },
    upload_canister_snapshot_data: {
        args: snapshots.UploadCanisterSnapshotDataArgs,
        result: EmptyTuple,
        mode: 'update'
    },
    fetch_canister_logs: { args: status.FetchCanisterLogsArgs, result: status.FetchCanisterLogsResult, mode: 'query' }
});

/** Method names, in the order of the table. */
export const managementMethodNames: readonly ManagementMethod[] = Object.freeze(
    Object.keys(managementMethods) as ManagementMethod[]
);

export function isManagementMethod(name: string): name is ManagementMethod {
    return Object.prototype.hasOwnProperty.call(managementMethods, name);
}

/** The payload of a management call is not valid Candid for the method's argument type. */
export class ManagementDecodeError extends Error {
    override readonly name = 'ManagementDecodeError';
    constructor(
        readonly method: ManagementMethod,
        detail: string,
        options?: { cause?: unknown }
    ) {
        super(`Error decoding candid: ${detail}`, options);
    }
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function specOf(method: ManagementMethod): ManagementMethodSpec {
    const spec: ManagementMethodSpec | undefined = isManagementMethod(method) ? managementMethods[method] : undefined;
    if (spec === undefined) {
        throw new TypeError(`Unknown management canister method: ${String(method)}`);
    }
    return spec;
}

function decodeSlot(method: ManagementMethod, slot: CandidSlot, bytes: Uint8Array): unknown {
    // `()` is also accepted as an empty payload, which some callers send for argument-less methods.
    if (isEmptyTuple(slot) && bytes.length === 0) {
        return undefined;
    }
    let values: unknown[];
    try {
        values = IDL.decode(slotTypes(slot), bytes);
    } catch (error) {
        throw new ManagementDecodeError(method, errorText(error), { cause: error });
    }
    return isEmptyTuple(slot) ? undefined : values[0];
}

function encodeSlot(what: string, slot: CandidSlot, value: unknown): Uint8Array {
    try {
        return IDL.encode(slotTypes(slot), isEmptyTuple(slot) ? [] : [value]);
    } catch (error) {
        throw new TypeError(`Cannot encode ${what}: ${errorText(error)}`, { cause: error });
    }
}

/**
 * Decodes the Candid argument of a management call. Candid subtyping applies as in
 * `@dfinity/candid`: unknown record fields are skipped and missing `opt` fields decode as `[]`.
 * Throws `ManagementDecodeError` ("Error decoding candid: ...") if the payload does not fit.
 */
export function decodeManagementArgs<M extends ManagementMethod>(method: M, bytes: Uint8Array): ManagementArgs<M> {
    return decodeSlot(method, specOf(method).args, bytes) as ManagementArgs<M>;
}

/** Encodes the reply of a management call (`undefined` for methods returning `()`). */
export function encodeManagementResult<M extends ManagementMethod>(method: M, value: ManagementResult<M>): Uint8Array {
    return encodeSlot(`result of ${method}`, specOf(method).result, value);
}

/** Encodes a management call's argument, as a caller (a canister or a test) would. */
export function encodeManagementArgs<M extends ManagementMethod>(method: M, value: ManagementArgs<M>): Uint8Array {
    return encodeSlot(`arguments of ${method}`, specOf(method).args, value);
}

/** Decodes a management call's reply, as a caller would; throws `ManagementDecodeError` on bad Candid. */
export function decodeManagementResult<M extends ManagementMethod>(method: M, bytes: Uint8Array): ManagementResult<M> {
    return decodeSlot(method, specOf(method).result, bytes) as ManagementResult<M>;
}

/** Interface factory of the management canister, usable with `Actor.createActor`. */
export const managementIdlFactory: IDL.InterfaceFactory = ({ IDL: idl }) => {
    const funcs: Record<string, IDL.FuncClass> = {};
    for (const method of managementMethodNames) {
        const spec = specOf(method);
        funcs[method] = idl.Func(slotTypes(spec.args), slotTypes(spec.result), spec.mode === 'query' ? ['query'] : []);
    }
    return idl.Service(funcs);
};

/** The management service built with this module's `IDL`. */
export const managementService: IDL.ServiceClass = managementIdlFactory({ IDL });
