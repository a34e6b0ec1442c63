/** Candid for canister creation, settings, code installation and lifecycle methods (ic.did 0.45). */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import {
    CandidBlob,
    CanisterId,
    CanisterIdRecord,
    CanisterInstallMode,
    CanisterSettings,
    ChunkHash
} from './common.js';

// create_canister : (create_canister_args) -> (create_canister_result)
export const CreateCanisterArgs = IDL.Record({
    settings: IDL.Opt(CanisterSettings),
    sender_canister_version: IDL.Opt(IDL.Nat64)
});
export interface CreateCanisterArgs {
    settings: [] | [CanisterSettings];
    sender_canister_version: [] | [bigint];
}
export const CreateCanisterResult = IDL.Record({ canister_id: CanisterId });
export interface CreateCanisterResult {
    canister_id: CanisterId;
}

// update_settings : (update_settings_args) -> ()
export const UpdateSettingsArgs = IDL.Record({
    canister_id: IDL.Principal,
    settings: CanisterSettings,
    sender_canister_version: IDL.Opt(IDL.Nat64)
});
export interface UpdateSettingsArgs {
    canister_id: Principal;
    settings: CanisterSettings;
    sender_canister_version: [] | [bigint];
}

// install_code : (install_code_args) -> ()
export const InstallCodeArgs = IDL.Record({
    mode: CanisterInstallMode,
    canister_id: CanisterId,
    wasm_module: CandidBlob,
    arg: CandidBlob,
    sender_canister_version: IDL.Opt(IDL.Nat64)
});
export interface InstallCodeArgs {
    mode: CanisterInstallMode;
    canister_id: CanisterId;
    wasm_module: Uint8Array;
    arg: Uint8Array;
    sender_canister_version: [] | [bigint];
}

// install_chunked_code : (install_chunked_code_args) -> ()
export const InstallChunkedCodeArgs = IDL.Record({
    mode: CanisterInstallMode,
    target_canister: CanisterId,
    store_canister: IDL.Opt(CanisterId),
    chunk_hashes_list: IDL.Vec(ChunkHash),
    wasm_module_hash: CandidBlob,
    arg: CandidBlob,
    sender_canister_version: IDL.Opt(IDL.Nat64)
});
export interface InstallChunkedCodeArgs {
    mode: CanisterInstallMode;
    target_canister: CanisterId;
    store_canister: [] | [CanisterId];
    chunk_hashes_list: ChunkHash[];
    wasm_module_hash: Uint8Array;
    arg: Uint8Array;
    sender_canister_version: [] | [bigint];
}

// uninstall_code : (uninstall_code_args) -> ()
export const UninstallCodeArgs = IDL.Record({
    canister_id: CanisterId,
    sender_canister_version: IDL.Opt(IDL.Nat64)
});
export interface UninstallCodeArgs {
    canister_id: CanisterId;
    sender_canister_version: [] | [bigint];
}

// start_canister, stop_canister, delete_canister, deposit_cycles : (record { canister_id }) -> ()
export const StartCanisterArgs = CanisterIdRecord;
export type StartCanisterArgs = CanisterIdRecord;
export const StopCanisterArgs = CanisterIdRecord;
export type StopCanisterArgs = CanisterIdRecord;
export const DeleteCanisterArgs = CanisterIdRecord;
export type DeleteCanisterArgs = CanisterIdRecord;
export const DepositCyclesArgs = CanisterIdRecord;
export type DepositCyclesArgs = CanisterIdRecord;

// raw_rand : () -> (raw_rand_result)
export const RawRandResult = CandidBlob;
export type RawRandResult = Uint8Array;

// provisional_create_canister_with_cycles : (..._args) -> (..._result)
export const ProvisionalCreateCanisterWithCyclesArgs = IDL.Record({
    amount: IDL.Opt(IDL.Nat),
    settings: IDL.Opt(CanisterSettings),
    specified_id: IDL.Opt(CanisterId),
    sender_canister_version: IDL.Opt(IDL.Nat64)
});
export interface ProvisionalCreateCanisterWithCyclesArgs {
    amount: [] | [bigint];
    settings: [] | [CanisterSettings];
    specified_id: [] | [CanisterId];
    sender_canister_version: [] | [bigint];
}
export const ProvisionalCreateCanisterWithCyclesResult = IDL.Record({ canister_id: CanisterId });
export interface ProvisionalCreateCanisterWithCyclesResult {
    canister_id: CanisterId;
}

// provisional_top_up_canister : (provisional_top_up_canister_args) -> ()
export const ProvisionalTopUpCanisterArgs = IDL.Record({ canister_id: CanisterId, amount: IDL.Nat });
export interface ProvisionalTopUpCanisterArgs {
    canister_id: CanisterId;
    amount: bigint;
}
