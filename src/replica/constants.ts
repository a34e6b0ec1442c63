/**
 * Limits, timeouts and fees of the embedded replica, in one place.
 * Values follow the IC's replica configuration (rs/config, rs/limits) as digested in
 * shared/reference; units are in every name or comment.
 */

/** Instruction limits per kind of execution, in Wasm instructions. */
export interface InstructionLimits {
    /** Update methods, callbacks, cleanup, heartbeat and global timer: 40 B on the IC. */
    update: bigint;
    /** Query methods (replicated or not) and each composite-query step: 5 B. */
    query: bigint;
    /** install / reinstall / upgrade, for start + init or pre + start + post together: 300 B. */
    install: bigint;
    /** canister_inspect_message: 200 M. */
    inspectMessage: bigint;
}

export const DEFAULT_INSTRUCTION_LIMITS: Readonly<InstructionLimits> = Object.freeze({
    update: 40_000_000_000n,
    query: 5_000_000_000n,
    install: 300_000_000_000n,
    inspectMessage: 200_000_000n
});

/** 64 KiB: the size of a Wasm page and of a stable-memory page. */
export const WASM_PAGE_BYTES = 65_536;
/** Stable memory limit: 500 GiB, in 64 KiB pages. */
export const MAX_STABLE_PAGES = (500n * 1024n * 1024n * 1024n) / 65_536n;

/** Payload limits, in bytes. */
export const MAX_INGRESS_PAYLOAD_BYTES = 2 * 1024 * 1024;
/** Inter-canister request on the same subnet: 10 MiB. */
export const MAX_INTER_CANISTER_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Replies of replicated executions: 2 MiB. */
export const MAX_REPLY_BYTES_REPLICATED = 2 * 1024 * 1024;
/** Replies of non-replicated queries: 3 MiB. */
export const MAX_REPLY_BYTES_QUERY = 3 * 1024 * 1024;

export const MAX_CONTROLLERS = 10;
export const MAX_CERTIFIED_DATA_BYTES = 32;
export const MAX_PRINCIPAL_BYTES = 29;

/** Chunk store: chunks of at most 1 MiB, at most 100 of them per canister. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
export const MAX_CHUNKS_IN_STORE = 100;

/** Snapshot downloads: a read_canister_snapshot_data slice is at most 2,000,000 bytes (the IC's MAX_SLICE_SIZE_BYTES). */
export const MAX_SNAPSHOT_SLICE_BYTES = 2_000_000;
/** Uploaded snapshot metadata: the IC's bounds (a Wasm32 heap of at most 4 GiB, at most 1,000 globals). */
export const MAX_WASM_MODULE_BYTES = 100 * 1024 * 1024;
export const MAX_WASM32_MEMORY_BYTES = 4n * 1024n * 1024n * 1024n;
export const MAX_SNAPSHOT_GLOBALS = 1_000;

/** Snapshots kept per canister (the IC's current MAX_SNAPSHOTS). */
export const DEFAULT_MAX_SNAPSHOTS_PER_CANISTER = 10;

/** A stop_canister call not completed after this long is rejected (IC0206): 5 minutes, in ns. */
export const DEFAULT_STOP_TIMEOUT_NS = 5n * 60n * 1_000_000_000n;
/** Bounded-wait calls: timeouts are capped at 300 s. */
export const MAX_CALL_TIMEOUT_SECONDS = 300;

/** Canister history entries kept (the IC keeps at least 20). */
export const MAX_HISTORY_ENTRIES = 20;
/** Canister log buffer: 4 KiB of records, oldest dropped first. */
export const MAX_LOG_BYTES = 4 * 1024;

/** Default settings of a new canister. */
export const DEFAULT_FREEZING_THRESHOLD_SECONDS = 2_592_000n;
export const DEFAULT_RESERVED_CYCLES_LIMIT = 5_000_000_000_000n;
/** The replica gives new canisters a 3 GiB Wasm memory limit (the spec's default is 0, no limit). */
export const DEFAULT_WASM_MEMORY_LIMIT_BYTES = 3n * 1024n * 1024n * 1024n;
/** Cycles a provisional create gives when no amount is named: 100 T. */
export const DEFAULT_PROVISIONAL_CYCLES = 100_000_000_000_000n;

/**
 * Fees in cycles, as on a 13-node application subnet (subnet_config.rs). The embedded
 * replica charges them so balances move the way they do on the IC; real prices depend
 * on subnet size and change with NNS proposals.
 */
export const FEES = Object.freeze({
    /** Base fee of every update execution (method, callback, task). */
    updateMessageExecution: 5_000_000n,
    /** Per instruction executed (the IC charges 1 cycle per instruction; its older schedule 0.4). */
    perInstruction: 1n,
    /** Ingress induction: base plus per byte of method name and argument. */
    ingressMessageReception: 1_200_000n,
    ingressBytePrice: 2_000n,
    /** Inter-canister call: base plus per byte of request and of response. */
    xnetCall: 260_000n,
    xnetBytePrice: 1_000n,
    /** create_canister from a canister. */
    canisterCreation: 500_000_000_000n,
    /** Storage: cycles per GiB per second. */
    storagePerGiBSecond: 127_000n
});
