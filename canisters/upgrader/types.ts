/**
 * (Over 400 lines on purpose: the upgrader's whole Candid interface, read top to bottom next to upgrader.did.)
 *
 * The upgrader's Candid types: one IDL value per name, its TS type derived from it (typed-idl.ts),
 * shared by the canister, the app-side library (`canisters/app_lib`) and the tests. `upgrader.did`
 * is generated from this file (`npm run candid-bindings`: each exported IDL value is a named type
 * there, in this order), and the typed client's bindings from that. This file and typed-idl.ts import only
 * `@dfinity/candid` and `@dfinity/principal` (the same copies Azle bundles), so they load in a
 * canister, in Node and in jest alike.
 *
 * Conventions: `opt T` is `[] | [T]`; blobs are `Uint8Array`; times are IC nanoseconds (nat64).
 */
import { IDL } from '@dfinity/candid';

import { Candid, type ServiceOf, type ValueOf } from './typed-idl';

// ---------------------------------------------------------------- governance

/** A voter and its weight. A voter may be a person or a DAO canister: any principal. */
export const Voter = Candid.Record({ principal: Candid.Principal, weight: Candid.Nat32 });
export type Voter = ValueOf<typeof Voter>;

/**
 * How an app is governed. A proposal is approved once the weights of its approving votes
 * reach `threshold`, and rejected once approval can no longer be reached.
 */
export const Policy = Candid.Record({
    voters: Candid.Vec(Voter),
    threshold: Candid.Nat32,
    /** Maintainers who may upload modules and submit proposals (the app itself always may). */
    proposers: Candid.Vec(Candid.Principal),
    /** How long a proposal stays open for votes. */
    proposal_lifetime_seconds: Candid.Nat64,
    /** A method of the app, `() -> (bool)`, that must answer `true` after an upgrade. */
    health_check: Candid.Opt(Candid.Text)
});
export type Policy = ValueOf<typeof Policy>;

/** Snapshots the upgrader takes of an app before installing, and how many it keeps. */
export const SnapshotPolicy = Candid.Record({
    /** Snapshots kept per app (0-10); the oldest is replaced beyond that. 0 disables snapshots. */
    keep: Candid.Nat8,
    /** Whether every upgrade must take a snapshot (proposals without one are refused). */
    required: Candid.Bool,
    /**
     * Rehearse every upgrade first: before the app is stopped, the upgrader copies a fresh
     * snapshot of it into a canister of its own, upgrades that copy to the approved module and
     * runs the health check on it, then deletes it (README "Rehearsal"). Needs `keep` >= 1.
     */
    rehearse: Candid.Bool
});
export type SnapshotPolicy = ValueOf<typeof SnapshotPolicy>;

export const RegisterArgs = Candid.Record({
    app: Candid.Principal,
    policy: Policy,
    snapshot_policy: SnapshotPolicy,
    /** The recovery principal: must already be a controller of the app. */
    recovery: Candid.Principal
});
export type RegisterArgs = ValueOf<typeof RegisterArgs>;

/** A snapshot the upgrader took of an app. */
export const SnapshotRef = Candid.Record({ id: Candid.Blob, taken_at: Candid.Nat64, proposal_id: Candid.Nat64 });
export type SnapshotRef = ValueOf<typeof SnapshotRef>;

export const AppInfo = Candid.Record({
    app: Candid.Principal,
    policy: Policy,
    snapshot_policy: SnapshotPolicy,
    recovery: Candid.Principal,
    registered_by: Candid.Principal,
    registered_at: Candid.Nat64,
    paused: Candid.Bool,
    /** The proposal that is open or executing for this app, if any (at most one). */
    live_proposal: Candid.Opt(Candid.Nat64),
    /** Oldest first. */
    snapshots: Candid.Vec(SnapshotRef),
    /** Bumped by every policy change. */
    policy_version: Candid.Nat32,
    /**
     * The group this app belongs to: the group's rollouts upgrade it, under the group's policy
     * (README "Fleets"). None for an app on its own and for a group itself.
     */
    group: Candid.Opt(Candid.Principal),
    /** For a group (its principal is a reserved id, see create_group): how many apps belong to it. 0 for an app. */
    members: Candid.Nat32
});
export type AppInfo = ValueOf<typeof AppInfo>;

/**
 * A group of apps sharing one policy (voters, threshold, proposers, recovery principal): one
 * proposal upgrades them all (README "Fleets"). The group is named by a reserved principal the
 * upgrader makes up (it is no canister and no one can call as it).
 */
export const CreateGroupArgs = Candid.Record({ policy: Policy, snapshot_policy: SnapshotPolicy, recovery: Candid.Principal });
export type CreateGroupArgs = ValueOf<typeof CreateGroupArgs>;

/**
 * `app` joins `group`: registered under the group's policy, with registration's checks (the
 * upgrader and the group's recovery principal control it; the caller is one of its controllers).
 */
export const JoinGroupArgs = Candid.Record({ group: Candid.Principal, app: Candid.Principal });
export type JoinGroupArgs = ValueOf<typeof JoinGroupArgs>;

/** A page of a group's list (its members, or its latest rollout's members), by position. */
export const GroupPageQuery = Candid.Record({ group: Candid.Principal, start: Candid.Nat32, limit: Candid.Nat32 });
export type GroupPageQuery = ValueOf<typeof GroupPageQuery>;

export const GroupMembersPage = Candid.Record({ members: Candid.Vec(Candid.Principal), next: Candid.Opt(Candid.Nat32), total: Candid.Nat32 });
export type GroupMembersPage = ValueOf<typeof GroupMembersPage>;

// ---------------------------------------------------------------- modules

export const CreateModuleArgs = Candid.Record({
    app: Candid.Principal,
    /** The SHA-256 of the whole module, as the uploader claims it; the IC checks it at install. */
    hash: Candid.Blob,
    /** Size of the module in bytes. */
    size: Candid.Nat64
});
export type CreateModuleArgs = ValueOf<typeof CreateModuleArgs>;

export const UploadChunkArgs = Candid.Record({
    app: Candid.Principal,
    hash: Candid.Blob,
    /** 0-based; every chunk is exactly 1 MiB except the last. */
    index: Candid.Nat32,
    chunk: Candid.Blob
});
export type UploadChunkArgs = ValueOf<typeof UploadChunkArgs>;

export const ModuleRef = Candid.Record({ app: Candid.Principal, hash: Candid.Blob });
export type ModuleRef = ValueOf<typeof ModuleRef>;

/** Chunk `index` (0-based) of a stored module, for anyone to download and hash (get_module_chunk). */
export const ModuleChunkRef = Candid.Record({ app: Candid.Principal, hash: Candid.Blob, index: Candid.Nat32 });
export type ModuleChunkRef = ValueOf<typeof ModuleChunkRef>;

export const ModuleInfo = Candid.Record({
    app: Candid.Principal,
    hash: Candid.Blob,
    size: Candid.Nat64,
    chunks_expected: Candid.Nat32,
    chunks_received: Candid.Nat32,
    uploader: Candid.Principal,
    created_at: Candid.Nat64,
    /** All chunks are present. */
    complete: Candid.Bool,
    /** The IC refused it at install because its bytes do not hash to `hash`. */
    rejected: Candid.Bool
});
export type ModuleInfo = ValueOf<typeof ModuleInfo>;

// ---------------------------------------------------------------- proposals

export const WasmMemoryPersistence = Candid.Variant({ keep: Candid.Null, replace: Candid.Null });
export type WasmMemoryPersistence = ValueOf<typeof WasmMemoryPersistence>;

export const UpgradeOptions = Candid.Record({
    /** Take a snapshot before installing (needed to roll back a failed verification). */
    take_snapshot: Candid.Bool,
    skip_pre_upgrade: Candid.Bool,
    wasm_memory_persistence: Candid.Opt(WasmMemoryPersistence)
});
export type UpgradeOptions = ValueOf<typeof UpgradeOptions>;

/** "Upgrade the app to module `module_hash` with argument `arg`", as an app or a maintainer asks it. */
export const UpgradeRequest = Candid.Record({
    module_hash: Candid.Blob,
    /** The Candid-encoded argument of the app's post_upgrade. */
    arg: Candid.Blob,
    options: UpgradeOptions,
    /**
     * The proposer knows the app ran this module before (a downgrade). Required when it did;
     * refused when it did not, so the flag voters see is always the upgrader's finding.
     */
    downgrade: Candid.Bool
});
export type UpgradeRequest = ValueOf<typeof UpgradeRequest>;

export const PolicyChange = Candid.Record({ policy: Policy, snapshot_policy: SnapshotPolicy });
export type PolicyChange = ValueOf<typeof PolicyChange>;

/**
 * "Hand the app over to another upgrader": `successor` must be a canister that reports no
 * controllers (sealed) and runs the module `successor_module_hash`; votes bind both.
 */
export const HandOver = Candid.Record({ successor: Candid.Principal, successor_module_hash: Candid.Blob });
export type HandOver = ValueOf<typeof HandOver>;

/**
 * How a group's rollout proceeds: `canary` members first (any failure among them halts the
 * rollout), then waves of `batch_size`, never more than `max_concurrency` members at once; the
 * rollout halts once failures pass `max_failure_percent` of the members that ended.
 */
export const RolloutPlan = Candid.Record({
    canary: Candid.Nat32,
    batch_size: Candid.Nat32,
    max_concurrency: Candid.Nat32,
    max_failure_percent: Candid.Nat8
});
export type RolloutPlan = ValueOf<typeof RolloutPlan>;

/**
 * "Upgrade the group's members (all of them, or the ones named, in that order) to `upgrade`,
 * following `plan`". Each member runs the usual execution, installing from the upgrader's own
 * chunk store.
 */
export const RolloutRequest = Candid.Record({
    upgrade: UpgradeRequest,
    members: Candid.Opt(Candid.Vec(Candid.Principal)),
    plan: RolloutPlan
});
export type RolloutRequest = ValueOf<typeof RolloutRequest>;

export const ProposalAction = Candid.Variant({
    upgrade: UpgradeRequest,
    /** A group's upgrade: every member (or the ones named) to one module (README "Fleets"). */
    rollout: RolloutRequest,
    /** Move the app to a successor upgrader (see HandOver and README "Hand-over"). */
    hand_over: HandOver,
    change_policy: PolicyChange,
    /** Load this snapshot of the app: only the recovery principal, through `restore_snapshot`. */
    restore_snapshot: Candid.Blob
});
export type ProposalAction = ValueOf<typeof ProposalAction>;

export const ProposeArgs = Candid.Record({ app: Candid.Principal, action: ProposalAction });
export type ProposeArgs = ValueOf<typeof ProposeArgs>;

/**
 * A vote binds the pair (proposal, subject): `subject` must equal the proposal's subject. For an
 * upgrade it is the SHA-256 of the module hash, the argument's SHA-256, the options, the
 * downgrade flag and the module the app ran when proposed (see `upgradeSubject` in
 * proposals.ts); for a policy change, the SHA-256 of the Candid-encoded change.
 */
export const VoteArgs = Candid.Record({ proposal_id: Candid.Nat64, subject: Candid.Blob, approve: Candid.Bool });
export type VoteArgs = ValueOf<typeof VoteArgs>;

export const Vote = Candid.Record({ voter: Candid.Principal, approve: Candid.Bool, weight: Candid.Nat32, at: Candid.Nat64 });
export type Vote = ValueOf<typeof Vote>;

/** Where a rehearsal stands, and how it ended; the proposal shows it (`Proposal.rehearsal`). */
export const RehearsalReport = Candid.Record({
    /** The rehearsal canister, once created (the upgrader is its only controller; deleted at the end). */
    canister: Candid.Opt(Candid.Principal),
    /** Bytes of the app's snapshot copied: module, Wasm memory, stable memory and chunk store. */
    state_bytes: Candid.Nat64,
    /** Cycles given to the rehearsal canister (the IC burns what is left when it is deleted). */
    cycles: Candid.Nat,
    /** Unset while running; then whether the copy upgraded and passed the health check, and what happened. */
    result: Candid.Opt(Candid.Variant({ passed: Candid.Null, failed: Candid.Text }))
});
export type RehearsalReport = ValueOf<typeof RehearsalReport>;

/** How an approved proposal (or a recovery operation) ended. Every failure names its cause. */
export const Outcome = Candid.Variant({
    /** Installed, running as before, module hash verified (and the health check answered true). */
    upgraded: Candid.Null,
    policy_changed: Candid.Null,
    /** A recovery restore: the snapshot was loaded. */
    restored: Candid.Null,
    /** The app did not stop in time; it was started again and keeps its old version. */
    stuck_stopping: Candid.Text,
    /** The checks before stopping failed (not a controller any more, paused, module missing...). */
    aborted: Candid.Text,
    /** The app no longer runs the module it ran when the upgrade was proposed: it was not touched. */
    precondition_failed: Candid.Text,
    /** Uploading the module to the app's chunk store failed; the app was not touched. */
    upload_failed: Candid.Text,
    /** The snapshot could not be taken; the app was started again, unchanged. */
    snapshot_failed: Candid.Text,
    /** The IC refused the install (hash mismatch, trapping pre_upgrade or post_upgrade...): app unchanged. */
    install_failed: Candid.Text,
    /** Verification failed and the snapshot was loaded: the app runs its old version and data. */
    rolled_back: Candid.Text,
    /** Verification failed and there was no snapshot to go back to: recovery should look at it. */
    verification_failed: Candid.Text,
    /** Verification failed and loading the snapshot failed too: recovery must act. */
    rollback_failed: Candid.Text,
    /**
     * The app could not be started again and is left stopped (the text says on which module and
     * why, e.g. the upgrader is no longer its controller): its recovery principal must start it.
     */
    start_failed: Candid.Text,
    /** The app is controlled by this successor upgrader and its recovery principal; this upgrader left. */
    handed_over: Candid.Principal,
    /** The hand-over was refused before anything changed (successor not sealed, other module...). */
    hand_over_refused: Candid.Text,
    /** A hand-over step failed: the successor was removed again; the app stays with this upgrader. */
    hand_over_failed: Candid.Text,
    /** The rehearsal on a copy of the app failed (the text says where): the app was never stopped nor changed. */
    rehearsal_failed: Candid.Text,
    /** A group's rollout ran to its end: every member it started ended (get_rollout has each member's outcome). */
    rolled_out: Candid.Null,
    /** A group's rollout was halted (too many failures) or aborted by the recovery principal; members not started never will be. */
    rollout_halted: Candid.Text
});
export type Outcome = ValueOf<typeof Outcome>;

export const ProposalStatus = Candid.Variant({
    open: Candid.Null,
    rejected: Candid.Null,
    expired: Candid.Null,
    cancelled: Candid.Text,
    /** Approved; the upgrader is executing it. */
    executing: Candid.Null,
    executed: Outcome
});
export type ProposalStatus = ValueOf<typeof ProposalStatus>;

export const Proposal = Candid.Record({
    id: Candid.Nat64,
    app: Candid.Principal,
    proposer: Candid.Principal,
    action: ProposalAction,
    /** What votes bind to (see VoteArgs). */
    subject: Candid.Blob,
    /** SHA-256 of the upgrade's argument (empty for other actions). */
    arg_hash: Candid.Blob,
    /**
     * The module the app ran when the upgrade was proposed, as the upgrader last saw it; the
     * execution checks it still does before touching the app (`precondition_failed` otherwise).
     */
    from_module: Candid.Opt(Candid.Blob),
    /** The app ran the proposed module before: this upgrade goes back to it. */
    downgrade: Candid.Bool,
    /** Made by the recovery principal without votes. */
    emergency: Candid.Bool,
    created_at: Candid.Nat64,
    expires_at: Candid.Nat64,
    votes: Candid.Vec(Vote),
    approving_weight: Candid.Nat32,
    rejecting_weight: Candid.Nat32,
    status: ProposalStatus,
    /** The rehearsal of this upgrade on a copy of the app, once it ended (the policy's `rehearse`). */
    rehearsal: Candid.Opt(RehearsalReport)
});
export type Proposal = ValueOf<typeof Proposal>;

// ---------------------------------------------------------------- execution

/** The steps of an execution, in the order the executor runs them (see executor.ts). */
export const Step = Candid.Variant({
    check: Candid.Null,
    clear_chunk_store: Candid.Null,
    upload_chunk: Candid.Nat32,
    /** A group member's upgrade: chunk i of the module into the upgrader's own chunk store, unless already there. */
    stage_module: Candid.Nat32,
    stop: Candid.Null,
    snapshot: Candid.Null,
    install: Candid.Null,
    start: Candid.Null,
    verify: Candid.Null,
    health_check: Candid.Null,
    rollback_stop: Candid.Null,
    rollback_load: Candid.Null,
    rollback_start: Candid.Null,
    cleanup: Candid.Null,
    /** Hand-over: canister_info of the successor (sealed, named module), then of the app. */
    check_successor: Candid.Null,
    /** Hand-over: the successor joins the app's controllers. */
    add_successor: Candid.Null,
    /** Hand-over: canister_info shows the successor among the app's controllers. */
    confirm_successor: Candid.Null,
    /** Hand-over: this upgrader leaves the app's controllers (the successor and recovery stay). */
    remove_self: Candid.Null,
    /** Hand-over failed: the successor leaves the app's controllers again (best effort, retried). */
    remove_successor: Candid.Null,
    /** Rehearsal: the cycles it needs are checked, then create_canister (the upgrader its only controller). */
    rehearsal_create: Candid.Null,
    /** Rehearsal: a snapshot of the running app (taken, or found again after a lost response). */
    rehearsal_snapshot: Candid.Null,
    /** Rehearsal: the snapshot's metadata, read from the app and uploaded to the rehearsal canister. */
    rehearsal_metadata: Candid.Null,
    /** Rehearsal: slice i of the snapshot's data (at most 2,000,000 bytes), read from the app and uploaded. */
    rehearsal_copy: Candid.Nat32,
    /** Rehearsal: stop the rehearsal canister and load the copied snapshot into it. */
    rehearsal_load: Candid.Null,
    /** Rehearsal: upgrade the copy to the approved module, argument and options. */
    rehearsal_install: Candid.Null,
    /** Rehearsal: start the copy, only to run the health check (skipped without one, or if the app was stopped). */
    rehearsal_start: Candid.Null,
    /** Rehearsal: the policy's health check on the copy must answer true (skipped as rehearsal_start is). */
    rehearsal_check: Candid.Null,
    /** Rehearsal: stop and delete the rehearsal canister (retried when refused). */
    rehearsal_delete: Candid.Null,
    done: Candid.Null
});
export type Step = ValueOf<typeof Step>;

export const ExecutionKind = Candid.Variant({
    upgrade: UpgradeRequest,
    /** Recovery: stop, load this snapshot, start. */
    restore: Candid.Blob,
    /** An approved hand-over to a successor upgrader. */
    hand_over: HandOver
});
export type ExecutionKind = ValueOf<typeof ExecutionKind>;

/** A snapshot being copied into a rehearsal canister: what the slices of `rehearsal_copy` are made of. */
export const RehearsalCopy = Candid.Record({
    /** The app's snapshot being copied. */
    source: Candid.Blob,
    /** The snapshot uploaded into the rehearsal canister, once its metadata is. */
    target: Candid.Opt(Candid.Blob),
    wasm_module_size: Candid.Nat64,
    wasm_memory_size: Candid.Nat64,
    stable_memory_size: Candid.Nat64,
    /** The hashes of the snapshot's chunk store (at most the IC's 100 chunks). */
    chunks: Candid.Vec(Candid.Blob)
});
export type RehearsalCopy = ValueOf<typeof RehearsalCopy>;

/** The rehearsal part of an execution's record. */
export const Rehearsal = Candid.Record({
    report: RehearsalReport,
    /** create_canister calls sent: a lost reply leaves a canister nobody can name, so they are bounded. */
    creations: Candid.Nat8,
    copy: Candid.Opt(RehearsalCopy)
});
export type Rehearsal = ValueOf<typeof Rehearsal>;

/** The persisted state machine of one execution; one live execution per app at most. */
export const Execution = Candid.Record({
    /** Never reused (a counter that survives upgrades): fences out every driver of another execution. */
    id: Candid.Nat64,
    proposal_id: Candid.Nat64,
    app: Candid.Principal,
    kind: ExecutionKind,
    step: Step,
    /** Whether the app was running when the execution began (it is started again only then). */
    was_running: Candid.Bool,
    /** The snapshot taken by this execution, to roll back to. */
    snapshot_id: Candid.Opt(Candid.Blob),
    /** Hashes the IC returned for the chunks uploaded to the app's chunk store, in order. */
    chunk_hashes: Candid.Vec(Candid.Blob),
    /** Set by a failed step: reported once the app has been started again and cleaned up. */
    failure: Candid.Opt(Outcome),
    /** Bumped each time a driver takes the execution over; fences out stale drivers. */
    attempt: Candid.Nat32,
    /** A driver holds the execution until then (a step's call is in flight). */
    lease_until: Candid.Nat64,
    /** Failed tries of the current step that are retried (a start the IC refused, a call not sent). */
    retries: Candid.Nat32,
    /** Why the execution waits at its step, if it does (e.g. for cycles); the watchdog retries it. */
    waiting: Candid.Opt(Candid.Text),
    started_at: Candid.Nat64,
    updated_at: Candid.Nat64,
    /** Set by `check` when the policy asks for a rehearsal of this upgrade. */
    rehearsal: Candid.Opt(Rehearsal),
    /**
     * A member's part of its group's rollout: the group. The module is the group's, staged once
     * in the upgrader's own chunk store and installed from there (`store_canister`).
     */
    rollout: Candid.Opt(
        Candid.Record({
            group: Candid.Principal,
            index: Candid.Nat32,
            /**
             * The install from the upgrader's store was refused (e.g. the member is on another
             * subnet, where a store canister cannot serve it): the module is staged in the
             * member's own chunk store instead, and installed from there.
             */
            app_store: Candid.Bool
        })
    )
});
export type Execution = ValueOf<typeof Execution>;

/** Where one member of a rollout stands. */
export const MemberState = Candid.Variant({
    pending: Candid.Null,
    running: Candid.Null,
    /** Runs the new module, verified (and healthy). */
    upgraded: Candid.Null,
    /** Verification failed and its snapshot was loaded: old module and state. */
    rolled_back: Candid.Text,
    /** Its execution ended otherwise (the text is the outcome); it runs its old module unless the text says it is stopped. */
    failed: Candid.Text,
    /** Never started: halted or aborted first, left the group, busy, or already on the module. */
    skipped: Candid.Text
});
export type MemberState = ValueOf<typeof MemberState>;

export const RolloutCounts = Candid.Record({
    pending: Candid.Nat32,
    running: Candid.Nat32,
    upgraded: Candid.Nat32,
    rolled_back: Candid.Nat32,
    failed: Candid.Nat32,
    skipped: Candid.Nat32
});
export type RolloutCounts = ValueOf<typeof RolloutCounts>;

export const RolloutStatus = Candid.Variant({
    running: Candid.Null,
    /** Too many failures: no member starts any more; running ones end (upgraded or rolled back). */
    halted: Candid.Text,
    /** The recovery principal aborted it: no member starts any more. */
    aborted: Candid.Text,
    /** Every member ended or was skipped. */
    finished: Candid.Null
});
export type RolloutStatus = ValueOf<typeof RolloutStatus>;

/** A group's rollout (the latest one is kept per group): where it stands, with its counts. */
export const Rollout = Candid.Record({
    group: Candid.Principal,
    proposal_id: Candid.Nat64,
    module_hash: Candid.Blob,
    plan: RolloutPlan,
    /** Members it covers (the group's at approval, or the ones named); members joining later are not. */
    total: Candid.Nat32,
    /** Position of the next member to start. */
    next: Candid.Nat32,
    /** Members before this position may start now: the canary, then one wave at a time. */
    wave_end: Candid.Nat32,
    counts: RolloutCounts,
    status: RolloutStatus,
    /** The group is paused by its recovery principal: no member starts until it is unpaused. */
    paused: Candid.Bool,
    started_at: Candid.Nat64,
    updated_at: Candid.Nat64,
    /** Set once no member runs any more after the rollout finished, halted or was aborted. */
    ended_at: Candid.Opt(Candid.Nat64)
});
export type Rollout = ValueOf<typeof Rollout>;

export const RolloutMember = Candid.Record({ index: Candid.Nat32, app: Candid.Principal, state: MemberState });
export type RolloutMember = ValueOf<typeof RolloutMember>;

export const RolloutMembersPage = Candid.Record({ members: Candid.Vec(RolloutMember), next: Candid.Opt(Candid.Nat32), total: Candid.Nat32 });
export type RolloutMembersPage = ValueOf<typeof RolloutMembersPage>;

/** What `resume` reports: where the app's execution stands after driving it. */
export const ResumeResult = Candid.Variant({
    /** No execution is live for the app; the last proposal's status, if any. */
    idle: Candid.Opt(ProposalStatus),
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
    waiting_for_cycles: Candid.Record({ step: Step, balance: Candid.Nat, required: Candid.Nat })
});
export type ResumeResult = ValueOf<typeof ResumeResult>;

// ---------------------------------------------------------------- recovery

export const EmergencyUpgradeArgs = Candid.Record({ app: Candid.Principal, request: UpgradeRequest });
export type EmergencyUpgradeArgs = ValueOf<typeof EmergencyUpgradeArgs>;

export const RestoreArgs = Candid.Record({
    app: Candid.Principal,
    /** The snapshot to load; default: the newest one the upgrader took. */
    snapshot_id: Candid.Opt(Candid.Blob)
});
export type RestoreArgs = ValueOf<typeof RestoreArgs>;

export const SetPolicyArgs = Candid.Record({ app: Candid.Principal, change: PolicyChange });
export type SetPolicyArgs = ValueOf<typeof SetPolicyArgs>;

// ---------------------------------------------------------------- audit

export const AuditEvent = Candid.Variant({
    registered: Candid.Null,
    module_created: Candid.Blob,
    module_completed: Candid.Blob,
    module_deleted: Candid.Blob,
    proposed: Candid.Null,
    voted: Candid.Record({ approve: Candid.Bool, weight: Candid.Nat32 }),
    status_changed: ProposalStatus,
    step_started: Step,
    step_failed: Candid.Record({ step: Step, message: Candid.Text }),
    paused: Candid.Null,
    unpaused: Candid.Null,
    policy_changed: Candid.Nat32,
    emergency_upgrade: Candid.Blob,
    restore_requested: Candid.Blob,
    ejected: Candid.Null,
    /** Someone showed that the upgrader no longer controls the app; the app was forgotten. */
    reaped: Candid.Null,
    /** The app was handed over to this successor upgrader and forgotten here. */
    handed_over: Candid.Principal,
    /** A rehearsal of the upgrade ended (its canister deleted, or left when deleting it failed). */
    rehearsed: RehearsalReport,
    /** The app joined this group (logged on the app and on the group). */
    joined_group: Candid.Principal,
    /** The app left this group (logged on the app and on the group). */
    left_group: Candid.Principal,
    /** A group member's execution in the group's rollout ended with this outcome (logged on the member). */
    member_outcome: Outcome,
    /** The group's rollout changed status (logged on the group). */
    rollout_status: RolloutStatus
});
export type AuditEvent = ValueOf<typeof AuditEvent>;

export const AuditEntry = Candid.Record({
    seq: Candid.Nat64,
    at: Candid.Nat64,
    app: Candid.Principal,
    proposal_id: Candid.Opt(Candid.Nat64),
    /** Who caused it: a caller, or the upgrader itself for executor steps. */
    actor: Candid.Principal,
    event: AuditEvent
});
export type AuditEntry = ValueOf<typeof AuditEntry>;

export const AuditQuery = Candid.Record({
    /**
     * This app's history (its own ring of the latest entries); default: the registry's history
     * (registrations, ejections, reaps of every app).
     */
    app: Candid.Opt(Candid.Principal),
    /** First position to return, in the app's own numbering or the registry's. */
    start: Candid.Nat64,
    /** At most 100. */
    limit: Candid.Nat32
});
export type AuditQuery = ValueOf<typeof AuditQuery>;

export const AuditPage = Candid.Record({
    entries: Candid.Vec(AuditEntry),
    /** Where the next page starts, when there is one. */
    next: Candid.Opt(Candid.Nat64),
    /** Positions in this log so far; the oldest are dropped past the log's cap. */
    total: Candid.Nat64
});
export type AuditPage = ValueOf<typeof AuditPage>;

// ---------------------------------------------------------------- limits and errors

/** The upgrader's fixed limits, as `limits()` reports them. */
export const Limits = Candid.Record({
    max_apps: Candid.Nat32,
    max_apps_per_registrant: Candid.Nat32,
    max_voters: Candid.Nat32,
    max_proposers: Candid.Nat32,
    max_module_bytes: Candid.Nat64,
    chunk_bytes: Candid.Nat32,
    max_modules_per_app: Candid.Nat32,
    /** Bytes of modules one app may hold in the store at once. */
    max_app_store_bytes: Candid.Nat64,
    /** A safety net for all apps together, out of reach without paying for many apps (README). */
    max_store_bytes: Candid.Nat64,
    module_ttl_seconds: Candid.Nat64,
    max_arg_bytes: Candid.Nat32,
    max_proposals_kept: Candid.Nat32,
    /** Entries kept in the registry's history (audit_log without an app). */
    max_audit_entries: Candid.Nat32,
    max_snapshots_kept: Candid.Nat8,
    /** Cycles one execution may spend at most (its worst-case path), kept in reserve per live execution. */
    execution_reserve_cycles: Candid.Nat,
    /** Cycles kept above the executions' reserves for the freezing threshold (see README "Cycles"). */
    freezing_reserve_cycles: Candid.Nat,
    /** How long a driver holds an execution while its call is in flight. */
    lease_seconds: Candid.Nat64,
    /** The watchdog resumes executions whose lease ran out this often. */
    watchdog_interval_seconds: Candid.Nat64,
    /** Worst case between a lost response and the watchdog resuming its execution. */
    max_recovery_seconds: Candid.Nat64,
    /** Entries kept in each app's own history. */
    max_audit_entries_per_app: Candid.Nat32,
    /** Apps one group may hold. */
    max_group_members: Candid.Nat32,
    /** Members a rollout proposal may name (a rollout of the whole group names none). */
    max_named_members: Candid.Nat32,
    /** Members one rollout may upgrade at once. */
    max_rollout_concurrency: Candid.Nat32,
    /** Cycles `register` accepts, fixed at install. */
    registration_fee: Candid.Nat,
    /** Cycles `create_module` accepts per MiB reserved (rounded up), fixed at install. */
    storage_fee_per_mib: Candid.Nat
});
export type Limits = ValueOf<typeof Limits>;

/**
 * What an install fixes: `opt InstallSettings` is the upgrader's init argument (no argument,
 * `()` or `null`: the defaults of limits.ts). Prices are in cycles; 0 makes a method free
 * (private deployments). The optional bounds may only lower the defaults (small test or
 * private deployments).
 */
export const InstallSettings = Candid.Record({
    registration_fee: Candid.Nat,
    storage_fee_per_mib: Candid.Nat,
    max_apps: Candid.Opt(Candid.Nat32),
    max_proposals_kept: Candid.Opt(Candid.Nat32),
    max_audit_entries_per_app: Candid.Opt(Candid.Nat32)
});
export type InstallSettings = ValueOf<typeof InstallSettings>;
export const InitArgs = Candid.Opt(InstallSettings);
export type InitArgs = ValueOf<typeof InitArgs>;

/** Every expected failure of every method. `errors.ts` maps internal failures to these. */
export const UpgraderError = Candid.Variant({
    Unauthorized: Candid.Text,
    InvalidArgument: Candid.Text,
    AppNotRegistered: Candid.Principal,
    AppAlreadyRegistered: Candid.Principal,
    /** The upgrader or the recovery principal is not a controller of the app (or the check failed). */
    NotController: Candid.Text,
    QuotaExceeded: Candid.Text,
    ModuleNotFound: Candid.Blob,
    ModuleIncomplete: Candid.Record({ hash: Candid.Blob, received: Candid.Nat32, expected: Candid.Nat32 }),
    ModuleRejected: Candid.Blob,
    ModuleInUse: Candid.Nat64,
    ProposalNotFound: Candid.Nat64,
    ProposalNotOpen: Candid.Record({ id: Candid.Nat64, status: ProposalStatus }),
    /** The app already has a live proposal or execution: one at a time. */
    ProposalInProgress: Candid.Nat64,
    NotAVoter: Candid.Principal,
    AlreadyVoted: Candid.Principal,
    SubjectMismatch: Candid.Record({ expected: Candid.Blob, given: Candid.Blob }),
    Paused: Candid.Principal,
    SnapshotNotFound: Candid.Text,
    ManagementCallFailed: Candid.Record({ method: Candid.Text, reject_code: Candid.Nat32, message: Candid.Text }),
    /** The call did not carry the cycles the method costs; none were taken. */
    InsufficientPayment: Candid.Record({ required: Candid.Nat, available: Candid.Nat }),
    /** The app was handed over to `successor`: use that upgrader now. */
    HandedOver: Candid.Record({ app: Candid.Principal, successor: Candid.Principal })
});
export type UpgraderError = ValueOf<typeof UpgraderError>;

/** `variant { Ok : T; Err : UpgraderError }` */
export function Result<T extends IDL.Type>(ok: T) {
    return Candid.Variant({ Ok: ok, Err: UpgraderError });
}
export type Result<T> = { Ok: T } | { Err: UpgraderError };

export const ResultUnit = Result(Candid.Null);
export const ResultApp = Result(AppInfo);
export const ResultModule = Result(ModuleInfo);
export const ResultChunk = Result(Candid.Blob);
export const ResultProposalId = Result(Candid.Nat64);
export const ResultProposal = Result(Proposal);
export const ResultResume = Result(ResumeResult);
export const ResultNat = Result(Candid.Nat);
export const ResultRollout = Result(Rollout);

/** The upgrader's methods (the build generates the same `.did` from index.ts). */
const upgraderMethods = {
    register: Candid.Update([RegisterArgs], ResultApp),
    get_app: Candid.Query([Candid.Principal], Candid.Opt(AppInfo)),
    create_module: Candid.Update([CreateModuleArgs], ResultModule),
    upload_module_chunk: Candid.Update([UploadChunkArgs], ResultModule),
    delete_module: Candid.Update([ModuleRef], ResultUnit),
    get_module: Candid.Query([ModuleRef], Candid.Opt(ModuleInfo)),
    get_module_chunk: Candid.Query([ModuleChunkRef], ResultChunk),
    propose: Candid.Update([ProposeArgs], ResultProposalId),
    request_upgrade: Candid.Update([UpgradeRequest], ResultProposalId),
    vote: Candid.Update([VoteArgs], ResultProposal),
    get_proposal: Candid.Query([Candid.Nat64], Candid.Opt(Proposal)),
    resume: Candid.Update([Candid.Principal], ResultResume),
    get_execution: Candid.Query([Candid.Principal], Candid.Opt(Execution)),
    pause: Candid.Update([Candid.Principal], ResultUnit),
    unpause: Candid.Update([Candid.Principal], ResultUnit),
    cancel_proposal: Candid.Update([Candid.Nat64], ResultProposal),
    set_policy: Candid.Update([SetPolicyArgs], ResultApp),
    emergency_upgrade: Candid.Update([EmergencyUpgradeArgs], ResultProposalId),
    restore_snapshot: Candid.Update([RestoreArgs], ResultProposalId),
    eject: Candid.Update([Candid.Principal], ResultUnit),
    reap: Candid.Update([Candid.Principal], ResultUnit),
    fund_rehearsals: Candid.Update([Candid.Principal], ResultNat),
    rehearsal_credit: Candid.Query([Candid.Principal], Candid.Nat),
    audit_log: Candid.Query([AuditQuery], AuditPage),
    limits: Candid.Query([], Limits),
    create_group: Candid.Update([CreateGroupArgs], ResultApp),
    join_group: Candid.Update([JoinGroupArgs], ResultApp),
    leave_group: Candid.Update([Candid.Principal], ResultApp),
    group_members: Candid.Query([GroupPageQuery], GroupMembersPage),
    get_rollout: Candid.Query([Candid.Principal], Candid.Opt(Rollout)),
    rollout_members: Candid.Query([GroupPageQuery], RolloutMembersPage),
    abort_rollout: Candid.Update([Candid.Principal], ResultRollout)
};

/** The upgrader's service, for actors and clients. */
export const idlFactory: IDL.InterfaceFactory = () => IDL.Service(upgraderMethods);

/** The upgrader's methods as TS signatures (what an actor over `idlFactory` offers). */
export type UpgraderService = ServiceOf<typeof upgraderMethods>;

/** Name of the method an app calls (one-way) to propose its own upgrade. */
export const REQUEST_UPGRADE_METHOD = 'request_upgrade';
