import { createHash } from 'node:crypto';
import { MAX_CHUNK_BYTES, MAX_CHUNKS_IN_STORE } from '../constants.js';
import { reject } from '../reject.js';
import { fromHex, toHex } from '../../encoding/hex.js';
import { controlledOrSelf, err, Handler, isReject, ok } from './call.js';

export const upload_chunk: Handler<'upload_chunk'> = (call, args) => {
    const canister = controlledOrSelf(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    if (args.chunk.length > MAX_CHUNK_BYTES) {
        return err(reject('IC0504', `Error from Wasm chunk store: chunk of ${args.chunk.length} bytes is larger than the maximum of ${MAX_CHUNK_BYTES} bytes; split the module into smaller chunks`));
    }
    const hash = new Uint8Array(createHash('sha256').update(args.chunk).digest());
    const key = toHex(hash);
    if (!canister.chunkStore.has(key)) {
        if (canister.chunkStore.size >= MAX_CHUNKS_IN_STORE) {
            return err(reject('IC0504', `Error from Wasm chunk store: the store of canister ${canister.idText} is full (${MAX_CHUNKS_IN_STORE} chunks); clear it with clear_chunk_store`));
        }
        canister.chunkStore.set(key, args.chunk.slice());
    }
    return ok({ hash });
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
