/**
 * The instrumented module's fixed layout, shared by the instrumenter and the engine:
 * how far the canister's memory is shifted up for the dirty-page map, the page size that
 * map tracks, and the names of the exports the instrumenter adds.
 */

/** Wasm pages reserved below the canister's memory for the dirty-page map. */
export const HEAP_BIAS_PAGES = 16;
/** Bytes the canister's memory is shifted up by: 1 MiB. */
export const HEAP_BIAS_BYTES = HEAP_BIAS_PAGES * 65_536;
/** log2 of the dirty-tracking page size (4 KiB). */
export const DIRTY_PAGE_SHIFT = 12;
/** Largest wasm32 memory V8 allows, in pages (4 GiB). */
export const MAX_WASM32_PAGES = 65_536;
/** Largest logical memory a canister gets here, in pages. */
export const MAX_LOGICAL_PAGES = MAX_WASM32_PAGES - HEAP_BIAS_PAGES;

export const REPLICA_EXPORTS = {
    memory: '__replica_memory',
    table: '__replica_table',
    start: '__replica_start',
    /** `(fun: i32, env: i32) -> ()`: runs `table0[fun](env)` with the IC's type check. */
    callIndirect: '__replica_call_indirect',
    instructions: '__replica_instructions',
    outOfInstructions: '__replica_out_of_instructions',
    globalPrefix: '__replica_global_'
} as const;
