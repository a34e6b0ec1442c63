/**
 * `--state-dir`: the server's replica kept on disk, so a restart (or a crash) loses nothing
 * that was reported as done.
 *
 * Layout of the directory:
 *
 *     keys.json              root and node keys (written once)
 *     CURRENT                {"generation": n}: which checkpoint and log are current
 *     checkpoint-<n>.bin     the whole state at some moment
 *     wal-<n>.log            what each round changed since that checkpoint
 *     LOCK                   pid of the server using the directory
 *
 * Both files are sequences of checked frames of CBOR (frames.ts); a checkpoint ends with
 * a frame that counts and digests the others, and is refused without it. After every round
 * that changed anything, the changes (canister records, memory pages that changed, new
 * modules and chunks, ingress statuses, the message queue, time and counters) are appended
 * to the log as one frame and fsync'ed, before the node tells anyone about the round.
 * Contents (pages, modules, chunks) are content-addressed: a page is written once per
 * generation however many canisters and snapshots share it.
 *
 * A checkpoint is written at start (after loading), when the log grows past 64 MiB, and at
 * shutdown: into a temporary file, fsync'ed, renamed; then CURRENT is replaced the same
 * way (temp + fsync + rename + directory fsync) and the previous generation is deleted. The
 * new checkpoint is read back and checked before CURRENT names it. A crash at any point
 * leaves either the old generation or the new one complete; a torn last frame of a log (a
 * crash during an append) is ignored, and that round was never reported. Damage anywhere
 * else (a checkpoint that does not prove it is whole, a bad log record with more after it)
 * stops the server with an error naming the file; `recoverTruncateLog` (the CLI's
 * `--recover-truncate-log`) starts anyway from the log records before the damage.
 *
 * This file opens a directory; the parts are in state-dir/: files.ts (names, durable writes,
 * the lock), load.ts (recovery), model.ts (frames to a subnet), delta.ts (what a round
 * changed), store.ts (log appends and checkpoints).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ReplicaKeys, ReplicaOptions } from '../replica/index.js';
import { ReplicaNode } from './node.js';
import { acquireLock, releaseLock, syncDir, writeFileDurably } from './state-dir/files.js';
import { loadGeneration } from './state-dir/load.js';
import { Model } from './state-dir/model.js';
import { StateDirHooks, StateDirStore } from './state-dir/store.js';

export type { StateDirHooks } from './state-dir/store.js';

export interface OpenStateDirOptions {
    /** Keys to use when the directory has none yet. */
    keys?: ReplicaKeys;
    replicaOptions?: ReplicaOptions;
    verifySignatures: boolean;
    live: boolean;
    log: (line: string) => void;
    /**
     * Start even though the log is damaged before its last record: keep the rounds before
     * the damage, drop the rest (the damaged log is kept as `damaged-wal-<n>-<time>.log`).
     * The CLI's `--recover-truncate-log`. Default: false (refuse to start).
     */
    recoverTruncateLog?: boolean;
    /** Fault injection for tests; see `StateDirHooks`. */
    hooks?: StateDirHooks;
}

/**
 * Opens (or creates) a state directory and returns a live node whose every round is
 * persisted there. @throws if the directory is locked by another live process or corrupt.
 */
export async function openStateDir(dir: string, options: OpenStateDirOptions): Promise<ReplicaNode> {
    await mkdir(dir, { recursive: true });
    const lockPath = acquireLock(dir);
    try {
        const keysPath = join(dir, 'keys.json');
        let keys: ReplicaKeys;
        if (existsSync(keysPath)) {
            keys = ReplicaKeys.fromJSON(JSON.parse(await readFile(keysPath, 'utf8')));
        } else {
            keys = options.keys ?? ReplicaKeys.generate();
            await writeFileDurably(keysPath, [new TextEncoder().encode(JSON.stringify(keys.toJSON(), null, 2))]);
            await syncDir(dir);
        }

        const model = new Model();
        const generation = await loadGeneration(dir, model, options);
        // Leftovers of interrupted checkpoints.
        for (const name of await readdir(dir)) {
            const m = /^(?:checkpoint|wal)-(\d+)\.(?:bin|log)(?:\.tmp)?$/.exec(name);
            if (m !== null && Number(m[1]) !== generation) await unlink(join(dir, name)).catch(() => undefined);
            if (name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => undefined);
        }

        const store = new StateDirStore(dir, generation, lockPath, options.log, options.hooks);
        const node = await ReplicaNode.create({
            keys,
            replicaOptions: options.replicaOptions,
            verifySignatures: options.verifySignatures,
            live: false,
            restore: (subnet) => model.restoreInto(subnet),
            store
        });
        await store.checkpoint(node);
        if (options.live) node.setLive(true);
        return node;
    } catch (error) {
        await releaseLock(lockPath);
        throw error;
    }
}
