import { Principal } from '@dfinity/principal';

/** The management canister `aaaaa-aa` (the empty principal). */
export const MANAGEMENT_CANISTER_ID = Principal.fromUint8Array(new Uint8Array(0));

/** Canister ids as the IC assigns them: an 8-byte big-endian counter, then 0x01 0x01. */
export function canisterIdFromIndex(index: bigint): Principal {
    const bytes = new Uint8Array(10);
    new DataView(bytes.buffer).setBigUint64(0, index);
    bytes[8] = 1;
    bytes[9] = 1;
    return Principal.fromUint8Array(bytes);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
    return Buffer.compare(a, b) === 0;
}
