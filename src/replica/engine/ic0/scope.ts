/**
 * What an ic0 implementation sees: the execution the calling instance is running (bound by
 * `begin`, cleared by `end`), its memory and stable memory, and the replica around it.
 * One scope per live instance; the table's implementations are bound to it once, when the
 * instance is created.
 */
import { Principal } from '@dfinity/principal';
import { MAX_PRINCIPAL_BYTES, MAX_REPLY_BYTES_QUERY, MAX_REPLY_BYTES_REPLICATED } from '../../constants.js';
import type { StableMemory } from '../../memory/stable-memory.js';
import type { Canister } from '../../state/canister.js';
import { contextName, type ContextKind } from '../contexts.js';
import type { Invocation } from '../invocation.js';
import type { LiveInstance } from '../live-instance.js';
import { TrapError } from '../trap.js';
import { PER_BYTE_COPY } from './instructions.js';

/** What the System API needs from the replica around the canister. */
export interface SystemApiHost {
    readonly subnetId: Principal;
    /** DER-encoded root key, when the replica has one. */
    readonly rootKey: Uint8Array | null;
    /** Cycles `canister` must keep to stay above its freezing threshold. */
    freezingLimit(canister: Canister): bigint;
    /** Cycles a call with these sizes must be able to pay (ic0.cost_call). */
    costCall(methodNameSize: bigint, payloadSize: bigint): bigint;
    /** Fee of create_canister (ic0.cost_create_canister). */
    costCreateCanister(): bigint;
}

export const MAX_U64 = (1n << 64n) - 1n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Ic0Scope {
    #invocation: Invocation | null = null;
    #live: LiveInstance | null = null;
    #stable: StableMemory | null = null;

    constructor(readonly host: SystemApiHost) {}

    /** Binds an execution: ic0 calls from now on act on `invocation` through `live` and `stable`. */
    begin(invocation: Invocation, live: LiveInstance, stable: StableMemory): void {
        this.#invocation = invocation;
        this.#live = live;
        this.#stable = stable;
    }

    end(): void {
        this.#invocation = null;
        this.#live = null;
        this.#stable = null;
    }

    /** Run by every ic0 call first: the context check (IC0504 outside `allowed`), then the call's overhead. */
    enter(name: string, allowed: ReadonlySet<ContextKind>, overhead: bigint): void {
        const inv = this.#invocation;
        const live = this.#live;
        if (inv === null || live === null) throw TrapError.contract(`"ic0_${name}" called outside of any execution`);
        if (!allowed.has(inv.kind)) throw TrapError.contextViolation(name, contextName(inv.kind, inv.methodName));
        live.charge(overhead, inv.limit);
    }

    /** The execution being run (valid inside an implementation, after `enter`). */
    get inv(): Invocation {
        return this.#invocation!;
    }

    /** The calling instance: its memory and instruction counter. */
    get live(): LiveInstance {
        return this.#live!;
    }

    get stable(): StableMemory {
        return this.#stable!;
    }

    /** Charges `n` more instructions to this execution. */
    charge(n: bigint): void {
        this.#live!.charge(n, this.#invocation!.limit);
    }

    /** A blob getter's `_copy(dst, offset, size)` (spec §1.3): copies `data[offset, offset + size)` to `dst`. */
    copyOut(data: Uint8Array, dst: number, offset: number, size: number, what: string): void {
        if (offset + size > data.length) {
            throw TrapError.contract(`${what}: src=${offset} + length=${size} exceeds the slice size=${data.length}`);
        }
        this.charge(BigInt(size) * PER_BYTE_COPY);
        this.live.write(dst, data.subarray(offset, offset + size));
    }

    /** Text at [src, src + size) that must be valid UTF-8; traps naming `what` otherwise. */
    readUtf8(src: number, size: number, what: string): string {
        const bytes = this.live.read(src, size);
        try {
            return utf8.decode(bytes);
        } catch {
            throw TrapError.contract(`${what} is not valid UTF-8`);
        }
    }

    readPrincipal(src: number, size: number, what: string): Principal {
        if (size > MAX_PRINCIPAL_BYTES) throw TrapError.contract(`${what}: principal of ${size} bytes is longer than ${MAX_PRINCIPAL_BYTES}`);
        return Principal.fromUint8Array(this.live.read(src, size));
    }

    /** A 128-bit amount written to `dst` as 16 bytes little-endian (spec §1.3). */
    write128(dst: number, value: bigint): void {
        const out = new Uint8Array(16);
        const view = new DataView(out.buffer);
        view.setBigUint64(0, value & MAX_U64, true);
        view.setBigUint64(8, value >> 64n, true);
        this.live.write(dst, out);
    }

    /** Replies are larger for non-replicated queries (spec §1.4, msg_reply_data_append). */
    get replyLimit(): number {
        const kind = this.inv.kind;
        return kind === 'NRQ' || kind === 'CQ' || kind === 'CRy' || kind === 'CRt' ? MAX_REPLY_BYTES_QUERY : MAX_REPLY_BYTES_REPLICATED;
    }

    /** Cycles the canister can spend without dropping below its freezing limit. */
    get liquidBalance(): bigint {
        const inv = this.inv;
        const liquid = inv.balance - this.host.freezingLimit(inv.canister);
        return liquid > 0n ? liquid : 0n;
    }
}

/** `high << 64 | low`, both read as unsigned 64-bit (spec §1.3: 128-bit inputs). */
export function u128(high: bigint, low: bigint): bigint {
    return (BigInt.asUintN(64, high) << 64n) | BigInt.asUintN(64, low);
}

/** Bytes of `parts`, joined. */
export function concat(parts: Uint8Array[], size: number): Uint8Array {
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}
