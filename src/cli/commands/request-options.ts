/** The flags that describe an upgrade request, shared by `propose` and `emergency`. */
import { sha256 } from '@noble/hashes/sha2';
import type { Command } from 'commander';

import type { UpgradeRequest } from '../../../canisters/upgrader/types.js';
import { moduleInterface } from '../../client/interface-check.js';
import { parseHash, readBytes } from '../args.js';
import { argumentBytes } from '../candid-argument.js';
import { UsageError } from '../errors.js';

/** The Candid encoding of `()`: the argument when none is given. */
const EMPTY_CANDID = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]);

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

/** `--arg`: hex, or Candid text typed by the module file's own candid:args (when it has them). */
async function argumentFrom(arg: string, module: Uint8Array | undefined): Promise<Uint8Array> {
    const candid = module === undefined ? undefined : await moduleInterface(module, '--wasm').catch(() => undefined);
    return argumentBytes(arg, '--arg', candid);
}

/** @throws UsageError for a missing or doubly given module or argument, or a malformed value. */
export async function requestFrom(options: RequestOptions, cwd: string): Promise<UpgradeRequest> {
    if ((options.module === undefined) === (options.wasm === undefined)) throw new UsageError('name the module with --module <sha256> or --wasm <path> (one of them)');
    if (options.arg !== undefined && options.argFile !== undefined) throw new UsageError('give --arg or --arg-file, not both');
    const module = options.wasm !== undefined ? await readBytes(options.wasm, cwd, '--wasm') : undefined;
    const moduleHash = module !== undefined ? sha256(module) : parseHash(options.module ?? '', '--module');
    const arg = options.argFile !== undefined ? await readBytes(options.argFile, cwd, '--arg-file') : options.arg !== undefined ? await argumentFrom(options.arg, module) : EMPTY_CANDID;
    const persistence = options.wasmMemoryPersistence;
    if (persistence !== undefined && persistence !== 'keep' && persistence !== 'replace') throw new UsageError(`--wasm-memory-persistence is keep or replace, not ${JSON.stringify(persistence)}`);
    return {
        module_hash: moduleHash,
        arg,
        options: {
            take_snapshot: options.snapshot,
            skip_pre_upgrade: options.skipPreUpgrade === true,
            wasm_memory_persistence: persistence === undefined ? [] : [persistence === 'keep' ? { keep: null } : { replace: null }]
        },
        downgrade: options.downgrade === true
    };
}
