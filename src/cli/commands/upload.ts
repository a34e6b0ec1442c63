/**
 * `upload`: a module file into the upgrader's store for an app. The SHA-256 is computed here and
 * printed before anything is sent. Resumable: the upgrader reports how many chunks it holds
 * (`chunks_received`), and this command always sends chunks in order, so an interrupted upload
 * goes on from there; if chunks are still missing at the end (an upload made out of order by
 * another client), the earlier ones are sent again, which the upgrader accepts (a re-sent chunk
 * replaces itself).
 */
import { sha256 } from '@noble/hashes/sha2';
import { Command } from 'commander';

import type { ModuleInfo } from '../../../canisters/upgrader/types.js';
import { CHUNK_BYTES, type UpgraderClient } from '../../client/upgrader.js';
import { toHex } from '../../encoding/hex.js';
import { parsePrincipal, readBytes } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import type { Context } from '../context.js';
import { fields } from '../output.js';
import { moduleLines } from './show.js';

interface UploadOptions {
    app: string;
}

export function uploadCommand(run: Run): Command {
    const command = new Command('upload')
        .description("Upload a module (raw or gzipped Wasm, exactly as it should be installed) to the upgrader's store for an app: hashed here, sent in 1 MiB chunks, resumable (run it again after an interruption). As a proposer, the app's recovery principal or the app.")
        .argument('<file>', 'the module file')
        .requiredOption('--app <id>', 'the app the module is for');
    examples(command, 'upload --app bkyz2-fmaaa-aaaaa-qaaaq-cai .azle/demo_app_v2/demo_app_v2.wasm.gz --identity maintainer');
    return handle<UploadOptions>(run, command, async (ctx, options, [file = '']) => {
        const app = parsePrincipal(options.app, '--app');
        const wasm = await readBytes(file, ctx.io.cwd, '<file>');
        const { info, hash, already, sent } = await uploadToStore(ctx, await ctx.client(), app, wasm);
        return {
            data: { module: info, sha256: toHex(hash), chunks_already_there: already, chunks_sent: sent },
            lines: [...moduleLines(info), ...fields([['this run', uploadRunText(info, already, sent)]])]
        };
    });
}

export interface StoreUpload {
    info: ModuleInfo;
    hash: Uint8Array;
    /** Chunks the store held before this run. */
    already: number;
    /** Chunks this run sent. */
    sent: number;
}

/**
 * Puts `wasm` into the store of `app` (an app, or a group's principal): hashed here (printed in
 * text mode), declared, then the chunks the store does not hold yet, with progress. Nothing is
 * sent when the module is complete there already, whoever uploaded it.
 */
export async function uploadToStore(ctx: Context, client: UpgraderClient, app: ModuleInfo['app'], wasm: Uint8Array): Promise<StoreUpload> {
    const hash = sha256(wasm);
    if (!ctx.json) ctx.io.stderr(`module sha256: ${toHex(hash)} (${wasm.length} bytes, computed locally)\n`);
    // Complete already (perhaps uploaded by another proposer, whom create_module would refuse): nothing to send.
    const stored = await client.getModule({ app, hash });
    if (stored?.complete === true && stored.size === BigInt(wasm.length)) return { info: stored, hash, already: stored.chunks_received, sent: 0 };
    const before = await client.createModule({ app, hash, size: BigInt(wasm.length) });
    const { info, sent } = await sendMissing(ctx, client, app, hash, wasm, before);
    return { info, hash, already: before.chunks_received, sent };
}

/** What an upload run did, in words. */
export function uploadRunText(info: ModuleInfo, already: number, sent: number): string {
    if (sent === 0) return `already complete in the store (${info.chunks_expected} chunks), nothing sent`;
    return already === 0 ? `sent all ${info.chunks_expected} chunks` : `resumed: ${already} already there, ${sent} sent`;
}

async function sendMissing(ctx: Context, client: UpgraderClient, app: ModuleInfo['app'], hash: Uint8Array, wasm: Uint8Array, start: ModuleInfo): Promise<{ info: ModuleInfo; sent: number }> {
    let info = start;
    let sent = 0;
    const total = info.chunks_expected;
    const send = async (index: number): Promise<void> => {
        info = await client.uploadChunk({ app, hash, index, chunk: wasm.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES) });
        sent++;
        ctx.progress.update(info.chunks_received, total, 'chunks');
    };
    ctx.progress.update(info.chunks_received, total, 'chunks');
    for (let index = start.chunks_received; index < total && !info.complete; index++) await send(index);
    for (let index = 0; index < start.chunks_received && !info.complete; index++) await send(index);
    ctx.progress.end();
    return { info, sent };
}
