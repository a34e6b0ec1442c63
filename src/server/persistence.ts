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
 * a frame that counts and digests the others, and is refused without it. After every round that changed anything, the changes (canister records, memory pages
 * that changed, new modules and chunks, ingress statuses, the message queue, time and
 * counters) are appended to the log as one frame and fsync'ed, before the node tells anyone
 * about the round. Contents (pages, modules, chunks) are content-addressed: a page is
 * written once per generation however many canisters and snapshots share it.
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
 */
import { closeSync, existsSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, unlink, FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Principal } from '@dfinity/principal';
import {
    BlobSink,
    BlobSource,
    canisterRecord,
    CorruptStateError,
    ingressRecord,
    ReplicaKeys,
    ReplicaOptions,
    restoreCanister,
    restoreHeap,
    restoreIngress,
    restoreSnapshot,
    restoreStable,
    restoreSubnet,
    snapshotRecord,
    Stored,
    StoredRecord,
    storeGlobal,
    Subnet,
    subnetRecord
} from '../replica/index.js';
import type { Canister, IngressStatus, Page, Snapshot } from '../replica/index.js';
import { CborInput, CborValue, encodeCbor } from '../encoding/cbor.js';
import { ReplicaNode, StateStore } from './node.js';
import { endFrame, frame, readCheckpoint, scanFrames } from './frames.js';
import { toHex } from '../encoding/hex.js';
import { sha256 } from '../encoding/request-id.js';

/** The log is folded into a new checkpoint once it is this large. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;
/** Checkpoint frames carry at most this many bytes of contents each. */
const MAX_FRAME_CONTENT_BYTES = 16 * 1024 * 1024;
/** 2: frames with a header check, checkpoints with an end frame (frames.ts). */
const FORMAT = 2;

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
 * Test hooks (fault injection). `beforeLogWrite` runs after a round has run and before its
 * record is written to the log: while it is pending, the round is done in memory but not
 * durable; if it throws, the write counts as failed (as a full disk would).
 */
export interface StateDirHooks {
    beforeLogWrite?: () => Promise<void>;
}

/** Decoded CBOR maps as plain records (what the restore functions read). */
function toStored(value: CborValue): Stored {
    if (value instanceof Map) {
        const out: StoredRecord = Object.create(null) as StoredRecord;
        for (const [k, v] of value) out[k] = toStored(v);
        return out;
    }
    if (Array.isArray(value)) return value.map(toStored);
    if (value === undefined) return null;
    if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) throw new CorruptStateError('Saved replica state is corrupt: unexpected CBOR tag');
    return value;
}

// ------------------------------------------------------------------ files

async function writeFileDurably(path: string, chunks: Uint8Array[]): Promise<void> {
    const temp = `${path}.tmp`;
    const handle = await open(temp, 'w');
    try {
        for (const chunk of chunks) await handle.write(chunk);
        await handle.sync();
    } finally {
        await handle.close();
    }
    await rename(temp, path);
}

async function syncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
        await handle.sync();
    } finally {
        await handle.close();
    }
}

/** Directories locked by this process (a pid check cannot tell two servers of one process apart). */
const lockedHere = new Set<string>();

function acquireLock(dir: string): string {
    const path = resolve(dir, 'LOCK');
    if (lockedHere.has(path)) throw new Error(`State directory ${dir} is in use by process ${process.pid} (this process)`);
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            const fd = openSync(path, 'wx');
            writeSync(fd, String(process.pid));
            closeSync(fd);
            lockedHere.add(path);
            return path;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
            const pid = Number(readFileSync(path, 'utf8').trim());
            if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
                throw new Error(`State directory ${dir} is in use by process ${pid} (remove ${path} if that is wrong)`);
            }
            unlinkSync(path);
        }
    }
    throw new Error(`Could not lock state directory ${dir}`);
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}

// ------------------------------------------------------------------ loading

interface HeapModel {
    size: Stored;
    globals: Stored;
    pages: Array<Uint8Array | null>;
}

interface StableModel {
    size: Stored;
    pages: Map<number, Uint8Array>;
}

interface CanisterModel {
    meta: Stored;
    heap: HeapModel | null;
    stable: StableModel | null;
    snapshots: Map<string, Stored>;
}

/** State as read from a checkpoint and its log, before it becomes a subnet. */
class Model {
    blobs = new Map<string, Uint8Array>();
    subnet: Stored | null = null;
    canisters = new Map<string, CanisterModel>();
    ingress = new Map<string, Stored>();

    apply(value: CborValue): void {
        const frame = toStored(value);
        if (typeof frame !== 'object' || frame === null || frame instanceof Uint8Array || Array.isArray(frame)) throw new CorruptStateError('Saved replica state is corrupt: a frame is not a record');
        for (const entry of asList(frame.blobs)) {
            const [hash, content] = asList(entry);
            if (!(hash instanceof Uint8Array) || !(content instanceof Uint8Array)) throw new CorruptStateError('Saved replica state is corrupt: bad blob entry');
            this.blobs.set(toHex(hash), content);
        }
        if (frame.full === true) {
            this.canisters.clear();
            this.ingress.clear();
        }
        if (frame.subnet !== undefined && frame.subnet !== null) this.subnet = frame.subnet;
        for (const id of asList(frame.removed)) this.canisters.delete(toHex(id as Uint8Array));
        for (const stored of asList(frame.canisters)) this.#applyCanister(stored as StoredRecord);
        for (const stored of asList(frame.ingress)) {
            const id = (stored as StoredRecord).id;
            if (typeof id === 'string') this.ingress.set(id, stored);
        }
        for (const id of asList(frame.ingressRemoved)) if (typeof id === 'string') this.ingress.delete(id);
    }

    #applyCanister(r: StoredRecord): void {
        const key = toHex(r.id as Uint8Array);
        let model = this.canisters.get(key);
        if (model === undefined) {
            model = { meta: null, heap: null, stable: null, snapshots: new Map() };
            this.canisters.set(key, model);
        }
        if (r.meta !== undefined) model.meta = r.meta;
        if (r.heap === null) model.heap = null;
        else if (r.heap !== undefined) {
            const h = r.heap as StoredRecord;
            if (h.pages !== undefined) {
                model.heap = { size: h.size!, globals: h.globals!, pages: asList(h.pages).map((p) => (p instanceof Uint8Array ? p : null)) };
            } else {
                const heap = model.heap ?? { size: 0, globals: [], pages: [] };
                heap.size = h.size!;
                heap.globals = h.globals!;
                const length = Number(h.length);
                heap.pages.length = length;
                for (let i = 0; i < length; i++) if (heap.pages[i] === undefined) heap.pages[i] = null;
                for (const change of asList(h.set)) {
                    const [index, hash] = asList(change);
                    heap.pages[Number(index)] = hash instanceof Uint8Array ? hash : null;
                }
                model.heap = heap;
            }
        }
        if (r.stable === null) model.stable = null;
        else if (r.stable !== undefined) {
            const s = r.stable as StoredRecord;
            const stable = s.pages !== undefined || model.stable === null ? { size: s.size!, pages: new Map<number, Uint8Array>() } : model.stable;
            stable.size = s.size!;
            for (const entry of asList(s.pages ?? s.set)) {
                const [index, hash] = asList(entry);
                if (hash instanceof Uint8Array) stable.pages.set(Number(index), hash);
                else stable.pages.delete(Number(index));
            }
            model.stable = stable;
        }
        for (const stored of asList(r.snapshotsAdded)) model.snapshots.set(toHex((stored as StoredRecord).id as Uint8Array), stored);
        for (const id of asList(r.snapshotsRemoved)) model.snapshots.delete(String(id));
    }

    /** Fills a fresh subnet with this state. */
    restoreInto(subnet: Subnet): void {
        const source: BlobSource = {
            blob: (hash) => {
                const content = this.blobs.get(toHex(hash));
                if (content === undefined) throw new CorruptStateError(`Saved replica state is corrupt: missing content ${toHex(hash)}`);
                return content;
            },
            page: (hash) => subnet.pageStore.intern(source.blob(hash))
        };
        if (this.subnet !== null) restoreSubnet(subnet, this.subnet);
        for (const stored of this.ingress.values()) {
            const record = restoreIngress(stored);
            subnet.restoreIngress(record);
        }
        for (const model of this.canisters.values()) {
            const memories =
                model.heap === null
                    ? null
                    : {
                          heap: restoreHeap({ size: model.heap.size, globals: model.heap.globals, pages: model.heap.pages }, source),
                          stable: restoreStable({ size: model.stable?.size ?? 0n, pages: [...(model.stable?.pages ?? new Map<number, Uint8Array>())].map(([i, h]) => [i, h]) }, source)
                      };
            const snapshots = new Map<string, Snapshot>();
            for (const [key, stored] of model.snapshots) snapshots.set(key, restoreSnapshot(stored, source));
            restoreCanister(subnet, model.meta, source, memories, snapshots);
        }
    }
}

function asList(value: Stored | undefined): Stored[] {
    return Array.isArray(value) ? value : [];
}

// ------------------------------------------------------------------ the store

interface Mirror {
    meta: Uint8Array;
    heap: { pages: Array<Page | null>; size: number; globals: Array<number | bigint> } | null;
    stable: { pages: Map<number, Page>; size: bigint } | null;
    snapshots: Set<string>;
}

/** Turns contents into hashes, remembering which are already stored in the current generation. */
class Sink implements BlobSink {
    readonly pending: Array<[Uint8Array, Uint8Array]> = [];
    pendingBytes = 0;
    constructor(
        readonly known: Set<string>,
        readonly hashes: WeakMap<Uint8Array, Uint8Array>
    ) {}

    blob(content: Uint8Array): Uint8Array {
        let hash = this.hashes.get(content);
        if (hash === undefined) {
            hash = sha256(content);
            this.hashes.set(content, hash);
        }
        const hex = toHex(hash);
        if (!this.known.has(hex)) {
            this.known.add(hex);
            this.pending.push([hash, content]);
            this.pendingBytes += content.length;
        }
        return hash;
    }

    page(page: Page): Uint8Array {
        return this.blob(page);
    }

    /** Takes the pending contents (for writing them in frames of bounded size). */
    drain(): Array<[Uint8Array, Uint8Array]> {
        const out = this.pending.splice(0);
        this.pendingBytes = 0;
        return out;
    }
}

class StateDirStore implements StateStore {
    readonly dir: string;
    #generation = 0;
    #wal: FileHandle | null = null;
    #walBytes = 0;
    #known = new Set<string>();
    readonly #hashes = new WeakMap<Uint8Array, Uint8Array>();
    readonly #mirrors = new Map<string, Mirror>();
    #ingress = new Map<string, IngressStatus>();
    #subnetBytes: Uint8Array = new Uint8Array(0);
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
        return join(this.dir, kind === 'checkpoint' ? `checkpoint-${generation}.bin` : `wal-${generation}.log`);
    }

    /** Appends what the last round changed to the log (and folds the log into a checkpoint when large). */
    async commit(node: ReplicaNode): Promise<void> {
        if (this.#failed !== null) throw this.#failed;
        const record = this.#delta(node.subnet);
        if (record === null) return;
        try {
            const bytes = frame(record);
            await this.#hooks.beforeLogWrite?.();
            await this.#wal!.write(bytes);
            await this.#wal!.datasync();
            this.#walBytes += bytes.length;
            if (this.#walBytes > MAX_LOG_BYTES) await this.checkpoint(node);
        } catch (error) {
            // The state on disk no longer follows the replica: stop claiming durability.
            this.#failed = error instanceof Error ? error : new Error(String(error));
            this.#log(`replica: writing the state directory failed: ${this.#failed.message}`);
            throw this.#failed;
        }
    }

    /** What changed since the last write, as one log record (null if nothing did). */
    #delta(subnet: Subnet): CborInput | null {
        const sink = new Sink(this.#known, this.#hashes);
        const canisters: StoredRecord[] = [];
        const removed: Uint8Array[] = [];
        for (const canister of subnet.canisters.values()) {
            const change = this.#canisterDelta(canister, sink);
            if (change !== null) canisters.push(change);
        }
        for (const key of [...this.#mirrors.keys()]) {
            if (subnet.canisters.has(key)) continue;
            this.#mirrors.delete(key);
            removed.push(canisterIdBytes(key));
        }
        const ingress: StoredRecord[] = [];
        const ingressRemoved: string[] = [];
        for (const [id, record] of subnet.ingress) {
            if (this.#ingress.get(id) === record.status) continue;
            this.#ingress.set(id, record.status);
            ingress.push(ingressRecord(record));
        }
        if (this.#ingress.size > subnet.ingress.size) {
            for (const id of [...this.#ingress.keys()]) {
                if (subnet.ingress.has(id)) continue;
                this.#ingress.delete(id);
                ingressRemoved.push(id);
            }
        }
        const subnetStored = subnetRecord(subnet);
        const subnetBytes = encodeCbor(subnetStored as CborInput, { selfDescribe: false });
        const subnetChanged = Buffer.compare(subnetBytes, this.#subnetBytes) !== 0;
        this.#subnetBytes = subnetBytes;
        if (!subnetChanged && canisters.length === 0 && removed.length === 0 && ingress.length === 0 && ingressRemoved.length === 0 && sink.pending.length === 0) return null;
        return {
            blobs: sink.drain(),
            subnet: subnetChanged ? (subnetStored as CborInput) : undefined,
            canisters: canisters as CborInput,
            removed,
            ingress: ingress as CborInput,
            ingressRemoved
        };
    }

    #canisterDelta(canister: Canister, sink: BlobSink): StoredRecord | null {
        const key = canister.idText;
        let mirror = this.#mirrors.get(key);
        const out: StoredRecord = { id: canister.id.toUint8Array() };
        let changed = false;
        const meta = canisterRecord(canister, sink);
        const metaBytes = encodeCbor(meta as CborInput, { selfDescribe: false });
        if (mirror === undefined) {
            mirror = { meta: new Uint8Array(0), heap: null, stable: null, snapshots: new Set() };
            this.#mirrors.set(key, mirror);
        }
        if (Buffer.compare(metaBytes, mirror.meta) !== 0) {
            mirror.meta = metaBytes;
            out.meta = meta;
            changed = true;
        }
        const code = canister.code;
        // Heap: the pages whose objects changed (pages the mirror shares are never mutated in place).
        if (code === null) {
            if (mirror.heap !== null || mirror.stable !== null) {
                mirror.heap = null;
                mirror.stable = null;
                out.heap = null;
                out.stable = null;
                changed = true;
            }
        } else {
            const heap = code.heap;
            const previous = mirror.heap;
            const set: Stored[] = [];
            const length = heap.pages.length;
            for (let i = 0; i < length; i++) {
                const page = heap.pages[i] ?? null;
                if (previous !== null && previous.pages[i] === page && i < previous.pages.length) continue;
                set.push([i, page === null ? null : sink.page(page)]);
            }
            const globalsSame = previous !== null && previous.globals.length === heap.globals.length && previous.globals.every((g, i) => Object.is(g, heap.globals[i]));
            if (previous === null || set.length > 0 || length !== previous.pages.length || heap.sizeWasmPages !== previous.size || !globalsSame) {
                out.heap = { size: heap.sizeWasmPages, globals: heap.globals.map(storeGlobal), length, set };
                mirror.heap = { pages: heap.pages.slice(), size: heap.sizeWasmPages, globals: heap.globals.slice() };
                changed = true;
            }
            // The mirror now shares the heap's pages: the next commit must copy them rather
            // than overwrite them in place (HeapImage's "owned" pages), or a later change to
            // such a page would look unchanged here and never reach the log.
            heap.owned.clear();
            const stable = code.stable;
            const before = mirror.stable;
            const stableSet: Stored[] = [];
            for (const [index, page] of stable.pages) {
                if (before !== null && before.pages.get(index) === page) continue;
                stableSet.push([index, sink.page(page)]);
            }
            if (before !== null) for (const index of before.pages.keys()) if (!stable.pages.has(index)) stableSet.push([index, null]);
            if (before === null || stableSet.length > 0 || before.size !== stable.sizePages) {
                out.stable = { size: stable.sizePages, set: stableSet };
                mirror.stable = { pages: new Map(stable.pages), size: stable.sizePages };
                changed = true;
            }
        }
        const added: Stored[] = [];
        const removedSnapshots: string[] = [];
        for (const [id, snapshot] of canister.snapshots) {
            if (mirror.snapshots.has(id)) continue;
            mirror.snapshots.add(id);
            added.push(snapshotRecord(snapshot, sink));
        }
        for (const id of [...mirror.snapshots]) {
            if (canister.snapshots.has(id)) continue;
            mirror.snapshots.delete(id);
            removedSnapshots.push(id);
        }
        if (added.length > 0 || removedSnapshots.length > 0) {
            out.snapshotsAdded = added;
            out.snapshotsRemoved = removedSnapshots;
            changed = true;
        }
        return changed ? out : null;
    }

    /**
     * Writes the whole state as a new generation and makes it current; the log starts empty.
     * Also resets what the next deltas are computed against.
     */
    async checkpoint(node: ReplicaNode): Promise<void> {
        const subnet = node.subnet;
        const next = this.#generation + 1;
        // Capture everything synchronously: contents by reference, records fully built.
        this.#known = new Set();
        this.#mirrors.clear();
        this.#ingress = new Map();
        this.#subnetBytes = new Uint8Array(0);
        const state = (this.#delta(subnet) ?? {}) as { blobs?: Array<[Uint8Array, Uint8Array]>; [key: string]: CborInput };
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

function canisterIdBytes(text: string): Uint8Array {
    return Principal.fromText(text).toUint8Array();
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

/** What to do when the state directory cannot be trusted. */
function recoveryAdvice(dir: string): string {
    return `Restore ${dir} from a backup, or move it aside to start with an empty replica`;
}

/**
 * Reads the current generation (checkpoint, then log) into `model`; returns its number (0
 * for a new directory). @throws CorruptStateError when the files cannot prove they are whole.
 */
async function loadGeneration(dir: string, model: Model, options: OpenStateDirOptions): Promise<number> {
    const currentPath = join(dir, 'CURRENT');
    if (!existsSync(currentPath)) {
        // A crash during the very first start can leave generation 1 (an empty replica, its log
        // empty) without CURRENT: nothing was ever served from it. Anything else is saved state.
        const orphans = (await readdir(dir)).filter(
            (name) => /^(?:checkpoint-\d+\.bin|wal-\d+\.log)$/.test(name) && name !== 'checkpoint-1.bin' && !(name === 'wal-1.log' && statSync(join(dir, name)).size === 0)
        );
        if (orphans.length > 0) throw new CorruptStateError(`${currentPath} is missing but ${dir} holds saved state (${orphans.join(', ')}): the server will not start empty over it. ${recoveryAdvice(dir)}`);
        return 0;
    }
    let current: { generation?: unknown; format?: unknown };
    try {
        current = JSON.parse(await readFile(currentPath, 'utf8')) as typeof current;
    } catch (error) {
        throw new CorruptStateError(`${currentPath} is damaged (${error instanceof Error ? error.message : String(error)}). ${recoveryAdvice(dir)}`);
    }
    if (typeof current.generation !== 'number') throw new CorruptStateError(`${currentPath} does not name a generation. ${recoveryAdvice(dir)}`);
    if (current.format !== FORMAT) throw new CorruptStateError(`${dir} was written by an incompatible version (format ${String(current.format)}, expected ${FORMAT}). Start it with the version that wrote it, or move it aside to start with an empty replica`);
    const generation = current.generation;

    const checkpointPath = join(dir, `checkpoint-${generation}.bin`);
    if (!existsSync(checkpointPath)) throw new CorruptStateError(`${checkpointPath}, named by ${currentPath}, is missing. ${recoveryAdvice(dir)}`);
    const checkpoint = readCheckpoint(new Uint8Array(await readFile(checkpointPath)));
    if ('problem' in checkpoint) {
        throw new CorruptStateError(`${checkpointPath} is incomplete or damaged: ${checkpoint.problem}. It cannot prove it holds the whole state, so the server will not start from it. ${recoveryAdvice(dir)}`);
    }
    for (const f of checkpoint.frames) model.apply(f);

    const walPath = join(dir, `wal-${generation}.log`);
    let rounds = 0;
    if (existsSync(walPath)) {
        const bytes = new Uint8Array(await readFile(walPath));
        const wal = scanFrames(bytes);
        const stop = wal.stop;
        if (stop.kind === 'corrupt') {
            const where = `record ${stop.index + 1} (byte ${stop.at} of ${bytes.length}) of ${walPath} is damaged (${stop.reason}) and is followed by further data`;
            if (options.recoverTruncateLog !== true) {
                throw new CorruptStateError(
                    `${where}: this is damage, not a write interrupted by a crash, and starting would silently drop every round after it. ` +
                        `To start with the ${stop.index} rounds before it and lose the rest, run again with --recover-truncate-log (the damaged log is kept), or restore ${dir} from a backup`
                );
            }
            const kept = join(dir, `damaged-wal-${generation}-${Date.now()}.log`);
            await copyFile(walPath, kept);
            options.log(`replica: ${where}; --recover-truncate-log: keeping the ${stop.index} rounds before it and dropping ${bytes.length - stop.at} bytes after it (the damaged log is kept as ${kept})`);
        } else if (stop.kind === 'torn') {
            options.log(`replica: ignoring an incomplete last record of ${walPath} (a write interrupted by a crash; that round was never reported)`);
        }
        for (const f of wal.frames) model.apply(f);
        rounds = wal.frames.length;
    }
    options.log(`replica: restored state from ${dir} (generation ${generation}, ${rounds} rounds since the checkpoint, ${model.canisters.size} canisters)`);
    return generation;
}

async function releaseLock(path: string): Promise<void> {
    lockedHere.delete(path);
    await unlink(path).catch(() => undefined);
}
