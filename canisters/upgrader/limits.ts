/**
 * Every bound the upgrader enforces, in one place, with its unit. Storage, loops and message
 * sizes are bounded by these, so that no caller can exhaust the store or the instruction limit.
 */
import { executionReserve, freezingReserve, rehearsalCanisterCycles, rehearsalUpgraderCycles } from './cycles';
import type { Limits } from './types';

/**
 * Apps registered at once. A paid bound when REGISTRATION_FEE > 0: filling it costs this many
 * fees plus this many canisters (each registered app is a canister the upgrader controls).
 */
export const MAX_APPS = 10_000;
/** Apps one principal may have registered at once (a courtesy bound: principals are free). */
export const MAX_APPS_PER_REGISTRANT = 20;
/** Voters in a policy. */
export const MAX_VOTERS = 32;
/** Maintainers (proposers) in a policy. */
export const MAX_PROPOSERS = 16;
/**
 * Total weight of a policy's voters: tallies are nat32, so a policy whose weights add up past
 * this could overflow a tally (and trap the vote that crosses it).
 */
export const MAX_TOTAL_WEIGHT = 0xffff_ffff;
/** A principal, in bytes (the IC's limit). */
export const MAX_PRINCIPAL_BYTES = 29;
/** A module hash or a vote subject: SHA-256, exactly this many bytes. */
export const HASH_BYTES = 32;
/**
 * A snapshot id is the IC's 8-byte local id (big-endian) followed by the canister's id, so an
 * app's snapshot ids are exactly 8 bytes longer than its principal.
 */
export const SNAPSHOT_LOCAL_ID_BYTES = 8;
export const MAX_SNAPSHOT_ID_BYTES = SNAPSHOT_LOCAL_ID_BYTES + MAX_PRINCIPAL_BYTES;
/** Length of a health-check method name, in bytes. */
export const MAX_METHOD_NAME_BYTES = 64;
/** Proposal lifetime bounds, in seconds: 1 minute to 30 days. */
export const MIN_PROPOSAL_LIFETIME_SECONDS = 60n;
export const MAX_PROPOSAL_LIFETIME_SECONDS = 30n * 24n * 3600n;

/** Module chunks: exactly 1 MiB each except the last (the IC's chunk-store chunk size limit). */
export const CHUNK_BYTES = 1024 * 1024;
/** A module's size, in bytes: 32 chunks (Azle modules are ~3.5 MB raw, ~1.1 MB gzipped). */
export const MAX_MODULE_BYTES = 32n * BigInt(CHUNK_BYTES);
/** Modules kept per app at once (uploading or complete). */
export const MAX_MODULES_PER_APP = 4;
/** Bytes one app may hold in the store at once (reserved at create_module, against the app). */
export const MAX_APP_STORE_BYTES = 64n * BigInt(CHUNK_BYTES);
/**
 * Bytes of all modules together: a safety net for the upgrader's stable memory, not a shared
 * quota. Reaching it takes 1,024 apps each holding its full quota, i.e. 1,024 registrations and
 * 65,536 MiB of storage fees (README, "Capacity").
 */
export const MAX_STORE_BYTES = 64n * 1024n * 1024n * 1024n;
/** A module no live proposal uses is reclaimed this long after its creation, in seconds (7 days). */
export const MODULE_TTL_SECONDS = 7n * 24n * 3600n;
/** Modules looked at per sweep (sweeps run on module creation). */
export const SWEEP_BATCH = 8;

/** The post_upgrade argument of a proposal, in bytes. */
export const MAX_ARG_BYTES = 64 * 1024;
/** Proposals kept (live ones aside); the oldest finished ones are dropped beyond this. */
export const MAX_PROPOSALS_KEPT = 10_000;
/** Proposals one pruning pass looks at (each proposal creation runs one). */
export const PRUNE_BATCH = 4;
/** Entries kept in the registry's history (registrations, ejections, reaps); oldest dropped first. */
export const MAX_AUDIT_ENTRIES = 10_000;
/** Entries kept in each app's own history; its oldest are dropped first. */
export const MAX_AUDIT_ENTRIES_PER_APP = 128;
/** Modules an app was seen running that the upgrader remembers, to recognise a downgrade. */
export const MAX_RAN_MODULES_KEPT = 8;
/** Entries per audit page. */
export const MAX_AUDIT_PAGE = 100;
/** Snapshots the upgrader keeps per app (the IC allows 10 per canister). */
export const MAX_SNAPSHOTS_KEPT = 10;

/**
 * How long a driver holds an execution while one of its calls is in flight, in nanoseconds.
 * Longer than the IC's stop_canister timeout (5 minutes), the longest call the executor makes;
 * after it, `resume` may take the execution over (a trap or a lost response left it).
 */
export const LEASE_NS = 10n * 60n * 1_000_000_000n;

export const NANOS_PER_SECOND = 1_000_000_000n;

/** The watchdog's period, in seconds: it resumes the executions whose lease ran out. */
export const WATCHDOG_INTERVAL_SECONDS = 30n;
/** Executions the watchdog looks at per tick (a cursor walks the map, so each tick is bounded). */
export const WATCHDOG_BATCH = 500;
/**
 * Worst case between a lost response (or a trapped continuation) and the watchdog resuming its
 * execution, in seconds: the lease, plus one full pass of the cursor over the largest map.
 */
const MAX_RECOVERY_SECONDS = LEASE_NS / NANOS_PER_SECOND + WATCHDOG_INTERVAL_SECONDS * BigInt(Math.ceil(MAX_APPS / WATCHDOG_BATCH));
const RESERVE_BOUNDS = { maxModuleBytes: MAX_MODULE_BYTES, chunkBytes: CHUNK_BYTES, maxArgBytes: MAX_ARG_BYTES };
/** Cycles one execution may spend at most, kept in reserve for every live execution (cycles.ts). */
export const EXECUTION_RESERVE_CYCLES = executionReserve(RESERVE_BOUNDS);

/**
 * The balance needed to begin an execution while `live` executions (this one included) may still
 * spend and the module store holds `storeBytes`: the freezing reserve for that memory (cycles.ts)
 * plus one execution reserve per live execution.
 */
export function cyclesRequired(live: bigint, storeBytes: bigint): bigint {
    return freezingReserve(storeBytes) + EXECUTION_RESERVE_CYCLES * live;
}

/** Refused starts retried (one per watchdog tick) before the app is reported left stopped. */
export const MAX_START_RETRIES = 20;

/** Apps one group may hold (README "Fleets"). */
export const MAX_GROUP_MEMBERS = 5_000;
/** Members a rollout proposal may name. */
export const MAX_NAMED_MEMBERS = 200;
/** Members one rollout upgrades at once at most: each live execution holds an execution reserve of cycles. */
export const MAX_ROLLOUT_CONCURRENCY = 50;
/** Chunks the IC keeps in one canister's chunk store (the upgrader's own holds the modules groups install). */
export const MAX_STORE_CHUNKS = 100;
/** Watchdog ticks a member waits for the upgrader's chunk store to be free to clear (30 s each) before its upgrade fails. */
export const MAX_STORE_WAITS = 120;
/** Characters of a member's outcome kept in its rollout record (the whole outcome is in its audit entry). */
export const MAX_MEMBER_NOTE_CHARS = 200;
/** Entries a group page (group_members, rollout_members) returns at most. */
export const MAX_GROUP_PAGE = 500;

/**
 * Default prices in cycles, for an install without an init argument (a public deployment):
 * 1 T cycles to register an app (a stranger filling the registry pays MAX_APPS of them), and
 * 10 B cycles per MiB a module reserves (a 3.5 MB module: 40 B; a full app quota: 640 B).
 */
export const DEFAULT_REGISTRATION_FEE = 1_000_000_000_000n;
export const DEFAULT_STORAGE_FEE_PER_MIB = 10_000_000_000n;

/** The prices and lowered bounds fixed at install (settings.ts reads them from stable memory). */
export type Settings = {
    registrationFee: bigint;
    storageFeePerMib: bigint;
    maxApps: number;
    maxProposalsKept: number;
    maxAuditEntriesPerApp: number;
};

/** The bounds and prices in force (`settings` holds what the install fixed). */
export function limits(settings: Settings, storeBytes: bigint): Limits {
    return {
        max_apps: settings.maxApps,
        max_apps_per_registrant: MAX_APPS_PER_REGISTRANT,
        max_voters: MAX_VOTERS,
        max_proposers: MAX_PROPOSERS,
        max_module_bytes: MAX_MODULE_BYTES,
        chunk_bytes: CHUNK_BYTES,
        max_modules_per_app: MAX_MODULES_PER_APP,
        max_app_store_bytes: MAX_APP_STORE_BYTES,
        max_store_bytes: MAX_STORE_BYTES,
        module_ttl_seconds: MODULE_TTL_SECONDS,
        max_arg_bytes: MAX_ARG_BYTES,
        max_proposals_kept: settings.maxProposalsKept,
        max_audit_entries: MAX_AUDIT_ENTRIES,
        max_audit_entries_per_app: settings.maxAuditEntriesPerApp,
        max_group_members: MAX_GROUP_MEMBERS,
        max_named_members: MAX_NAMED_MEMBERS,
        max_rollout_concurrency: MAX_ROLLOUT_CONCURRENCY,
        max_snapshots_kept: MAX_SNAPSHOTS_KEPT,
        registration_fee: settings.registrationFee,
        storage_fee_per_mib: settings.storageFeePerMib,
        execution_reserve_cycles: EXECUTION_RESERVE_CYCLES,
        freezing_reserve_cycles: freezingReserve(storeBytes),
        lease_seconds: LEASE_NS / NANOS_PER_SECOND,
        watchdog_interval_seconds: WATCHDOG_INTERVAL_SECONDS,
        max_recovery_seconds: MAX_RECOVERY_SECONDS
    };
}

/**
 * The most app state (module, Wasm memory, stable memory and chunk store) a rehearsal copies:
 * 4 GiB, about 2,150 slices and 8.6 T cycles of call bytes. A larger app's upgrade ends
 * `rehearsal_failed` until its policy turns `rehearse` off.
 */
export const MAX_REHEARSAL_STATE_BYTES = 4n * 1024n * 1024n * 1024n;
/** create_canister calls whose reply was lost before a rehearsal gives up (each may leave a canister behind). */
export const MAX_REHEARSAL_CREATIONS = 3;

/**
 * The most rehearsal credit one app may hold (fund_rehearsals accepts up to it, the rest goes back
 * with the reply): 100 T cycles, about 90 rehearsals of a small app or 3 of a 4 GiB one. It bounds
 * what the upgrader holds on an app's behalf, which is lost to the app when it leaves.
 */
export const MAX_REHEARSAL_CREDIT = 100_000_000_000_000n;

/** The app state a rehearsal is priced on: what canister_status reports, plus room for it to grow meanwhile. */
export function rehearsalPricedBytes(statusBytes: bigint): bigint {
    return statusBytes + statusBytes / 8n + 16n * 1024n * 1024n;
}

/** Cycles a rehearsal of `pricedBytes` needs on top of the reserves: given to its canister, and spent by the upgrader. */
export function rehearsalCycles(pricedBytes: bigint): { canister: bigint; total: bigint } {
    const canister = rehearsalCanisterCycles(pricedBytes, MAX_MODULE_BYTES);
    return { canister, total: canister + rehearsalUpgraderCycles(pricedBytes, MAX_ARG_BYTES) };
}
