/**
 * Modules staged in the upgrader's own chunk store, so that a group's members install from it
 * (install_chunked_code with `store_canister` = the upgrader; the IC lets a canister upload to
 * its own store): a module is copied out of stable memory once per rollout, not once per member,
 * and a member costs the upgrader the same instructions whatever the module's size.
 *
 * The IC keeps at most MAX_STORE_CHUNKS chunks per store and can only clear a store whole. The
 * upgrader counts the chunks it staged since it last cleared its store; a module that does not
 * fit clears it first, but only while no other execution that installs from the store is past
 * its check (it might be staging or installing): otherwise the member waits (the watchdog tries
 * again), then fails untouched. The records are forgotten before the clear is sent, so nobody
 * installs from chunks being cleared.
 */
import type { Principal } from '@dfinity/principal';
import { StableBTreeMap } from 'azle';

import { MAX_STORE_CHUNKS } from './limits';
import { MemoryId } from './memory';
import { getCounter, MetaKey, setCounter } from './meta';
import { findModule, moduleKey } from './modules';
import { type StagedModule, stagedRecord } from './records';
import { rawBytes } from './serde';

const staged = new StableBTreeMap<Uint8Array, StagedModule>(MemoryId.staged, rawBytes, stagedRecord);

/** The chunk hashes staged so far for the module (its owner's: a group's), in order. */
export function stagedHashes(owner: Principal, hash: Uint8Array): Uint8Array[] {
    return staged.get(moduleKey(owner, hash))?.chunk_hashes ?? [];
}

/** Whether every chunk of the owner's module is staged (false for a module no longer stored). */
export function isStaged(owner: Principal, hash: Uint8Array): boolean {
    const module = findModule(owner, hash);
    return module !== undefined && stagedHashes(owner, hash).length >= module.chunks_expected;
}

/** Whether a module of `chunks` chunks, not staged yet, fits the store without clearing it. */
export function fitsWithoutClearing(chunks: number): boolean {
    return Number(getCounter(MetaKey.stagedChunks)) + chunks <= MAX_STORE_CHUNKS;
}

/** Records that chunk `index` of the module is in the store, with the hash the IC returned. */
export function recordStaged(owner: Principal, hash: Uint8Array, index: number, chunkHash: Uint8Array): void {
    const key = moduleKey(owner, hash);
    const record = staged.get(key) ?? { chunk_hashes: [] };
    if (index > record.chunk_hashes.length) return;
    if (index === record.chunk_hashes.length) setCounter(MetaKey.stagedChunks, getCounter(MetaKey.stagedChunks) + 1n);
    record.chunk_hashes = [...record.chunk_hashes.slice(0, index), chunkHash, ...record.chunk_hashes.slice(index + 1)];
    staged.insert(key, record);
}

/** Forgets every staged module: called just before the store is cleared. */
export function forgetStaged(): void {
    for (const key of staged.keys()) staged.remove(key);
    setCounter(MetaKey.stagedChunks, 0n);
}
