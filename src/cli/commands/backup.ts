/**
 * `backup`: a snapshot of an app, downloaded into a folder with a manifest (sizes and SHA-256 of
 * every part, the module hash, the canister id, the time). Called as any controller of the app
 * (typically its recovery principal), straight to the management canister. Takes a snapshot
 * (stopping the app around it, unless --running), or backs up one that exists (--snapshot,
 * --newest). Resumable: the folder's download.json names the snapshot being downloaded and the
 * hashes of the parts already finished; run the same command again after an interruption.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Principal } from '@dfinity/principal';
import { Command } from 'commander';

import { downloadChunk, downloadPart, partSizes, readMetadata } from '../../client/snapshots/download.js';
import type { SnapshotManagement, SnapshotMetadata } from '../../client/snapshots/management.js';
import { snapshotManagement } from '../../client/snapshots/management.js';
import { type Manifest, MANIFEST_FORMAT, type ManifestPart, storeMetadata } from '../../client/snapshots/manifest.js';
import { SNAPSHOT_PARTS } from '../../client/snapshots/parts.js';
import { fromHex, toHex } from '../../encoding/hex.js';
import { parseHexBytes, parsePrincipal } from '../args.js';
import { fileLength, MANIFEST_FILE, PENDING_FILE, partWriter, sha256File, writeJsonAtomically } from '../backup-files.js';
import { examples, handle, type Run } from '../command.js';
import type { Context } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';
import { fields } from '../output.js';

/** Test hook (fault injection): stop with an error after this many slices, as if interrupted. */
const STOP_AFTER_SLICES_ENV = 'UPGRADER_TEST_BACKUP_STOP_AFTER_SLICES';

interface BackupOptions {
    app: string;
    out: string;
    snapshot?: string;
    newest?: boolean;
    running?: boolean;
    keepSnapshot?: boolean;
}

/** download.json: what an unfinished backup downloads. */
interface Pending {
    canister_id: string;
    snapshot_id: string;
    /** Whether this backup took the snapshot (and deletes it when done). */
    taken_here: boolean;
    /** The metadata when the download began (a resumed run checks it is unchanged). */
    metadata: ReturnType<typeof storeMetadata>;
    /** SHA-256 of each part file finished, by file name. */
    finished: Record<string, string>;
}

export function backupCommand(run: Run): Command {
    const command = new Command('backup')
        .description(
            "Back up an app to a folder: take a snapshot (the app is stopped around it, unless --running) or use an existing one, and download it with a manifest of sizes and SHA-256 hashes. As any controller of the app (e.g. its recovery principal). Resumable: run it again with the same --out after an interruption."
        )
        .requiredOption('--app <id>', 'the app (any canister you control)')
        .requiredOption('--out <dir>', 'the folder to write (created; must not hold a finished backup)')
        .option('--snapshot <hex>', 'back up this existing snapshot instead of taking one')
        .option('--newest', 'back up the newest existing snapshot instead of taking one')
        .option('--running', 'take the snapshot without stopping the app (quicker, but calls in flight are caught half-way)')
        .option('--keep-snapshot', 'keep the snapshot this command took (by default it is deleted once downloaded, freeing the slot)');
    examples(command, 'backup --app bkyz2-fmaaa-aaaaa-qaaaq-cai --out backups/2026-12-02 --identity recovery', 'backup --app bkyz2-fmaaa-aaaaa-qaaaq-cai --out backups/before-v3 --newest');
    return handle<BackupOptions>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        if (options.snapshot !== undefined && options.newest === true) throw new UsageError('--snapshot and --newest: pass one of them, or neither to take a new snapshot');
        const chosen = options.snapshot === undefined ? undefined : parseHexBytes(options.snapshot, '--snapshot');
        const out = resolve(ctx.io.cwd, options.out);
        if (existsSync(join(out, MANIFEST_FILE))) throw new UsageError(`${out} already holds a finished backup (manifest.json); choose another --out`);
        const stopAfter = stopAfterSlices(ctx);
        mkdirSync(out, { recursive: true });
        const mgmt = snapshotManagement(await ctx.agent());

        const resumed = readPending(out, app);
        if (resumed !== null && chosen !== undefined && resumed.snapshot_id !== toHex(chosen)) {
            throw new UsageError(`${out} holds an unfinished backup of snapshot ${resumed.snapshot_id}, not ${toHex(chosen)}; resume it (same --snapshot, or none), or choose another --out`);
        }
        const pending = resumed ?? (await begin(ctx, mgmt, app, out, chosen, options));
        const snapshotId = fromHex(pending.snapshot_id);
        const metadata = await readMetadata(mgmt, app, snapshotId).catch((error: unknown) => {
            if (resumed === null) throw error;
            throw new CliFailure('SnapshotGone', `the snapshot ${pending.snapshot_id} this interrupted backup was downloading is gone (${String(error).split('\n')[0]}). Delete ${out} and run backup again.`);
        });
        if (JSON.stringify(storeMetadata(metadata)) !== JSON.stringify(pending.metadata)) {
            throw new CliFailure('SnapshotChanged', `the snapshot ${pending.snapshot_id} no longer matches what ${out} began downloading. Delete ${out} and run backup again.`);
        }
        if (resumed === null) writeJsonAtomically(out, PENDING_FILE, pending);
        else if (!ctx.json) ctx.io.stderr(`resuming the backup of snapshot ${pending.snapshot_id} in ${out}\n`);

        const parts = await download(ctx, mgmt, app, snapshotId, metadata, out, pending, stopAfter);
        const wasm = parts.find((p) => p.kind === 'wasm_module')!;
        const manifest: Manifest = {
            format: MANIFEST_FORMAT,
            canister_id: app.toText(),
            snapshot_id: pending.snapshot_id,
            created_at: new Date().toISOString(),
            module_hash: wasm.sha256,
            metadata: pending.metadata,
            parts
        };
        writeJsonAtomically(out, MANIFEST_FILE, manifest);
        rmSync(join(out, PENDING_FILE), { force: true });
        const deleted = pending.taken_here && options.keepSnapshot !== true;
        if (deleted) await mgmt.delete_canister_snapshot({ canister_id: app, snapshot_id: snapshotId });
        const bytes = parts.reduce((n, p) => n + p.size, 0);
        return {
            data: { app: app.toText(), out, snapshot_id: pending.snapshot_id, module_hash: manifest.module_hash, bytes, parts: parts.length, resumed: resumed !== null, snapshot_deleted: deleted },
            lines: fields([
                ['backup', out],
                ['snapshot', `${pending.snapshot_id}${deleted ? ' (deleted from the app now that it is downloaded)' : ''}`],
                ['module hash', manifest.module_hash],
                ['size', `${bytes} bytes in ${parts.length} parts (manifest.json lists their SHA-256)`],
                ['restore with', `npx upgrader restore --from ${options.out} --app ${app.toText()}`]
            ])
        };
    });
}

function stopAfterSlices(ctx: Context): number | null {
    const text = ctx.io.env[STOP_AFTER_SLICES_ENV];
    if (text === undefined || text === '') return null;
    if (!/^\d+$/.test(text)) throw new UsageError(`${STOP_AFTER_SLICES_ENV} must be a whole number`);
    return Number(text);
}

function readPending(out: string, app: Principal): Pending | null {
    const path = join(out, PENDING_FILE);
    if (!existsSync(path)) return null;
    let pending: Pending;
    try {
        pending = JSON.parse(readFileSync(path, 'utf8')) as Pending;
    } catch {
        throw new CliFailure('BackupCorrupt', `${path} is not readable JSON. Delete ${out} and run backup again.`);
    }
    if (pending.canister_id !== app.toText()) throw new UsageError(`${out} holds an unfinished backup of ${pending.canister_id}, not of ${app.toText()}; choose another --out`);
    return pending;
}

/** The snapshot to download: the one named, the newest, or a new one (the app stopped around it unless --running). */
async function begin(ctx: Context, mgmt: SnapshotManagement, app: Principal, out: string, chosen: Uint8Array | undefined, options: BackupOptions): Promise<Pending> {
    let snapshotId: Uint8Array;
    let takenHere = false;
    if (chosen !== undefined) snapshotId = chosen;
    else if (options.newest === true) {
        const list = await mgmt.list_canister_snapshots({ canister_id: app });
        const newest = list.reduce<(typeof list)[number] | undefined>((best, s) => (best === undefined || s.taken_at_timestamp > best.taken_at_timestamp ? s : best), undefined);
        if (newest === undefined) throw new CliFailure('NoSnapshot', `${app.toText()} has no snapshot; run backup without --newest to take one`);
        snapshotId = newest.id;
    } else {
        snapshotId = await takeSnapshot(ctx, mgmt, app, options.running === true);
        takenHere = true;
    }
    const metadata = await readMetadata(mgmt, app, snapshotId);
    if (!ctx.json) ctx.io.stderr(`downloading snapshot ${toHex(snapshotId)} of ${app.toText()} into ${out}\n`);
    return { canister_id: app.toText(), snapshot_id: toHex(snapshotId), taken_here: takenHere, metadata: storeMetadata(metadata), finished: {} };
}

async function takeSnapshot(ctx: Context, mgmt: SnapshotManagement, app: Principal, running: boolean): Promise<Uint8Array> {
    const status = await mgmt.canister_status({ canister_id: app });
    const stop = !running && 'running' in status.status;
    if (stop) {
        ctx.progress.note(`stopping ${app.toText()} for the snapshot`);
        await mgmt.stop_canister({ canister_id: app });
    }
    try {
        return (await mgmt.take_canister_snapshot({ canister_id: app, replace_snapshot: [] })).id;
    } catch (error) {
        if (/maximum number of snapshots/.test(String(error))) {
            throw new CliFailure('SnapshotLimit', `${app.toText()} already has as many snapshots as the IC allows. Back up one of them (--newest, or --snapshot <hex>), or delete one first.`, { cause: error });
        }
        throw error;
    } finally {
        if (stop) await mgmt.start_canister({ canister_id: app });
    }
}

/** Downloads every part not finished yet (a partial one from where it stopped); their manifest entries. */
async function download(ctx: Context, mgmt: SnapshotManagement, app: Principal, snapshotId: Uint8Array, metadata: SnapshotMetadata, out: string, pending: Pending, stopAfter: number | null): Promise<ManifestPart[]> {
    const sizes = partSizes(metadata);
    const target = { canisterId: app, snapshotId };
    const total = SNAPSHOT_PARTS.reduce((n, part) => n + sizes[part], 0);
    let done = 0;
    let slices = 0;
    const parts: ManifestPart[] = [];
    const finish = (part: ManifestPart): void => {
        pending.finished[part.file] = part.sha256;
        writeJsonAtomically(out, PENDING_FILE, pending);
        parts.push(part);
    };
    for (const kind of SNAPSHOT_PARTS) {
        const file = `${kind}.bin`;
        const path = join(out, file);
        const size = sizes[kind];
        const have = fileLength(path);
        const recorded = pending.finished[file];
        if (have === size && recorded !== undefined && sha256File(path) === recorded) {
            done += size;
            parts.push({ kind, file, size, sha256: recorded });
            continue;
        }
        // A finished part that no longer matches its hash is fetched again; a partial one goes on.
        const from = recorded === undefined && have < size ? have : 0;
        done += from;
        const writer = partWriter(path, from);
        try {
            await downloadPart(mgmt, target, kind, size, (offset, bytes) => writer.write(offset, bytes), {
                from,
                onSlice: (n) => {
                    done += n;
                    ctx.progress.update(done, total, 'bytes');
                    if (stopAfter !== null && ++slices >= stopAfter) throw new CliFailure('Interrupted', `stopped after ${slices} slices (${STOP_AFTER_SLICES_ENV}); run backup again to resume`);
                }
            });
        } finally {
            writer.close();
        }
        finish({ kind, file, size, sha256: sha256File(path) });
    }
    for (const { hash } of metadata.wasm_chunk_store) {
        const file = `chunks/${toHex(hash)}.bin`;
        const path = join(out, file);
        if (pending.finished[file] === toHex(hash) && sha256File(path) === toHex(hash)) {
            parts.push({ kind: 'wasm_chunk', file, size: fileLength(path), sha256: toHex(hash) });
            continue;
        }
        const chunk = await downloadChunk(mgmt, target, hash);
        const writer = partWriter(path, 0);
        writer.write(0, chunk);
        writer.close();
        finish({ kind: 'wasm_chunk', file, size: chunk.length, sha256: sha256File(path) });
    }
    ctx.progress.end();
    return parts;
}
