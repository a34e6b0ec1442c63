/**
 * A group's id: a principal of the IC's reserved class (last byte 0x7f), which no canister or
 * user ever has: the tag byte `g`, the group's number (8 bytes, big-endian), then 0x7f. Pure
 * (imports only @dfinity/principal): the canister and the client share it, so a client can tell
 * a group's id from an app's without asking.
 */
import { Principal } from '@dfinity/principal';

const GROUP_TAG = 0x67;
const RESERVED_CLASS = 0x7f;
const GROUP_ID_BYTES = 10;

/** The principal naming group number `id`. */
export function groupPrincipal(id: bigint): Principal {
    const bytes = new Uint8Array(GROUP_ID_BYTES);
    bytes[0] = GROUP_TAG;
    new DataView(bytes.buffer).setBigUint64(1, id);
    bytes[GROUP_ID_BYTES - 1] = RESERVED_CLASS;
    return Principal.fromUint8Array(bytes);
}

export function isGroupPrincipal(principal: Principal): boolean {
    const bytes = principal.toUint8Array();
    return bytes.length === GROUP_ID_BYTES && bytes[0] === GROUP_TAG && bytes[GROUP_ID_BYTES - 1] === RESERVED_CLASS;
}
