/**
 * Installing a module through the management canister as pic-js does: in one install_code
 * call when it fits a message, otherwise uploaded to the chunk store and installed with
 * install_chunked_code (the store is cleared before and after).
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';
import { ManagementArgs, ManagementMethod, ManagementResult } from './management/candid.js';
import { EMPTY_ARG } from './replica-convert.js';
import { InstallCodeOptions } from './replica-types.js';

/** Modules up to this size go in one install_code message (the ingress limit is 2 MiB, with the argument). */
const MAX_PLAIN_INSTALL_BYTES = 1_900_000;
/** The chunk store's chunk size (1 MiB). */
const CHUNK_BYTES = 1024 * 1024;

/** Makes one management canister call and returns its decoded result. */
export type ManagementCaller = <M extends ManagementMethod>(method: M, args: ManagementArgs<M>, sender: Principal) => Promise<ManagementResult<M>>;

export async function installModule(
    callManagement: ManagementCaller,
    { canisterId, wasm, arg = EMPTY_ARG, sender = Principal.anonymous() }: InstallCodeOptions,
    mode: ManagementArgs<'install_code'>['mode']
): Promise<void> {
    const bytes = typeof wasm === 'string' ? new Uint8Array(await readFile(wasm)) : wasm;
    if (bytes.length <= MAX_PLAIN_INSTALL_BYTES) {
        await callManagement('install_code', { mode, canister_id: canisterId, wasm_module: bytes, arg, sender_canister_version: [] }, sender);
        return;
    }
    await callManagement('clear_chunk_store', { canister_id: canisterId }, sender);
    const hashes: Array<{ hash: Uint8Array }> = [];
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
        hashes.push(await callManagement('upload_chunk', { canister_id: canisterId, chunk: bytes.subarray(at, at + CHUNK_BYTES) }, sender));
    }
    try {
        await callManagement(
            'install_chunked_code',
            {
                mode,
                target_canister: canisterId,
                store_canister: [],
                chunk_hashes_list: hashes,
                wasm_module_hash: new Uint8Array(createHash('sha256').update(bytes).digest()),
                arg,
                sender_canister_version: []
            },
            sender
        );
    } finally {
        await callManagement('clear_chunk_store', { canister_id: canisterId }, sender);
    }
}
