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

/** The counter of an IC-assigned canister id, or null if the principal is not one. */
export function canisterIndexOf(id: Principal): bigint | null {
    const bytes = id.toUint8Array();
    if (bytes.length !== 10 || bytes[8] !== 1 || bytes[9] !== 1) return null;
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
}

/** Hex text of bytes, for map keys. */
export function toHex(bytes: Uint8Array): string {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
    return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
    return Buffer.compare(a, b) === 0;
}
