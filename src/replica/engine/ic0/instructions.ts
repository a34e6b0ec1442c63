/** Instruction costs of System API calls, beyond what the instrumented code counts itself. */

/**
 * Instructions the IC charges per call (rs/embedders/src/wasmtime_embedder/system_api_complexity.rs):
 * most functions cost `STANDARD`; the few that differ say so in their entry.
 */
export const STANDARD = 500n;
/** Extra charge per byte for functions that copy data between the heap and elsewhere. */
export const PER_BYTE_COPY = 1n;
/** Extra charge per byte of a reply or reject message. */
export const PER_BYTE_REPLY = 50n;
/** Charge for each stable-memory page first written in a message. */
export const PER_DIRTY_STABLE_PAGE = 1_000n;
