/**
 * How a snapshot is copied into a rehearsal canister, slice by slice: slice i of `rehearsal_copy`
 * is a pure function of the sizes and chunk hashes read from the snapshot's metadata (kept on the
 * execution's record), so a resumed step copies exactly the slice it was copying. Slices are at
 * most SNAPSHOT_SLICE_BYTES: first the module, then the Wasm memory, then the stable memory, then
 * each chunk of the chunk store. Pure: tests import it.
 */
import { SNAPSHOT_SLICE_BYTES } from './cycles';
import type { RehearsalCopy } from './types';

export type SnapshotSlice =
    | { part: 'wasm_module' | 'wasm_memory' | 'stable_memory'; offset: bigint; size: bigint }
    | { part: 'wasm_chunk'; hash: Uint8Array };

const SLICE = BigInt(SNAPSHOT_SLICE_BYTES);

function slicesOf(bytes: bigint): bigint {
    return (bytes + SLICE - 1n) / SLICE;
}

/** The parts copied by byte range, in order. */
function ranges(copy: RehearsalCopy): Array<{ part: 'wasm_module' | 'wasm_memory' | 'stable_memory'; bytes: bigint }> {
    return [
        { part: 'wasm_module', bytes: copy.wasm_module_size },
        { part: 'wasm_memory', bytes: copy.wasm_memory_size },
        { part: 'stable_memory', bytes: copy.stable_memory_size }
    ];
}

/** Slices in all. */
export function sliceCount(copy: RehearsalCopy): number {
    let count = BigInt(copy.chunks.length);
    for (const range of ranges(copy)) count += slicesOf(range.bytes);
    return Number(count);
}

/** Slice `index` (0-based), or undefined past the last one. */
export function sliceAt(copy: RehearsalCopy, index: number): SnapshotSlice | undefined {
    let rest = BigInt(index);
    for (const range of ranges(copy)) {
        const count = slicesOf(range.bytes);
        if (rest < count) {
            const offset = rest * SLICE;
            const end = offset + SLICE < range.bytes ? offset + SLICE : range.bytes;
            return { part: range.part, offset, size: end - offset };
        }
        rest -= count;
    }
    const hash = copy.chunks[Number(rest)];
    return hash === undefined ? undefined : { part: 'wasm_chunk', hash };
}

/** Bytes of the snapshot, chunks counted at their bound (the chunk store's sizes are not in the metadata). */
export function copyBytes(copy: RehearsalCopy, chunkBytes: number): bigint {
    return copy.wasm_module_size + copy.wasm_memory_size + copy.stable_memory_size + BigInt(copy.chunks.length * chunkBytes);
}
