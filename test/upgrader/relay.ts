/**
 * Canisters that call the upgrader, for the tests where the caller must be a canister: an app
 * (its own calls are inter-canister, so inspect_message never sees them) or a stranger canister
 * sending what no ingress message could. Each is the replica suite's universal canister (a
 * few KB of WebAssembly, so installing one costs next to nothing), told by a program what call
 * to make; its reply says whether the upgrader replied or rejected.
 */
import { Principal } from '@dfinity/principal';

import type { Replica } from '../../src/replica/index';
import { prog } from '../replica/conformance/support/universal';
import { universalWasm } from '../replica/conformance/support/universal';

let wasm: Promise<Uint8Array> | undefined;

/** The universal canister's module (compiled from its text once per test file). */
function relayWasm(): Promise<Uint8Array> {
    wasm ??= universalWasm();
    return wasm;
}

/** Creates a relay canister with these controllers (its creator `sender` among them when listed). */
export async function deployRelay(replica: Replica, sender: Principal, controllers: Principal[]): Promise<Principal> {
    const id = await replica.createCanister({ sender, controllers });
    // An empty init argument: the universal canister would run any other as a program.
    await replica.installCode({ canisterId: id, wasm: await relayWasm(), arg: new Uint8Array(0), sender });
    return id;
}

export type RelayOutcome = { reply: Uint8Array } | { reject: { code: number; message: string } };

const REPLIED = 0x52; // 'R'
const REJECTED = 0x4a; // 'J'
/** Where the relay's zero padding starts: its memory grown past the universal canister's own 1 MiB. */
const PADDING_BASE = 0x10_0000;
const PAGE = 65_536;
const PIECE = 16 * 1024;

/**
 * `encoded` without its last `zeros` bytes, which must be zero: with `relayCall`'s `padding`, a
 * message of several MiB whose largest value is its last one and all zeros.
 */
export function withoutZeroTail(encoded: Uint8Array, zeros: number): Uint8Array {
    const cut = encoded.length - zeros;
    if (cut < 0 || encoded.subarray(cut).some((b) => b !== 0)) throw new Error('the message does not end with that many zero bytes');
    return encoded.slice(0, cut);
}

/**
 * Has `relay` call `method` of `target` with `arg`, followed by `padding` zero bytes (so a
 * message of several MiB needs no program of that size). Returns what the upgrader answered.
 */
export async function relayCall(replica: Replica, relay: Principal, target: Principal, method: string, arg: Uint8Array, padding = 0): Promise<RelayOutcome> {
    const onReply = prog().ic0('msg_reply_data_append', new Uint8Array([REPLIED])).blob('msg_arg_data').appendBlob().ic0('msg_reply');
    const onReject = prog().ic0('msg_reply_data_append', new Uint8Array([REJECTED])).ic0('msg_reject_code').appendI64().blob('msg_reject_msg').appendBlob().ic0('msg_reply');
    let p = prog();
    if (padding > 0) p = p.op('memory_grow', Math.ceil(padding / PAGE)).op('drop');
    p = p.callNew(target.toUint8Array(), method, onReply, onReject);
    // In pieces: a program carries at most 512 KiB, and its builder spreads each piece on the JS stack.
    for (let start = 0; start < arg.length; start += PIECE) p = p.ic0('call_data_append', arg.subarray(start, start + PIECE));
    if (padding > 0) p = p.ic0('call_data_append', PADDING_BASE, padding);
    p = p.ic0('call_perform').op('eq', 0).op('assert');
    const answer = await replica.updateCall({ canisterId: relay, method: 'run', arg: p.build(), sender: Principal.anonymous() });
    // A copy, not a view: @dfinity/candid's decode reads the whole underlying buffer.
    if (answer[0] === REPLIED) return { reply: answer.slice(1) };
    if (answer[0] !== REJECTED) throw new Error(`the relay answered ${answer.length} unexpected bytes`);
    const code = Number(new DataView(answer.buffer, answer.byteOffset + 1, 8).getBigUint64(0, true));
    return { reject: { code, message: new TextDecoder().decode(answer.subarray(9)) } };
}
