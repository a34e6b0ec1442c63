/**
 * The cycles an execution may spend, so that none begins without the cycles to finish it.
 *
 * The reserve of one execution is its worst-case path priced with the IC's fees on a 13-node
 * application subnet (the replica's FEES in src/replica/constants.ts, checked against
 * shared/reference/ic-costs-and-timings.md; test/upgrader/cycles.test.ts compares the two):
 * every call's base fee and request bytes, every reply's bytes, and every message the upgrader
 * executes for it at a bounded instruction count. The install itself (and `upload_chunk`'s
 * instructions) are charged to the app, not to the upgrader.
 *
 * The upgrader cannot read its own freezing threshold (it has no controller to ask
 * canister_status, and Azle 0.33 exposes no liquid balance), so the freezing reserve assumes the
 * IC's default threshold (30 days) and the upgrader's memory at its bounds. Pure: tests import it.
 */

/** The bounds the reserves depend on (limits.ts passes its own). */
export type ReserveBounds = { maxModuleBytes: bigint; chunkBytes: number; maxArgBytes: number };

/** Base fee of a call, and per byte of request or reply (cross-subnet price, the higher). */
export const CALL_BASE_FEE = 260_000n;
export const CALL_BYTE_FEE = 1_000n;
/** Base fee of every message the upgrader executes, and per instruction. */
export const MESSAGE_BASE_FEE = 5_000_000n;
export const FEE_PER_INSTRUCTION = 1n;
/** Storage, per GiB per second. */
export const STORAGE_FEE_PER_GIB_SECOND = 127_000n;

/**
 * Instructions one executor message may use. Measured at most 23 M per step (the heaviest read a
 * 1 MiB chunk back from stable memory; the first upgrade after an install also compiles codecs),
 * so this bound has a wide margin; test/upgrader/cycles.test.ts checks it on every message.
 */
export const MAX_INSTRUCTIONS_PER_MESSAGE = 1_000_000_000n;

/** Calls other than uploads and the install: check, clear, list snapshots, stop, snapshot, start, verify, health, three rollback calls, cleanup, a resumed install's status. */
const OTHER_CALLS = 13n;
/** Calls and messages repeated after failures (a start the IC refused, resumes after a lease ran out). */
const RETRY_ALLOWANCE = 24n;
/** Bytes of a request other than a chunk or the install (a principal and a few fields). */
const SMALL_REQUEST_BYTES = 1_024n;
/** Bytes of the largest reply the upgrader reads (canister_status; ten snapshots listed). */
const MAX_REPLY_BYTES = 4_096n;

function callFee(requestBytes: bigint): bigint {
    return CALL_BASE_FEE + requestBytes * CALL_BYTE_FEE;
}

/** The most one execution may cost the upgrader, in cycles (about 0.13 T at the limits.ts bounds). */
export function executionReserve(bounds: ReserveBounds): bigint {
    const chunks = (bounds.maxModuleBytes + BigInt(bounds.chunkBytes) - 1n) / BigInt(bounds.chunkBytes);
    const installOverhead = chunks * 40n + 1_024n;
    const calls = chunks + 1n + OTHER_CALLS + RETRY_ALLOWANCE;
    return (
        chunks * callFee(BigInt(bounds.chunkBytes) + SMALL_REQUEST_BYTES) +
        callFee(BigInt(bounds.maxArgBytes) + installOverhead) +
        (OTHER_CALLS + RETRY_ALLOWANCE) * callFee(SMALL_REQUEST_BYTES) +
        calls * MAX_REPLY_BYTES * CALL_BYTE_FEE +
        // one continuation per call, the first timer, and as many watchdog retries
        (calls + 1n + RETRY_ALLOWANCE) * (MESSAGE_BASE_FEE + MAX_INSTRUCTIONS_PER_MESSAGE * FEE_PER_INSTRUCTION)
    );
}

/** The IC's default freezing threshold, which the upgrader must be deployed with: 30 days. */
export const FREEZING_THRESHOLD_SECONDS = 30n * 24n * 3_600n;
/** Memory besides the module store at the upgrader's bounds: records, audit log, heap and code. */
const MEMORY_BESIDES_STORE_BYTES = 512n * 1024n * 1024n;
const GIB = 1024n * 1024n * 1024n;

/**
 * Cycles the freezing threshold holds back while the module store holds `storeBytes` (the IC
 * prices the threshold on the memory a canister uses, so the reserve follows the store: about
 * 0.17 T with an empty store, 0.49 T with 1 GiB in it).
 */
export function freezingReserve(storeBytes: bigint): bigint {
    return ((storeBytes + MEMORY_BESIDES_STORE_BYTES) * STORAGE_FEE_PER_GIB_SECOND * FREEZING_THRESHOLD_SECONDS) / GIB;
}

// ---------------------------------------------------------------- rehearsal (README "Rehearsal")

/** create_canister's fee on a 13-node subnet, taken from the cycles attached to it. */
export const CANISTER_CREATION_FEE = 500_000_000_000n;
/** The IC's instruction limit of one install_code, and of one update message (the health check). */
const MAX_INSTALL_INSTRUCTIONS = 300_000_000_000n;
const MAX_UPDATE_INSTRUCTIONS = 40_000_000_000n;
/** take/load snapshot are charged 2 B instructions plus one per byte; compiling a module 6,000 per Wasm instruction (at most one per byte). */
const SNAPSHOT_BASE_INSTRUCTIONS = 2_000_000_000n;
const COMPILE_INSTRUCTIONS_PER_BYTE = 6_000n;
/** Storage the rehearsal canister is given up front: a day of its state, far more than a rehearsal lasts. */
const REHEARSAL_STORAGE_SECONDS = 86_400n;
/**
 * Instructions one upgrader message of a rehearsal may use (a slice's read and upload continuations
 * hold at most one 2,000,000-byte slice); test/upgrader/rehearsal-cost.test.ts measures them.
 */
export const MAX_INSTRUCTIONS_PER_REHEARSAL_MESSAGE = 200_000_000n;
/** Bytes of one slice of a snapshot read or uploaded (the IC's and the tools' 2,000,000). */
export const SNAPSHOT_SLICE_BYTES = 2_000_000;
/** Chunks a snapshot's chunk store may hold (the IC's chunk store limit), each its own slice. */
const MAX_SNAPSHOT_CHUNKS = 100n;
/** Calls of a rehearsal besides the slices: status, create, list and take, metadata read and upload, stop and load, install, a resumed install's status, start, health, stop and delete; and retries. */
const REHEARSAL_OTHER_CALLS = 14n + RETRY_ALLOWANCE;

/** Cycles attached to the rehearsal canister for `stateBytes` of app state: the creation fee and all it may spend. */
export function rehearsalCanisterCycles(stateBytes: bigint, maxModuleBytes: bigint): bigint {
    const instructions =
        MAX_INSTALL_INSTRUCTIONS + COMPILE_INSTRUCTIONS_PER_BYTE * maxModuleBytes + 2n * (SNAPSHOT_BASE_INSTRUCTIONS + stateBytes) + 2n * MAX_UPDATE_INSTRUCTIONS;
    const storage = (stateBytes * STORAGE_FEE_PER_GIB_SECOND * REHEARSAL_STORAGE_SECONDS) / GIB;
    // the snapshot's metadata upload, every slice upload, load, install, start, health check, stop
    const messages = 8n + rehearsalSlices(stateBytes);
    return CANISTER_CREATION_FEE + instructions * FEE_PER_INSTRUCTION + storage + messages * MESSAGE_BASE_FEE;
}

/** Slices of a snapshot of `stateBytes` at most: each part's last slice may be short, and every chunk is one. */
function rehearsalSlices(stateBytes: bigint): bigint {
    return stateBytes / BigInt(SNAPSHOT_SLICE_BYTES) + 3n + MAX_SNAPSHOT_CHUNKS;
}

/** What a rehearsal of `stateBytes` costs the upgrader itself: two calls per slice (each way every byte once), the other calls, and its messages. */
export function rehearsalUpgraderCycles(stateBytes: bigint, maxArgBytes: number): bigint {
    const slices = rehearsalSlices(stateBytes);
    const calls = 2n * slices + REHEARSAL_OTHER_CALLS;
    return (
        2n * stateBytes * CALL_BYTE_FEE +
        calls * (callFee(SMALL_REQUEST_BYTES) + MAX_REPLY_BYTES * CALL_BYTE_FEE) +
        BigInt(maxArgBytes) * CALL_BYTE_FEE +
        (calls + RETRY_ALLOWANCE) * (MESSAGE_BASE_FEE + MAX_INSTRUCTIONS_PER_REHEARSAL_MESSAGE * FEE_PER_INSTRUCTION)
    );
}
