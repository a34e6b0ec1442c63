/**
 * Where `rehearse` gets the app's state: its live state (a snapshot taken and downloaded by the
 * identity, a controller), or a backup folder of `npx upgrader backup`, checked whole against
 * its manifest first. A backup does not record controllers: they are read from the network
 * when the identity may (canister_status), else the identity alone controls the rehearsal.
 */
import { readFileSync } from 'node:fs';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { Principal } from '@dfinity/principal';

import type { DownloadedSnapshot } from '../client/snapshots/download.js';
import { snapshotManagement } from '../client/snapshots/management.js';
import { loadMetadata } from '../client/snapshots/manifest.js';
import { SNAPSHOT_PARTS } from '../client/snapshots/parts.js';
import type { AppState } from '../rehearsal/app-state.js';
import { downloadAppState } from '../rehearsal/download.js';
import { verifiedManifest } from './backup-restore.js';
import type { Context } from './context.js';
import { UsageError } from './errors.js';

export interface LoadedState {
    state: AppState;
    /** Where the state came from, for the report. */
    from: string;
    /** Whose controllers the rehearsal canister has. */
    controllersFrom: string;
}

export async function liveState(ctx: Context, app: Principal): Promise<LoadedState> {
    const state = await downloadAppState(snapshotManagement(await ctx.agent()), app, ({ done, total }) => ctx.progress.update(done, total, 'bytes of the snapshot downloaded'));
    ctx.progress.end();
    const from =
        state.source.kind === 'taken'
            ? 'a snapshot of the live app, taken for this rehearsal and deleted after the download'
            : `the app's newest snapshot (taken at ${state.source.takenAt} ns): no new one could be taken (${state.source.why})`;
    return { state, from, controllersFrom: "the app's (canister_status)" };
}

export async function backupState(ctx: Context, app: Principal, folder: string): Promise<LoadedState> {
    const dir = resolve(ctx.io.cwd, folder);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--from-backup: ${dir} is not a folder`);
    const manifest = verifiedManifest(dir);
    const read = (kind: string): Uint8Array => new Uint8Array(readFileSync(join(dir, manifest.parts.find((p) => p.kind === kind)!.file)));
    const parts = Object.fromEntries(SNAPSHOT_PARTS.map((part) => [part, read(part)])) as DownloadedSnapshot['parts'];
    const chunks = manifest.parts.filter((p) => p.kind === 'wasm_chunk').map((p) => new Uint8Array(readFileSync(join(dir, p.file))));
    const snapshot: DownloadedSnapshot = { metadata: loadMetadata(manifest.metadata), parts, chunks };
    const other = manifest.canister_id === app.toText() ? '' : ` (a backup of ${manifest.canister_id})`;
    const from = `the backup in ${dir}${other}, made ${manifest.created_at}`;
    try {
        const status = await snapshotManagement(await ctx.agent()).canister_status({ canister_id: app });
        return { state: { canisterId: app, controllers: status.settings.controllers, wasmMemoryLimit: status.settings.wasm_memory_limit, snapshot }, from, controllersFrom: "the app's (canister_status)" };
    } catch (error) {
        if (error instanceof UsageError) throw error;
        const me = await ctx.principal(true);
        const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        return { state: { canisterId: app, controllers: [me], snapshot }, from, controllersFrom: `the identity alone: the app's could not be read (${why})` };
    }
}
