/** The flags that describe an upgrade request, shared by `propose`, `emergency` and `rollout`. */
import { sha256 } from '@noble/hashes/sha2';
import type { Command } from 'commander';

import type { UpgradeRequest } from '../../../canisters/upgrader/types.js';
import { parseHash, readBytes } from '../args.js';
import { upgradeArgument } from '../candid-argument.js';
import { UsageError } from '../errors.js';

export interface RequestOptions {
    module?: string;
    wasm?: string;
    arg?: string;
    argFile?: string;
    snapshot: boolean;
    skipPreUpgrade?: boolean;
    wasmMemoryPersistence?: string;
    downgrade?: boolean;
}

export function addRequestOptions(command: Command): Command {
    return command
        .option('--module <sha256>', 'the hash of a module uploaded for the app')
        .option('--wasm <path>', 'or the module file (hashed here)')
        .option('--arg <candid|hex>', "post_upgrade's argument: Candid text such as '(record { limit = 7 })' (needs --wasm of a module with candid:args metadata), or the encoded bytes in hex (e.g. from `didc encode`); default ()")
        .option('--arg-file <path>', "or a file holding post_upgrade's Candid-encoded argument")
        .option('--no-snapshot', 'do not snapshot the app before installing (no rollback possible)')
        .option('--skip-pre-upgrade', "skip the running module's pre_upgrade (to escape one that traps)")
        .option('--wasm-memory-persistence <keep|replace>', 'for Motoko enhanced orthogonal persistence')
        .option('--downgrade', 'the app ran this module before (required then, refused otherwise)');
}

/** Whether the flags name a module (an upgrade rather than a policy change). */
export function hasModule(options: RequestOptions): boolean {
    return options.module !== undefined || options.wasm !== undefined;
}

/** @throws UsageError for a missing or doubly given module or argument, or a malformed value. */
export async function requestFrom(options: RequestOptions, cwd: string): Promise<UpgradeRequest> {
    return (await requestWithModule(options, cwd)).request;
}

/** The request, and the module's bytes when --wasm gave its file (to upload it). */
export async function requestWithModule(options: RequestOptions, cwd: string): Promise<{ request: UpgradeRequest; module: Uint8Array | undefined }> {
    if ((options.module === undefined) === (options.wasm === undefined)) throw new UsageError('name the module with --module <sha256> or --wasm <path> (one of them)');
    if (options.arg !== undefined && options.argFile !== undefined) throw new UsageError('give --arg or --arg-file, not both');
    const module = options.wasm !== undefined ? await readBytes(options.wasm, cwd, '--wasm') : undefined;
    const moduleHash = module !== undefined ? sha256(module) : parseHash(options.module ?? '', '--module');
    const arg = options.argFile !== undefined ? await readBytes(options.argFile, cwd, '--arg-file') : await upgradeArgument(options.arg, module);
    const persistence = options.wasmMemoryPersistence;
    if (persistence !== undefined && persistence !== 'keep' && persistence !== 'replace') throw new UsageError(`--wasm-memory-persistence is keep or replace, not ${JSON.stringify(persistence)}`);
    const request: UpgradeRequest = {
        module_hash: moduleHash,
        arg,
        options: {
            take_snapshot: options.snapshot,
            skip_pre_upgrade: options.skipPreUpgrade === true,
            wasm_memory_persistence: persistence === undefined ? [] : [persistence === 'keep' ? { keep: null } : { replace: null }]
        },
        downgrade: options.downgrade === true
    };
    return { request, module };
}
