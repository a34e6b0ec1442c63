/**
 * Saving and restoring the state of a subnet, piece by piece, for the server's `--state-dir`
 * store (src/server/persistence.ts decides when to save which piece and how to write it):
 * the subnet (time, counters, queue), canisters, their snapshots, ingress records, and
 * large contents (modules, memories, chunks) as content hashes through `BlobSink` and
 * `BlobSource`. One file per piece; values.ts is the value model they all write.
 *
 * Internals this relies on (added for it): `Subnet.exportCounters/importCounters`,
 * `Subnet.restoreCanister/restoreQueue` and `StableMemory.pages`. Everything else is public
 * state of `Subnet` and `Canister`.
 */
export { CorruptStateError } from './values.js';
export type { Stored, StoredRecord } from './values.js';
export type { BlobSink, BlobSource } from './memories.js';
export { heapRecord, restoreHeap, restoreStable, stableRecord, storeGlobal } from './memories.js';
export { canisterRecord, restoreCanister } from './canister.js';
export { restoreSnapshot, snapshotRecord } from './snapshots.js';
export { ingressRecord, restoreIngress } from './ingress.js';
export { restoreSubnet, subnetRecord } from './subnet.js';
