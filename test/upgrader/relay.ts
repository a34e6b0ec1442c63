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

/** Where a relay's zeros start: its memory, grown past the universal canister's own 1 MiB. */
const ZEROS_BASE = 0x10_0000;
const PAGE = 65_536;
/** Bytes of the message a program appends at once (its builder spreads each on the JS stack). */
const PIECE = 16 * 1024;
/** A run of zeros at least this long is appended from the relay's zeros, not carried in the program. */
const MIN_ZERO_RUN = 4 * 1024;

/**
 * Creates a relay canister with these controllers, with `zeros` bytes of zeroed memory from
 * which it sends long runs of zeros: a program carries at most 512 KiB, a message up to 10 MiB.
 */
export async function deployRelay(replica: Replica, sender: Principal, controllers: Principal[], zeros = 2 * 1024 * 1024): Promise<Principal> {
    const id = await replica.createCanister({ sender, controllers });
    // The init argument is a program (an empty one does nothing).
    // One page more: the zeros of a message may run on a few bytes past its largest value.
    const init = zeros > 0 ? prog().op('memory_grow', Math.ceil(zeros / PAGE) + 1).op('drop').build() : new Uint8Array(0);
    await replica.installCode({ canisterId: id, wasm: await relayWasm(), arg: init, sender });
    return id;
}

export type RelayOutcome = { reply: Uint8Array } | { reject: { code: number; message: string } };

const REPLIED = 0x52; // 'R'
const REJECTED = 0x4a; // 'J'

/** The message as the parts a program appends: bytes it carries, and runs of zeros. */
function segments(message: Uint8Array): Array<Uint8Array | number> {
    const parts: Array<Uint8Array | number> = [];
    let start = 0;
    let i = 0;
    while (i < message.length) {
        if (message[i] !== 0) {
            i++;
            continue;
        }
        let end = i;
        while (end < message.length && message[end] === 0) end++;
        if (end - i >= MIN_ZERO_RUN) {
            if (i > start) parts.push(message.subarray(start, i));
            parts.push(end - i);
            start = end;
        }
        i = end;
    }
    if (start < message.length) parts.push(message.subarray(start));
    return parts;
}

/** Has `relay` call `method` of `target` with `message`; returns what the target answered. */
export async function relayCall(replica: Replica, relay: Principal, target: Principal, method: string, message: Uint8Array): Promise<RelayOutcome> {
    const onReply = prog().ic0('msg_reply_data_append', new Uint8Array([REPLIED])).blob('msg_arg_data').appendBlob().ic0('msg_reply');
    const onReject = prog().ic0('msg_reply_data_append', new Uint8Array([REJECTED])).ic0('msg_reject_code').appendI64().blob('msg_reject_msg').appendBlob().ic0('msg_reply');
    let p = prog().callNew(target.toUint8Array(), method, onReply, onReject);
    for (const part of segments(message)) {
        if (typeof part === 'number') {
            p = p.ic0('call_data_append', ZEROS_BASE, part);
            continue;
        }
        for (let start = 0; start < part.length; start += PIECE) p = p.ic0('call_data_append', part.subarray(start, start + PIECE));
    }
    p = p.ic0('call_perform').op('eq', 0).op('assert');
    const answer = await replica.updateCall({ canisterId: relay, method: 'run', arg: p.build(), sender: Principal.anonymous() });
    // A copy, not a view: @dfinity/candid's decode reads the whole underlying buffer.
    if (answer[0] === REPLIED) return { reply: answer.slice(1) };
    if (answer[0] !== REJECTED) throw new Error(`the relay answered ${answer.length} unexpected bytes`);
    const code = Number(new DataView(answer.buffer, answer.byteOffset + 1, 8).getBigUint64(0, true));
    return { reject: { code, message: new TextDecoder().decode(answer.subarray(9)) } };
}
