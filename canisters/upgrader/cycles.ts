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
