/**
 * The embedded replica: runs real canister Wasm with the IC's System API and management
 * canister, in this process. `Replica` has the API of @dfinity/pic's `PocketIc`.
 */
export { Replica } from './replica.js';
export type {
    ReplicaOptions,
    CanisterSettings,
    CreateCanisterOptions,
    InstallCodeOptions,
    ReinstallCodeOptions,
    UpgradeCanisterOptions,
    UpgradeModeOptions,
    SetupCanisterOptions,
    CanisterFixture,
    CallOptions,
    CanisterIdOptions,
    UpdateCanisterSettingsOptions,
    CanisterStatusResult,
    LogVisibility,
    MessageId,
    CanisterLogRecord
} from './replica-types.js';
export type { Actor, ActorInterface, ActorMethod, DeferredActor, DeferredActorMethod } from './actor.js';
export { CallRejectedError, CallTimeoutError, SettingTimeIntoPastError, ReplicaTornDownError } from './errors.js';
export { RejectCode } from './reject.js';
export type { Reject, CallResult } from './reject.js';
export { Subnet } from './subnet/index.js';
export { FaultInjector, INJECTED_TRAP_MESSAGE } from './faults.js';
export type { ResponseFault, ResponseFaultRule } from './faults.js';
export type { SubnetOptions, ExecutionEvent, ManagementCallEvent, Wake } from './subnet/index.js';
export { MANAGEMENT_CANISTER_ID } from './principal.js';
export { managementIdlFactory } from './management/candid.js';
export { DEFAULT_INSTRUCTION_LIMITS, MAX_STABLE_PAGES, WASM_PAGE_BYTES } from './constants.js';
export type { InstructionLimits } from './constants.js';
export type { InstallEntry, InstallReport, InstallStepReport } from './management/install-report.js';

// ---------------------------------------------------------------------------------------
// For the HTTP server (src/server), which reaches the replica only through this file:
// state types, certification, and the persistence of subnet state.
export { MAX_INGRESS_PAYLOAD_BYTES } from './constants.js';
export type { CostSchedule } from './engine/cycles.js';
export type { Page } from './memory/page-store.js';
export { StableMemory } from './memory/stable-memory.js';
export type { Canister, Snapshot } from './state/canister.js';
export type { IngressRecord, IngressStatus } from './state/ingress.js';
export { BLS_DER_PREFIX, ReplicaKeys, concat, domainSeparator } from './certification/keys.js';
export type { KeyMaterial } from './certification/keys.js';
export { lookupPath, reconstruct } from './certification/hash-tree.js';
export type { HashTree } from './certification/hash-tree.js';
export { RANGE_END, RANGE_START, StateTree, certifiedDataPath, isPrivateMetadata, utf8 } from './certification/state-tree.js';
export {
    CorruptStateError,
    canisterRecord,
    heapRecord,
    ingressRecord,
    restoreCanister,
    restoreHeap,
    restoreIngress,
    restoreSnapshot,
    restoreStable,
    restoreSubnet,
    snapshotRecord,
    stableRecord,
    storeGlobal,
    subnetRecord
} from './persistence/index.js';
export type { BlobSink, BlobSource, Stored, StoredRecord } from './persistence/index.js';
