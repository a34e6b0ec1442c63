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
} from './replica.js';
export type { IngressStatus } from './state/ingress.js';
export type { Actor, ActorInterface, ActorMethod, DeferredActor, DeferredActorMethod } from './actor.js';
export { CallRejectedError, CallTimeoutError, SettingTimeIntoPastError, ReplicaTornDownError } from './errors.js';
export { RejectCode } from './reject.js';
export type { Reject, CallResult } from './reject.js';
export { Subnet } from './subnet.js';
export { FaultInjector, INJECTED_TRAP_MESSAGE } from './faults.js';
export type { ResponseFault, ResponseFaultRule } from './faults.js';
export type { SubnetOptions, ExecutionEvent } from './subnet.js';
export { MANAGEMENT_CANISTER_ID } from './principal.js';
export { managementIdlFactory } from './management/candid.js';
export { DEFAULT_INSTRUCTION_LIMITS } from './constants.js';
