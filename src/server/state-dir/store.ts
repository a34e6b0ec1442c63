/**
 * The store behind a node: appends each round's delta to the log (fsync'ed before the round
 * is reported), folds the log into a new checkpoint generation when it grows large, and
 * writes a last checkpoint and releases the lock at close.
 */
import { FileHandle, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptStateError } from '../../replica/index.js';
import { CborInput } from '../../encoding/cbor.js';
import { ReplicaNode, StateStore } from '../node.js';
import { endFrame, frame, readCheckpoint } from '../frames.js';
import { DeltaTracker } from './delta.js';
import { FORMAT, generationFile, releaseLock, syncDir, writeFileDurably } from './files.js';

/** The log is folded into a new checkpoint once it is this large. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;
/** Checkpoint frames carry at most this many bytes of contents each. */
const MAX_FRAME_CONTENT_BYTES = 16 * 1024 * 1024;

/**
 * Test hooks (fault injection). `beforeLogWrite` runs after a round has run and before its
 * record is written to the log: while it is pending, the round is done in memory but not
 * durable; if it throws, the write counts as failed (as a full disk would).
 */
export interface StateDirHooks {
    beforeLogWrite?: () => Promise<void>;
}

export class StateDirStore implements StateStore {
    readonly dir: string;
    #generation = 0;
    #wal: FileHandle | null = null;
    #walBytes = 0;
    readonly #deltas = new DeltaTracker();
    readonly #lockPath: string;
    readonly #log: (line: string) => void;
    #failed: Error | null = null;
    readonly #hooks: StateDirHooks;

    constructor(dir: string, generation: number, lockPath: string, log: (line: string) => void, hooks: StateDirHooks = {}) {
        this.dir = dir;
        this.#generation = generation;
        this.#lockPath = lockPath;
        this.#log = log;
        this.#hooks = hooks;
    }

    #path(kind: 'checkpoint' | 'wal', generation = this.#generation): string {
        return generationFile(this.dir, kind, generation);
    }

    /** Appends what the last round changed to the log (and folds the log into a checkpoint when large). */
    async commit(node: ReplicaNode, whileSyncing?: () => void): Promise<void> {
        if (this.#failed !== null) throw this.#failed;
        const record = this.#deltas.delta(node.subnet);
        if (record === null) return whileSyncing?.();
        try {
            const bytes = frame(record);
            await this.#hooks.beforeLogWrite?.();
            await this.#wal!.write(bytes);
            const synced = this.#wal!.datasync();
            // The disk works on its own meanwhile (libuv's thread pool): the node's own work overlaps it.
            try {
                whileSyncing?.();
            } finally {
                await synced;
            }
            this.#walBytes += bytes.length;
            if (this.#walBytes > MAX_LOG_BYTES) await this.checkpoint(node);
        } catch (error) {
            // The state on disk no longer follows the replica: stop claiming durability.
            this.#failed = error instanceof Error ? error : new Error(String(error));
            this.#log(`replica: writing the state directory failed: ${this.#failed.message}`);
            throw this.#failed;
        }
    }

    /**
     * Writes the whole state as a new generation and makes it current; the log starts empty.
     * Also resets what the next deltas are computed against.
     */
    async checkpoint(node: ReplicaNode): Promise<void> {
        const subnet = node.subnet;
        const next = this.#generation + 1;
        // Capture everything synchronously: contents by reference, records fully built.
        this.#deltas.reset();
        const state = (this.#deltas.delta(subnet) ?? {}) as { blobs?: Array<[Uint8Array, Uint8Array]>; [key: string]: CborInput };
        const blobs = state.blobs ?? [];
        const chunks: Uint8Array[] = [];
        let batch: Array<[Uint8Array, Uint8Array]> = [];
        let batchBytes = 0;
        for (const entry of blobs) {
            batch.push(entry);
            batchBytes += entry[1].length;
            if (batchBytes >= MAX_FRAME_CONTENT_BYTES) {
                chunks.push(frame({ blobs: batch }));
                batch = [];
                batchBytes = 0;
            }
        }
        if (batch.length > 0) chunks.push(frame({ blobs: batch }));
        chunks.push(frame({ ...state, blobs: [], full: true, format: FORMAT }));
        chunks.push(endFrame(chunks));

        const checkpointPath = this.#path('checkpoint', next);
        await writeFileDurably(checkpointPath, chunks);
        // Proven complete on disk (read back) before it becomes current and the previous generation goes.
        const written = readCheckpoint(new Uint8Array(await readFile(checkpointPath)));
        if ('problem' in written) throw new CorruptStateError(`The checkpoint just written, ${checkpointPath}, does not read back whole (${written.problem}); the previous generation is kept`);
        const wal = await open(this.#path('wal', next), 'w');
        await wal.sync();
        await writeFileDurably(join(this.dir, 'CURRENT'), [new TextEncoder().encode(JSON.stringify({ generation: next, format: FORMAT }))]);
        await syncDir(this.dir);
        const previous = this.#generation;
        await this.#wal?.close();
        this.#wal = wal;
        this.#walBytes = 0;
        this.#generation = next;
        for (const path of [this.#path('checkpoint', previous), this.#path('wal', previous)]) await unlink(path).catch(() => undefined);
    }

    async close(node: ReplicaNode): Promise<void> {
        try {
            if (this.#failed === null) await this.checkpoint(node);
        } finally {
            await this.#wal?.close();
            this.#wal = null;
            await releaseLock(this.#lockPath);
        }
    }
}
