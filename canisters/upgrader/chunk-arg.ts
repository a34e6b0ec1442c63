/**
 * The Candid argument of the management canister's `upload_chunk`, written by hand:
 * `record { canister_id : principal; chunk : blob }`. @dfinity/candid encodes a 1 MiB blob byte
 * by byte in JavaScript (about two billion instructions in QuickJS); here the chunk is copied
 * in one `set`. `test/upgrader/chunk-arg.test.ts` checks it decodes as the IDL encoding would.
 */
import { idlLabelToId } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

/** Candid type opcodes (negative, as signed LEB128) used below. */
const RECORD = 0x6c; // -20
const VEC = 0x6d; // -19
const NAT8 = 0x7b; // -5
const PRINCIPAL = 0x68; // -24
const MAGIC = [0x44, 0x49, 0x44, 0x4c]; // "DIDL"

function leb128(value: number): number[] {
    const out: number[] = [];
    let rest = value >>> 0;
    do {
        let byte = rest & 0x7f;
        rest >>>= 7;
        if (rest !== 0) byte |= 0x80;
        out.push(byte);
    } while (rest !== 0);
    return out;
}

type Field = { hash: number; type: number[]; value: (principal: Uint8Array, chunk: Uint8Array) => Uint8Array[] };

/** The two fields in Candid's order (ascending label hash), with their types and value writers. */
const FIELDS: Field[] = [
    { hash: idlLabelToId('canister_id'), type: [PRINCIPAL], value: (p: Uint8Array): Uint8Array[] => [new Uint8Array([0x01, ...leb128(p.length)]), p] },
    { hash: idlLabelToId('chunk'), type: [0x01], value: (_p: Uint8Array, chunk: Uint8Array): Uint8Array[] => [new Uint8Array(leb128(chunk.length)), chunk] }
].sort((a, b) => a.hash - b.hash);

/** The type table and argument list, which do not depend on the values. */
const HEADER = new Uint8Array([
    ...MAGIC,
    ...leb128(2), // two types in the table
    RECORD,
    ...leb128(FIELDS.length),
    ...FIELDS.flatMap((f) => [...leb128(f.hash), ...f.type]),
    VEC,
    NAT8, // type 1: vec nat8
    ...leb128(1), // one argument
    0x00 // of type 0
]);

export function encodeUploadChunkArg(canisterId: Principal, chunk: Uint8Array): Uint8Array {
    const parts = [HEADER, ...FIELDS.flatMap((f) => f.value(canisterId.toUint8Array(), chunk))];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}
