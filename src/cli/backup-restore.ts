/**
 * `restore --from <dir>`: checks a backup folder whole (its manifest, then every part's size and
 * SHA-256) before anything is sent; then uploads it as a new snapshot of the app, stops the app
 * if it runs, loads the snapshot, starts the app and deletes the uploaded snapshot (the folder
 * is the copy kept). Called as any controller of the app, straight to the management canister.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Principal } from '@dfinity/principal';

import { snapshotManagement } from '../client/snapshots/management.js';
import { loadMetadata, type Manifest, ManifestError, parseManifest } from '../client/snapshots/manifest.js';
import { SNAPSHOT_PARTS, type SnapshotPart } from '../client/snapshots/parts.js';
import { type SnapshotSource, uploadSnapshot } from '../client/snapshots/upload.js';
import { toHex } from '../encoding/hex.js';
import { fileLength, fileReader, MANIFEST_FILE, PENDING_FILE, sha256File } from './backup-files.js';
import type { Context } from './context.js';
import { CliFailure, UsageError } from './errors.js';
import type { CommandResult } from './output.js';
import { fields } from './output.js';

const NOTHING_DONE = 'Nothing was uploaded or loaded; the app is unchanged.';

function corrupt(dir: string, what: string): CliFailure {
    return new CliFailure('BackupCorrupt', `${dir}: ${what}. The backup is damaged: restore from another backup. ${NOTHING_DONE}`);
}

/** The manifest, once every file it names is there with its size and SHA-256; else why not. */
export function verifiedManifest(dir: string): Manifest {
    const path = join(dir, MANIFEST_FILE);
    if (!existsSync(path)) {
        const unfinished = existsSync(join(dir, PENDING_FILE));
        throw new CliFailure(
            'BackupIncomplete',
            `${dir} has no ${MANIFEST_FILE}: ${unfinished ? 'its download did not finish; run the same `npx upgrader backup --out` again to finish it' : 'it is not a backup made by `npx upgrader backup`'}. ${NOTHING_DONE}`
        );
    }
    let manifest: Manifest;
    try {
        manifest = parseManifest(readFileSync(path, 'utf8'));
    } catch (error) {
        if (error instanceof ManifestError) throw corrupt(dir, error.message);
        throw error;
    }
    const metadata = loadMetadata(manifest.metadata);
    const expected: Record<SnapshotPart, bigint> = { wasm_module: metadata.wasm_module_size, wasm_memory: metadata.wasm_memory_size, stable_memory: metadata.stable_memory_size };
    for (const kind of SNAPSHOT_PARTS) {
        const found = manifest.parts.filter((p) => p.kind === kind);
        if (found.length !== 1 || BigInt(found[0]!.size) !== expected[kind]) throw corrupt(dir, `manifest.json does not list ${kind} once with the ${expected[kind]} bytes its metadata gives`);
    }
    const chunks = manifest.parts.filter((p) => p.kind === 'wasm_chunk').map((p) => p.sha256);
    if (JSON.stringify(chunks) !== JSON.stringify(manifest.metadata.chunk_hashes)) throw corrupt(dir, "manifest.json's chunk files are not the snapshot's chunk store");
    for (const part of manifest.parts) {
        const file = join(dir, part.file);
        const size = existsSync(file) && statSync(file).isFile() ? fileLength(file) : -1;
        if (size < 0) throw corrupt(dir, `${part.file} is missing`);
        if (size !== part.size) throw corrupt(dir, `${part.file} has ${size} bytes, not the ${part.size} manifest.json gives (truncated or altered)`);
        const sha256 = sha256File(file);
        if (sha256 !== part.sha256) throw corrupt(dir, `${part.file} has SHA-256 ${sha256}, not the ${part.sha256} manifest.json gives (corrupted or altered)`);
    }
    if (manifest.parts.find((p) => p.kind === 'wasm_module')!.sha256 !== manifest.module_hash) throw corrupt(dir, "the module's SHA-256 is not the module_hash manifest.json gives");
    return manifest;
}

function sourceFrom(dir: string, manifest: Manifest): { source: SnapshotSource; close(): void } {
    const open = (kind: SnapshotPart) => {
        const part = manifest.parts.find((p) => p.kind === kind)!;
        return fileReader(join(dir, part.file), part.size);
    };
    const parts = { wasm_module: open('wasm_module'), wasm_memory: open('wasm_memory'), stable_memory: open('stable_memory') };
    const chunks = manifest.parts.filter((p) => p.kind === 'wasm_chunk').map((p) => () => new Uint8Array(readFileSync(join(dir, p.file))));
    return { source: { metadata: loadMetadata(manifest.metadata), parts, chunks }, close: () => Object.values(parts).forEach((r) => r.close()) };
}

export async function restoreFromBackup(ctx: Context, app: Principal, from: string): Promise<CommandResult> {
    const dir = resolve(ctx.io.cwd, from);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--from: ${dir} is not a folder`);
    const manifest = verifiedManifest(dir);
    const other = manifest.canister_id === app.toText() ? '' : ` (a backup of ${manifest.canister_id})`;
    await ctx.confirm(`Replace the state of ${app.toText()} with the backup in ${dir}${other}, made ${manifest.created_at}? The app is stopped, loaded and started.`);
    const mgmt = snapshotManagement(await ctx.agent());
    const { source, close } = sourceFrom(dir, manifest);
    let snapshotId: Uint8Array;
    try {
        snapshotId = await uploadSnapshot(mgmt, app, source, { onProgress: (p) => ctx.progress.update(p.done, p.total, 'bytes') });
    } catch (error) {
        if (/maximum number of snapshots/.test(String(error))) {
            throw new CliFailure('SnapshotLimit', `${app.toText()} already has as many snapshots as the IC allows, so the backup cannot be uploaded. Delete one (e.g. dfx canister snapshot delete), then run restore again. ${NOTHING_DONE}`, { cause: error });
        }
        throw error;
    } finally {
        close();
        ctx.progress.end();
    }
    const status = await mgmt.canister_status({ canister_id: app });
    if (!('stopped' in status.status)) {
        ctx.progress.note(`stopping ${app.toText()}`);
        await mgmt.stop_canister({ canister_id: app });
    }
    await mgmt.load_canister_snapshot({ canister_id: app, snapshot_id: snapshotId, sender_canister_version: [] });
    await mgmt.start_canister({ canister_id: app });
    await mgmt.delete_canister_snapshot({ canister_id: app, snapshot_id: snapshotId });
    const bytes = manifest.parts.reduce((n, p) => n + p.size, 0);
    return {
        data: { app: app.toText(), from: dir, backup_of: manifest.canister_id, module_hash: manifest.module_hash, bytes, uploaded_snapshot: toHex(snapshotId) },
        lines: fields([
            ['restored', `${app.toText()} from ${dir}${other}`],
            ['module hash', manifest.module_hash],
            ['size', `${bytes} bytes, every part checked against manifest.json before upload`],
            ['app', 'started again; the uploaded snapshot was deleted (the backup folder is the copy)']
        ])
    };
}
