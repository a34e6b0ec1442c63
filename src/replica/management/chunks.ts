import { createHash } from 'node:crypto';
import { MAX_CHUNK_BYTES, MAX_CHUNKS_IN_STORE } from '../constants.js';
import { reject, Reject } from '../reject.js';
import { fromHex, toHex } from '../../encoding/hex.js';
import { controlledOrSelf, err, Handler, isReject, ok } from './call.js';

/** Adds a chunk to a chunk store (a canister's, or an uploaded snapshot's): its hash, or why not. */
export function insertChunk(store: Map<string, Uint8Array>, chunk: Uint8Array, owner: string): Uint8Array | Reject {
    if (chunk.length > MAX_CHUNK_BYTES) {
        return reject('IC0504', `Error from Wasm chunk store: chunk of ${chunk.length} bytes is larger than the maximum of ${MAX_CHUNK_BYTES} bytes; split the module into smaller chunks`);
    }
    const hash = new Uint8Array(createHash('sha256').update(chunk).digest());
    const key = toHex(hash);
    if (!store.has(key)) {
        if (store.size >= MAX_CHUNKS_IN_STORE) {
            return reject('IC0504', `Error from Wasm chunk store: the store of ${owner} is full (${MAX_CHUNKS_IN_STORE} chunks); clear it with clear_chunk_store`);
        }
        store.set(key, chunk.slice());
    }
    return hash;
}

export const upload_chunk: Handler<'upload_chunk'> = (call, args) => {
    const canister = controlledOrSelf(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    const hash = insertChunk(canister.chunkStore, args.chunk, `canister ${canister.idText}`);
    return hash instanceof Uint8Array ? ok({ hash }) : err(hash);
};

export const stored_chunks: Handler<'stored_chunks'> = (call, args) => {
    const canister = controlledOrSelf(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    return ok([...canister.chunkStore.keys()].map((hex) => ({ hash: fromHex(hex) })));
};

export const clear_chunk_store: Handler<'clear_chunk_store'> = (call, args) => {
    const canister = controlledOrSelf(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    canister.chunkStore.clear();
    return ok(undefined);
};
