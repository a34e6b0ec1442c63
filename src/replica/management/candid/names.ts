/**
 * The replica's names for the management canister's Candid types: aliases of the generated
 * bindings (`./generated.ts`, from @dfinity/ic-management's ic.did), plus types ic.did writes
 * inline, picked out of the types that hold them. No Candid type is declared here.
 */
import * as ic from './generated.js';

export type LogVisibility = ic.log_visibility;
export type CanisterSettings = ic.canister_settings;
export type DefiniteCanisterSettings = ic.definite_canister_settings;
export type CanisterInstallMode = ic.canister_install_mode;
export type CanisterStatusResult = ic.canister_status_result;
export type Change = ic.change;
export type ChangeDetails = ic.change_details;
export type CodeDeploymentMode = Extract<ChangeDetails, { code_deployment: unknown }>['code_deployment']['mode'];
export type SnapshotGlobal = ic.read_canister_snapshot_metadata_response['globals'][number];
export type FetchCanisterLogsResult = ic.fetch_canister_logs_result;

export const CanisterSettings = ic.canister_settings;
export const DefiniteCanisterSettings = ic.definite_canister_settings;
export const CanisterInstallMode = ic.canister_install_mode;
export const ChangeDetails = ic.change_details;
export const CanisterStatusResult = ic.canister_status_result;

/** Settings that change nothing: every field absent. */
export const NO_SETTINGS: Readonly<CanisterSettings> = Object.freeze<CanisterSettings>({
    controllers: [],
    compute_allocation: [],
    memory_allocation: [],
    freezing_threshold: [],
    reserved_cycles_limit: [],
    log_visibility: [],
    wasm_memory_limit: [],
    wasm_memory_threshold: [],
    environment_variables: []
});
