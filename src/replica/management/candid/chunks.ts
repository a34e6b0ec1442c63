/** Candid for the Wasm chunk store methods (ic.did 0.45). */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { CandidBlob, CanisterIdRecord, ChunkHash } from './common.js';

// upload_chunk : (upload_chunk_args) -> (upload_chunk_result)
export const UploadChunkArgs = IDL.Record({ canister_id: IDL.Principal, chunk: CandidBlob });
export interface UploadChunkArgs {
    canister_id: Principal;
    chunk: Uint8Array;
}
export const UploadChunkResult = ChunkHash;
export type UploadChunkResult = ChunkHash;

// clear_chunk_store : (clear_chunk_store_args) -> ()
export const ClearChunkStoreArgs = CanisterIdRecord;
export type ClearChunkStoreArgs = CanisterIdRecord;

// stored_chunks : (stored_chunks_args) -> (stored_chunks_result)
export const StoredChunksArgs = CanisterIdRecord;
export type StoredChunksArgs = CanisterIdRecord;
export const StoredChunksResult = IDL.Vec(ChunkHash);
export type StoredChunksResult = ChunkHash[];
