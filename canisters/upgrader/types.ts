/**
 * The upgrader's Candid types: one IDL value and one TS type per name, shared by the canister,
 * the app-side library (`canisters/app_lib`), the typed client (`src/client/upgrader.ts`) and
 * the tests. This file imports only `@dfinity/candid` and `@dfinity/principal` (the same copies
 * Azle bundles), so it loads in a canister, in Node and in jest alike.
 *
 * Conventions: `opt T` is `[] | [T]`; blobs are `Uint8Array`; times are IC nanoseconds (nat64).
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

// ---------------------------------------------------------------- governance

/** A voter and its weight. A voter may be a person or a DAO canister: any principal. */
export const Voter = IDL.Record({ principal: IDL.Principal, weight: IDL.Nat32 });
export type Voter = { principal: Principal; weight: number };

/**
 * How an app is governed. A proposal is approved once the weights of its approving votes
 * reach `threshold`, and rejected once approval can no longer be reached.
 */
export const Policy = IDL.Record({
    voters: IDL.Vec(Voter),
    threshold: IDL.Nat32,
    /** Maintainers who may upload modules and submit proposals (the app itself always may). */
    proposers: IDL.Vec(IDL.Principal),
    /** How long a proposal stays open for votes. */
    proposal_lifetime_seconds: IDL.Nat64,
    /** A method of the app, `() -> (bool)`, that must answer `true` after an upgrade. */
    health_check: IDL.Opt(IDL.Text)
});
export type Policy = {
    voters: Voter[];
    threshold: number;
    proposers: Principal[];
    proposal_lifetime_seconds: bigint;
    health_check: [] | [string];
};

/** Snapshots the upgrader takes of an app before installing, and how many it keeps. */
export const SnapshotPolicy = IDL.Record({
    /** Snapshots kept per app (0-10); the oldest is replaced beyond that. 0 disables snapshots. */
    keep: IDL.Nat8,
    /** Whether every upgrade must take a snapshot (proposals without one are refused). */
    required: IDL.Bool
});
export type SnapshotPolicy = { keep: number; required: boolean };

export const RegisterArgs = IDL.Record({
    app: IDL.Principal,
    policy: Policy,
    snapshot_policy: SnapshotPolicy,
    /** The recovery principal: must already be a controller of the app. */
    recovery: IDL.Principal
});
export type RegisterArgs = { app: Principal; policy: Policy; snapshot_policy: SnapshotPolicy; recovery: Principal };

/** A snapshot the upgrader took of an app. */
export const SnapshotRef = IDL.Record({ id: IDL.Vec(IDL.Nat8), taken_at: IDL.Nat64, proposal_id: IDL.Nat64 });
export type SnapshotRef = { id: Uint8Array; taken_at: bigint; proposal_id: bigint };

export const AppInfo = IDL.Record({
    app: IDL.Principal,
    policy: Policy,
    snapshot_policy: SnapshotPolicy,
    recovery: IDL.Principal,
    registered_by: IDL.Principal,
    registered_at: IDL.Nat64,
    paused: IDL.Bool,
    /** The proposal that is open or executing for this app, if any (at most one). */
    live_proposal: IDL.Opt(IDL.Nat64),
    /** Oldest first. */
    snapshots: IDL.Vec(SnapshotRef),
    /** Bumped by every policy change. */
    policy_version: IDL.Nat32
});
export type AppInfo = {
    app: Principal;
    policy: Policy;
    snapshot_policy: SnapshotPolicy;
    recovery: Principal;
    registered_by: Principal;
    registered_at: bigint;
    paused: boolean;
    live_proposal: [] | [bigint];
    snapshots: SnapshotRef[];
    policy_version: number;
};

// ---------------------------------------------------------------- modules

export const CreateModuleArgs = IDL.Record({
    app: IDL.Principal,
    /** The SHA-256 of the whole module, as the uploader claims it; the IC checks it at install. */
    hash: IDL.Vec(IDL.Nat8),
    /** Size of the module in bytes. */
    size: IDL.Nat64
});
export type CreateModuleArgs = { app: Principal; hash: Uint8Array; size: bigint };

export const UploadChunkArgs = IDL.Record({
    app: IDL.Principal,
    hash: IDL.Vec(IDL.Nat8),
    /** 0-based; every chunk is exactly 1 MiB except the last. */
    index: IDL.Nat32,
    chunk: IDL.Vec(IDL.Nat8)
});
export type UploadChunkArgs = { app: Principal; hash: Uint8Array; index: number; chunk: Uint8Array };

export const ModuleRef = IDL.Record({ app: IDL.Principal, hash: IDL.Vec(IDL.Nat8) });
export type ModuleRef = { app: Principal; hash: Uint8Array };

export const ModuleInfo = IDL.Record({
    app: IDL.Principal,
    hash: IDL.Vec(IDL.Nat8),
    size: IDL.Nat64,
    chunks_expected: IDL.Nat32,
    chunks_received: IDL.Nat32,
    uploader: IDL.Principal,
    created_at: IDL.Nat64,
    /** All chunks are present. */
    complete: IDL.Bool,
    /** The IC refused it at install because its bytes do not hash to `hash`. */
    rejected: IDL.Bool
});
export type ModuleInfo = {
    app: Principal;
    hash: Uint8Array;
    size: bigint;
    chunks_expected: number;
    chunks_received: number;
    uploader: Principal;
    created_at: bigint;
    complete: boolean;
    rejected: boolean;
};

// ---------------------------------------------------------------- proposals

export const WasmMemoryPersistence = IDL.Variant({ keep: IDL.Null, replace: IDL.Null });
export type WasmMemoryPersistence = { keep: null } | { replace: null };

export const UpgradeOptions = IDL.Record({
    /** Take a snapshot before installing (needed to roll back a failed verification). */
    take_snapshot: IDL.Bool,
    skip_pre_upgrade: IDL.Bool,
    wasm_memory_persistence: IDL.Opt(WasmMemoryPersistence)
});
export type UpgradeOptions = { take_snapshot: boolean; skip_pre_upgrade: boolean; wasm_memory_persistence: [] | [WasmMemoryPersistence] };

/** "Upgrade the app to module `module_hash` with argument `arg`", as an app or a maintainer asks it. */
export const UpgradeRequest = IDL.Record({
    module_hash: IDL.Vec(IDL.Nat8),
    /** The Candid-encoded argument of the app's post_upgrade. */
    arg: IDL.Vec(IDL.Nat8),
    options: UpgradeOptions,
    /**
     * The proposer knows the app ran this module before (a downgrade). Required when it did;
     * refused when it did not, so the flag voters see is always the upgrader's finding.
     */
    downgrade: IDL.Bool
});
export type UpgradeRequest = { module_hash: Uint8Array; arg: Uint8Array; options: UpgradeOptions; downgrade: boolean };

export const PolicyChange = IDL.Record({ policy: Policy, snapshot_policy: SnapshotPolicy });
export type PolicyChange = { policy: Policy; snapshot_policy: SnapshotPolicy };

export const ProposalAction = IDL.Variant({
    upgrade: UpgradeRequest,
    change_policy: PolicyChange,
    /** Load this snapshot of the app: only the recovery principal, through `restore_snapshot`. */
    restore_snapshot: IDL.Vec(IDL.Nat8)
});
export type ProposalAction = { upgrade: UpgradeRequest } | { change_policy: PolicyChange } | { restore_snapshot: Uint8Array };

export const ProposeArgs = IDL.Record({ app: IDL.Principal, action: ProposalAction });
export type ProposeArgs = { app: Principal; action: ProposalAction };

/**
 * A vote binds the pair (proposal, subject): `subject` must equal the proposal's subject. For an
 * upgrade it is the SHA-256 of the module hash, the argument's SHA-256, the options, the
 * downgrade flag and the module the app ran when proposed (see `upgradeSubject` in
 * proposals.ts); for a policy change, the SHA-256 of the Candid-encoded change.
 */
export const VoteArgs = IDL.Record({ proposal_id: IDL.Nat64, subject: IDL.Vec(IDL.Nat8), approve: IDL.Bool });
export type VoteArgs = { proposal_id: bigint; subject: Uint8Array; approve: boolean };

export const Vote = IDL.Record({ voter: IDL.Principal, approve: IDL.Bool, weight: IDL.Nat32, at: IDL.Nat64 });
export type Vote = { voter: Principal; approve: boolean; weight: number; at: bigint };

/** How an approved proposal (or a recovery operation) ended. Every failure names its cause. */
export const Outcome = IDL.Variant({
    /** Installed, running as before, module hash verified (and the health check answered true). */
    upgraded: IDL.Null,
    policy_changed: IDL.Null,
    /** A recovery restore: the snapshot was loaded. */
    restored: IDL.Null,
    /** The app did not stop in time; it was started again and keeps its old version. */
    stuck_stopping: IDL.Text,
    /** The checks before stopping failed (not a controller any more, paused, module missing...). */
    aborted: IDL.Text,
    /** The app no longer runs the module it ran when the upgrade was proposed: it was not touched. */
    precondition_failed: IDL.Text,
    /** Uploading the module to the app's chunk store failed; the app was not touched. */
    upload_failed: IDL.Text,
    /** The snapshot could not be taken; the app was started again, unchanged. */
    snapshot_failed: IDL.Text,
    /** The IC refused the install (hash mismatch, trapping pre_upgrade or post_upgrade...): app unchanged. */
    install_failed: IDL.Text,
    /** Verification failed and the snapshot was loaded: the app runs its old version and data. */
    rolled_back: IDL.Text,
    /** Verification failed and there was no snapshot to go back to: recovery should look at it. */
    verification_failed: IDL.Text,
    /** Verification failed and loading the snapshot failed too: recovery must act. */
    rollback_failed: IDL.Text,
    /**
     * The app could not be started again and is left stopped (the text says on which module and
     * why, e.g. the upgrader is no longer its controller): its recovery principal must start it.
     */
    start_failed: IDL.Text
});
export type Outcome =
    | { upgraded: null }
    | { policy_changed: null }
    | { restored: null }
    | { stuck_stopping: string }
    | { aborted: string }
    | { precondition_failed: string }
    | { upload_failed: string }
    | { snapshot_failed: string }
    | { install_failed: string }
    | { rolled_back: string }
    | { verification_failed: string }
    | { rollback_failed: string }
    | { start_failed: string };

export const ProposalStatus = IDL.Variant({
    open: IDL.Null,
    rejected: IDL.Null,
    expired: IDL.Null,
    cancelled: IDL.Text,
    /** Approved; the upgrader is executing it. */
    executing: IDL.Null,
    executed: Outcome
});
export type ProposalStatus = { open: null } | { rejected: null } | { expired: null } | { cancelled: string } | { executing: null } | { executed: Outcome };

export const Proposal = IDL.Record({
    id: IDL.Nat64,
    app: IDL.Principal,
    proposer: IDL.Principal,
    action: ProposalAction,
    /** What votes bind to (see VoteArgs). */
    subject: IDL.Vec(IDL.Nat8),
    /** SHA-256 of the upgrade's argument (empty for other actions). */
    arg_hash: IDL.Vec(IDL.Nat8),
    /**
     * The module the app ran when the upgrade was proposed, as the upgrader last saw it; the
     * execution checks it still does before touching the app (`precondition_failed` otherwise).
     */
    from_module: IDL.Opt(IDL.Vec(IDL.Nat8)),
    /** The app ran the proposed module before: this upgrade goes back to it. */
    downgrade: IDL.Bool,
    /** Made by the recovery principal without votes. */
    emergency: IDL.Bool,
    created_at: IDL.Nat64,
    expires_at: IDL.Nat64,
    votes: IDL.Vec(Vote),
    approving_weight: IDL.Nat32,
    rejecting_weight: IDL.Nat32,
    status: ProposalStatus
});
export type Proposal = {
    id: bigint;
    app: Principal;
    proposer: Principal;
    action: ProposalAction;
    subject: Uint8Array;
    arg_hash: Uint8Array;
    from_module: [] | [Uint8Array];
    downgrade: boolean;
    emergency: boolean;
    created_at: bigint;
    expires_at: bigint;
    votes: Vote[];
    approving_weight: number;
    rejecting_weight: number;
    status: ProposalStatus;
};

// ---------------------------------------------------------------- execution

/** The steps of an execution, in the order the executor runs them (see executor.ts). */
export const Step = IDL.Variant({
    check: IDL.Null,
    clear_chunk_store: IDL.Null,
    upload_chunk: IDL.Nat32,
    stop: IDL.Null,
    snapshot: IDL.Null,
    install: IDL.Null,
    start: IDL.Null,
    verify: IDL.Null,
    health_check: IDL.Null,
    rollback_stop: IDL.Null,
    rollback_load: IDL.Null,
    rollback_start: IDL.Null,
    cleanup: IDL.Null,
    done: IDL.Null
});
export type Step =
    | { check: null }
    | { clear_chunk_store: null }
    | { upload_chunk: number }
    | { stop: null }
    | { snapshot: null }
    | { install: null }
    | { start: null }
    | { verify: null }
    | { health_check: null }
    | { rollback_stop: null }
    | { rollback_load: null }
    | { rollback_start: null }
    | { cleanup: null }
    | { done: null };

export const ExecutionKind = IDL.Variant({
    upgrade: UpgradeRequest,
    /** Recovery: stop, load this snapshot, start. */
    restore: IDL.Vec(IDL.Nat8)
});
export type ExecutionKind = { upgrade: UpgradeRequest } | { restore: Uint8Array };

/** The persisted state machine of one execution; one live execution per app at most. */
export const Execution = IDL.Record({
    /** Never reused (a counter that survives upgrades): fences out every driver of another execution. */
    id: IDL.Nat64,
    proposal_id: IDL.Nat64,
    app: IDL.Principal,
    kind: ExecutionKind,
    step: Step,
    /** Whether the app was running when the execution began (it is started again only then). */
    was_running: IDL.Bool,
    /** The snapshot taken by this execution, to roll back to. */
    snapshot_id: IDL.Opt(IDL.Vec(IDL.Nat8)),
    /** Hashes the IC returned for the chunks uploaded to the app's chunk store, in order. */
    chunk_hashes: IDL.Vec(IDL.Vec(IDL.Nat8)),
    /** Set by a failed step: reported once the app has been started again and cleaned up. */
    failure: IDL.Opt(Outcome),
    /** Bumped each time a driver takes the execution over; fences out stale drivers. */
    attempt: IDL.Nat32,
    /** A driver holds the execution until then (a step's call is in flight). */
    lease_until: IDL.Nat64,
    /** Failed tries of the current step that are retried (a start the IC refused, a call not sent). */
    retries: IDL.Nat32,
    /** Why the execution waits at its step, if it does (e.g. for cycles); the watchdog retries it. */
    waiting: IDL.Opt(IDL.Text),
    started_at: IDL.Nat64,
    updated_at: IDL.Nat64
});
export type Execution = {
    id: bigint;
    proposal_id: bigint;
    app: Principal;
    kind: ExecutionKind;
    step: Step;
    was_running: boolean;
    snapshot_id: [] | [Uint8Array];
    chunk_hashes: Uint8Array[];
    failure: [] | [Outcome];
    attempt: number;
    lease_until: bigint;
    retries: number;
    waiting: [] | [string];
    started_at: bigint;
    updated_at: bigint;
};

/** What `resume` reports: where the app's execution stands after driving it. */
export const ResumeResult = IDL.Variant({
    /** No execution is live for the app; the last proposal's status, if any. */
    idle: IDL.Opt(ProposalStatus),
    /** The execution finished in this call. */
    finished: Outcome,
    /** Another driver holds the execution (a step is in flight); try again later. */
    in_flight: Step,
    /** Driving was handed to a timer (the caller is the app itself, which must not wait on its own upgrade). */
    scheduled: Step,
    /**
     * The execution waits at `step` because the upgrader lacks cycles to make its call (or, at
     * `check`, to finish an execution): top it up (deposit_cycles); the watchdog then retries.
     */
    waiting_for_cycles: IDL.Record({ step: Step, balance: IDL.Nat, required: IDL.Nat })
});
export type ResumeResult =
    | { idle: [] | [ProposalStatus] }
    | { finished: Outcome }
    | { in_flight: Step }
    | { scheduled: Step }
    | { waiting_for_cycles: { step: Step; balance: bigint; required: bigint } };

// ---------------------------------------------------------------- recovery

export const EmergencyUpgradeArgs = IDL.Record({ app: IDL.Principal, request: UpgradeRequest });
export type EmergencyUpgradeArgs = { app: Principal; request: UpgradeRequest };

export const RestoreArgs = IDL.Record({
    app: IDL.Principal,
    /** The snapshot to load; default: the newest one the upgrader took. */
    snapshot_id: IDL.Opt(IDL.Vec(IDL.Nat8))
});
export type RestoreArgs = { app: Principal; snapshot_id: [] | [Uint8Array] };

export const SetPolicyArgs = IDL.Record({ app: IDL.Principal, change: PolicyChange });
export type SetPolicyArgs = { app: Principal; change: PolicyChange };

// ---------------------------------------------------------------- audit

export const AuditEvent = IDL.Variant({
    registered: IDL.Null,
    module_created: IDL.Vec(IDL.Nat8),
    module_completed: IDL.Vec(IDL.Nat8),
    module_deleted: IDL.Vec(IDL.Nat8),
    proposed: IDL.Null,
    voted: IDL.Record({ approve: IDL.Bool, weight: IDL.Nat32 }),
    status_changed: ProposalStatus,
    step_started: Step,
    step_failed: IDL.Record({ step: Step, message: IDL.Text }),
    paused: IDL.Null,
    unpaused: IDL.Null,
    policy_changed: IDL.Nat32,
    emergency_upgrade: IDL.Vec(IDL.Nat8),
    restore_requested: IDL.Vec(IDL.Nat8),
    ejected: IDL.Null,
    /** Someone showed that the upgrader no longer controls the app; the app was forgotten. */
    reaped: IDL.Null
});
export type AuditEvent =
    | { registered: null }
    | { module_created: Uint8Array }
    | { module_completed: Uint8Array }
    | { module_deleted: Uint8Array }
    | { proposed: null }
    | { voted: { approve: boolean; weight: number } }
    | { status_changed: ProposalStatus }
    | { step_started: Step }
    | { step_failed: { step: Step; message: string } }
    | { paused: null }
    | { unpaused: null }
    | { policy_changed: number }
    | { emergency_upgrade: Uint8Array }
    | { restore_requested: Uint8Array }
    | { ejected: null }
    | { reaped: null };

export const AuditEntry = IDL.Record({
    seq: IDL.Nat64,
    at: IDL.Nat64,
    app: IDL.Principal,
    proposal_id: IDL.Opt(IDL.Nat64),
    /** Who caused it: a caller, or the upgrader itself for executor steps. */
    actor: IDL.Principal,
    event: AuditEvent
});
export type AuditEntry = { seq: bigint; at: bigint; app: Principal; proposal_id: [] | [bigint]; actor: Principal; event: AuditEvent };

export const AuditQuery = IDL.Record({
    /**
     * This app's history (its own ring of the latest entries); default: the registry's history
     * (registrations, ejections, reaps of every app).
     */
    app: IDL.Opt(IDL.Principal),
    /** First position to return, in the app's own numbering or the registry's. */
    start: IDL.Nat64,
    /** At most 100. */
    limit: IDL.Nat32
});
export type AuditQuery = { app: [] | [Principal]; start: bigint; limit: number };

export const AuditPage = IDL.Record({
    entries: IDL.Vec(AuditEntry),
    /** Where the next page starts, when there is one. */
    next: IDL.Opt(IDL.Nat64),
    /** Positions in this log so far; the oldest are dropped past the log's cap. */
    total: IDL.Nat64
});
export type AuditPage = { entries: AuditEntry[]; next: [] | [bigint]; total: bigint };

// ---------------------------------------------------------------- limits and errors

/** The upgrader's fixed limits, as `limits()` reports them. */
export const Limits = IDL.Record({
    max_apps: IDL.Nat32,
    max_apps_per_registrant: IDL.Nat32,
    max_voters: IDL.Nat32,
    max_proposers: IDL.Nat32,
    max_module_bytes: IDL.Nat64,
    chunk_bytes: IDL.Nat32,
    max_modules_per_app: IDL.Nat32,
    /** Bytes of modules one app may hold in the store at once. */
    max_app_store_bytes: IDL.Nat64,
    /** A safety net for all apps together, out of reach without paying for many apps (README). */
    max_store_bytes: IDL.Nat64,
    module_ttl_seconds: IDL.Nat64,
    max_arg_bytes: IDL.Nat32,
    max_proposals_kept: IDL.Nat32,
    /** Entries kept in the registry's history (audit_log without an app). */
    max_audit_entries: IDL.Nat32,
    max_snapshots_kept: IDL.Nat8,
    /** Cycles one execution may spend at most (its worst-case path), kept in reserve per live execution. */
    execution_reserve_cycles: IDL.Nat,
    /** Cycles kept above the executions' reserves for the freezing threshold (see README "Cycles"). */
    freezing_reserve_cycles: IDL.Nat,
    /** How long a driver holds an execution while its call is in flight. */
    lease_seconds: IDL.Nat64,
    /** The watchdog resumes executions whose lease ran out this often. */
    watchdog_interval_seconds: IDL.Nat64,
    /** Worst case between a lost response and the watchdog resuming its execution. */
    max_recovery_seconds: IDL.Nat64,
    /** Entries kept in each app's own history. */
    max_audit_entries_per_app: IDL.Nat32,
    /** Cycles `register` accepts, fixed at install. */
    registration_fee: IDL.Nat,
    /** Cycles `create_module` accepts per MiB reserved (rounded up), fixed at install. */
    storage_fee_per_mib: IDL.Nat
});
export type Limits = {
    max_apps: number;
    max_apps_per_registrant: number;
    max_voters: number;
    max_proposers: number;
    max_module_bytes: bigint;
    chunk_bytes: number;
    max_modules_per_app: number;
    max_app_store_bytes: bigint;
    max_store_bytes: bigint;
    module_ttl_seconds: bigint;
    max_arg_bytes: number;
    max_proposals_kept: number;
    max_audit_entries: number;
    max_audit_entries_per_app: number;
    max_snapshots_kept: number;
    execution_reserve_cycles: bigint;
    freezing_reserve_cycles: bigint;
    lease_seconds: bigint;
    watchdog_interval_seconds: bigint;
    max_recovery_seconds: bigint;
    registration_fee: bigint;
    storage_fee_per_mib: bigint;
};

/**
 * What an install fixes: `opt InstallSettings` is the upgrader's init argument (no argument,
 * `()` or `null`: the defaults of limits.ts). Prices are in cycles; 0 makes a method free
 * (private deployments). The optional bounds may only lower the defaults (small test or
 * private deployments).
 */
export const InstallSettings = IDL.Record({
    registration_fee: IDL.Nat,
    storage_fee_per_mib: IDL.Nat,
    max_apps: IDL.Opt(IDL.Nat32),
    max_proposals_kept: IDL.Opt(IDL.Nat32),
    max_audit_entries_per_app: IDL.Opt(IDL.Nat32)
});
export type InstallSettings = {
    registration_fee: bigint;
    storage_fee_per_mib: bigint;
    max_apps: [] | [number];
    max_proposals_kept: [] | [number];
    max_audit_entries_per_app: [] | [number];
};
export const InitArgs = IDL.Opt(InstallSettings);
export type InitArgs = [] | [InstallSettings];

/** Every expected failure of every method. `errors.ts` maps internal failures to these. */
export const UpgraderError = IDL.Variant({
    Unauthorized: IDL.Text,
    InvalidArgument: IDL.Text,
    AppNotRegistered: IDL.Principal,
    AppAlreadyRegistered: IDL.Principal,
    /** The upgrader or the recovery principal is not a controller of the app (or the check failed). */
    NotController: IDL.Text,
    QuotaExceeded: IDL.Text,
    ModuleNotFound: IDL.Vec(IDL.Nat8),
    ModuleIncomplete: IDL.Record({ hash: IDL.Vec(IDL.Nat8), received: IDL.Nat32, expected: IDL.Nat32 }),
    ModuleRejected: IDL.Vec(IDL.Nat8),
    ModuleInUse: IDL.Nat64,
    ProposalNotFound: IDL.Nat64,
    ProposalNotOpen: IDL.Record({ id: IDL.Nat64, status: ProposalStatus }),
    /** The app already has a live proposal or execution: one at a time. */
    ProposalInProgress: IDL.Nat64,
    NotAVoter: IDL.Principal,
    AlreadyVoted: IDL.Principal,
    SubjectMismatch: IDL.Record({ expected: IDL.Vec(IDL.Nat8), given: IDL.Vec(IDL.Nat8) }),
    Paused: IDL.Principal,
    SnapshotNotFound: IDL.Text,
    ManagementCallFailed: IDL.Record({ method: IDL.Text, reject_code: IDL.Nat32, message: IDL.Text }),
    /** The call did not carry the cycles the method costs; none were taken. */
    InsufficientPayment: IDL.Record({ required: IDL.Nat, available: IDL.Nat })
});
export type UpgraderError =
    | { Unauthorized: string }
    | { InvalidArgument: string }
    | { AppNotRegistered: Principal }
    | { AppAlreadyRegistered: Principal }
    | { NotController: string }
    | { QuotaExceeded: string }
    | { ModuleNotFound: Uint8Array }
    | { ModuleIncomplete: { hash: Uint8Array; received: number; expected: number } }
    | { ModuleRejected: Uint8Array }
    | { ModuleInUse: bigint }
    | { ProposalNotFound: bigint }
    | { ProposalNotOpen: { id: bigint; status: ProposalStatus } }
    | { ProposalInProgress: bigint }
    | { NotAVoter: Principal }
    | { AlreadyVoted: Principal }
    | { SubjectMismatch: { expected: Uint8Array; given: Uint8Array } }
    | { Paused: Principal }
    | { SnapshotNotFound: string }
    | { ManagementCallFailed: { method: string; reject_code: number; message: string } }
    | { InsufficientPayment: { required: bigint; available: bigint } };

/** `variant { Ok : T; Err : UpgraderError }` */
export function Result<T extends IDL.Type>(ok: T): IDL.VariantClass {
    return IDL.Variant({ Ok: ok, Err: UpgraderError });
}
export type Result<T> = { Ok: T } | { Err: UpgraderError };

export const ResultUnit = Result(IDL.Null);
export const ResultApp = Result(AppInfo);
export const ResultModule = Result(ModuleInfo);
export const ResultProposalId = Result(IDL.Nat64);
export const ResultProposal = Result(Proposal);
export const ResultResume = Result(ResumeResult);

/** The upgrader's service, for actors and clients (the build generates the same `.did`). */
export const idlFactory: IDL.InterfaceFactory = () =>
    IDL.Service({
        register: IDL.Func([RegisterArgs], [ResultApp], []),
        get_app: IDL.Func([IDL.Principal], [IDL.Opt(AppInfo)], ['query']),
        create_module: IDL.Func([CreateModuleArgs], [ResultModule], []),
        upload_module_chunk: IDL.Func([UploadChunkArgs], [ResultModule], []),
        delete_module: IDL.Func([ModuleRef], [ResultUnit], []),
        get_module: IDL.Func([ModuleRef], [IDL.Opt(ModuleInfo)], ['query']),
        propose: IDL.Func([ProposeArgs], [ResultProposalId], []),
        request_upgrade: IDL.Func([UpgradeRequest], [ResultProposalId], []),
        vote: IDL.Func([VoteArgs], [ResultProposal], []),
        get_proposal: IDL.Func([IDL.Nat64], [IDL.Opt(Proposal)], ['query']),
        resume: IDL.Func([IDL.Principal], [ResultResume], []),
        get_execution: IDL.Func([IDL.Principal], [IDL.Opt(Execution)], ['query']),
        pause: IDL.Func([IDL.Principal], [ResultUnit], []),
        unpause: IDL.Func([IDL.Principal], [ResultUnit], []),
        cancel_proposal: IDL.Func([IDL.Nat64], [ResultProposal], []),
        set_policy: IDL.Func([SetPolicyArgs], [ResultApp], []),
        emergency_upgrade: IDL.Func([EmergencyUpgradeArgs], [ResultProposalId], []),
        restore_snapshot: IDL.Func([RestoreArgs], [ResultProposalId], []),
        eject: IDL.Func([IDL.Principal], [ResultUnit], []),
        reap: IDL.Func([IDL.Principal], [ResultUnit], []),
        audit_log: IDL.Func([AuditQuery], [AuditPage], ['query']),
        limits: IDL.Func([], [Limits], ['query'])
    });

/** The upgrader's methods as TS signatures (what an actor over `idlFactory` offers). */
export interface UpgraderService {
    register: (args: RegisterArgs) => Promise<Result<AppInfo>>;
    get_app: (app: Principal) => Promise<[] | [AppInfo]>;
    create_module: (args: CreateModuleArgs) => Promise<Result<ModuleInfo>>;
    upload_module_chunk: (args: UploadChunkArgs) => Promise<Result<ModuleInfo>>;
    delete_module: (args: ModuleRef) => Promise<Result<null>>;
    get_module: (args: ModuleRef) => Promise<[] | [ModuleInfo]>;
    propose: (args: ProposeArgs) => Promise<Result<bigint>>;
    request_upgrade: (request: UpgradeRequest) => Promise<Result<bigint>>;
    vote: (args: VoteArgs) => Promise<Result<Proposal>>;
    get_proposal: (id: bigint) => Promise<[] | [Proposal]>;
    resume: (app: Principal) => Promise<Result<ResumeResult>>;
    get_execution: (app: Principal) => Promise<[] | [Execution]>;
    pause: (app: Principal) => Promise<Result<null>>;
    unpause: (app: Principal) => Promise<Result<null>>;
    cancel_proposal: (id: bigint) => Promise<Result<Proposal>>;
    set_policy: (args: SetPolicyArgs) => Promise<Result<AppInfo>>;
    emergency_upgrade: (args: EmergencyUpgradeArgs) => Promise<Result<bigint>>;
    restore_snapshot: (args: RestoreArgs) => Promise<Result<bigint>>;
    eject: (app: Principal) => Promise<Result<null>>;
    reap: (app: Principal) => Promise<Result<null>>;
    audit_log: (query: AuditQuery) => Promise<AuditPage>;
    limits: () => Promise<Limits>;
}

/** Name of the method an app calls (one-way) to propose its own upgrade. */
export const REQUEST_UPGRADE_METHOD = 'request_upgrade';
