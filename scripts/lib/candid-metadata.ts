/**
 * Embeds a canister's Candid interface in its Wasm as dfx does: public custom sections
 * `icp:public candid:service` (the `.did` text) and `icp:public candid:args` (the initialisation
 * arguments as Candid text), which the IC serves as `canister/<id>/metadata/candid:service` and
 * `.../candid:args` to anyone (interface checks, `dfx canister metadata`, Candid UIs).
 */
import { parseDid } from '../../src/candid/parser.js';
import { printType } from '../../src/candid/print.js';
import { concatBytes } from '../../src/encoding/bytes.js';
import { encodeLeb128 } from '../../src/encoding/leb128.js';

function customSection(name: string, content: Uint8Array): Uint8Array {
    const nameBytes = new TextEncoder().encode(name);
    const body = [encodeLeb128(nameBytes.length), nameBytes, content];
    const size = body.reduce((sum, part) => sum + part.length, 0);
    return concatBytes([new Uint8Array([0]), encodeLeb128(size), ...body]);
}

/** The initialisation arguments of a `.did`'s service as Candid text, e.g. `(opt record { a : nat })`. */
export function candidArgs(did: string): string {
    return `(${(parseDid(did).service?.args ?? []).map(printType).join(', ')})`;
}

/** `wasm` with `candid:service` and `candid:args` metadata appended (public). */
export function withCandidMetadata(wasm: Uint8Array, did: string): Uint8Array {
    const encoder = new TextEncoder();
    return concatBytes([wasm, customSection('icp:public candid:service', encoder.encode(did)), customSection('icp:public candid:args', encoder.encode(candidArgs(did)))]);
}
