/**
 * A canister's stable memory as its controller sees it through the management canister: the
 * size canister_status reports (what the IC charges for), and how much of it holds data, counted
 * in 4 KiB pages that are not all zeros in a snapshot of it (taken, read and deleted again).
 *
 * Both are needed for an Azle canister: its StableBTreeMaps live in ic-stable-structures'
 * memory manager, which grows the stable memory by whole buckets of 8 MiB, so the size moves in
 * steps of 8 MiB whatever is stored; the pages in use move with the data.
 */
import { Buffer } from 'node:buffer';

import type { Principal } from '@dfinity/principal';

import { downloadPart } from '../src/client/snapshots/download.js';
import type { SnapshotManagement } from '../src/client/snapshots/management.js';

export const STABLE_PAGE_BYTES = 4096;
const ZERO_PAGE = Buffer.alloc(STABLE_PAGE_BYTES);

export interface StableFootprint {
    /** memory_metrics.stable_memory_size of canister_status, in bytes. */
    sizeBytes: bigint;
    /** 4 KiB pages of the stable memory holding a byte that is not zero. */
    pagesInUse: number;
}

/**
 * Adds to `pages` the index of every 4 KiB page that `bytes`, read at `offset` of a memory,
 * shows a non-zero byte of (slices need not be page-aligned).
 */
export function markPagesInUse(pages: Set<number>, offset: number, bytes: Uint8Array): void {
    for (let start = 0; start < bytes.length; ) {
        const page = Math.floor((offset + start) / STABLE_PAGE_BYTES);
        const end = Math.min(bytes.length, (page + 1) * STABLE_PAGE_BYTES - offset);
        const part = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
        if (!pages.has(page) && !part.equals(ZERO_PAGE.subarray(0, part.length))) pages.add(page);
        start = end;
    }
}

/** The footprint of `canisterId`'s stable memory; the caller behind `mgmt` must control it. */
export async function stableFootprint(mgmt: SnapshotManagement, canisterId: Principal): Promise<StableFootprint> {
    const status = await mgmt.canister_status({ canister_id: canisterId });
    const { id: snapshotId } = await mgmt.take_canister_snapshot({ canister_id: canisterId, replace_snapshot: [] });
    try {
        const metadata = await mgmt.read_canister_snapshot_metadata({ canister_id: canisterId, snapshot_id: snapshotId });
        const pages = new Set<number>();
        await downloadPart(mgmt, { canisterId, snapshotId }, 'stable_memory', Number(metadata.stable_memory_size), (offset, bytes) => markPagesInUse(pages, offset, bytes));
        return { sizeBytes: status.memory_metrics.stable_memory_size, pagesInUse: pages.size };
    } finally {
        await mgmt.delete_canister_snapshot({ canister_id: canisterId, snapshot_id: snapshotId });
    }
}
