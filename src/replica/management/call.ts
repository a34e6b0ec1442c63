import { Principal } from '@dfinity/principal';
import { Reject, Rejects } from '../reject.js';
import { ResponseTarget } from '../state/call-context.js';
import { Canister, ChangeOrigin } from '../state/canister.js';
import { ManagementArgs, ManagementMethod, ManagementResult } from './candid.js';
import type { ManagementPort } from './port.js';

/** One call to the management canister, as its handlers see it. */
export interface ManagementCall {
    /** The subnet, as far as the management canister may see and change it. */
    readonly subnet: ManagementPort;
    readonly sender: Principal;
    /** The calling canister, or null for ingress from a user. */
    readonly senderCanister: Canister | null;
    /** Cycles attached to the call; what a handler does not use is refunded. */
    readonly cycles: bigint;
    readonly replyTo: ResponseTarget;
}

/** What a handler answers: a result (with the cycles it kept), a reject, or "later" (stop_canister). */
export type HandlerOutcome<T> = { ok: T; cyclesUsed?: bigint } | { err: Reject } | { pending: true };

export type Handler<M extends ManagementMethod> = (call: ManagementCall, args: ManagementArgs<M>) => HandlerOutcome<ManagementResult<M>>;

export const ok = <T>(value: T, cyclesUsed = 0n): HandlerOutcome<T> => ({ ok: value, cyclesUsed });
export const err = <T>(r: Reject): HandlerOutcome<T> => ({ err: r });

/** The target canister, if it exists and the caller controls it. */
export function controlled(call: ManagementCall, id: Principal): Canister | Reject {
    const canister = call.subnet.canister(id);
    if (canister === undefined) return Rejects.canisterNotFound(id.toText());
    if (!canister.isController(call.sender)) {
        return Rejects.notController(canister.idText, canister.settings.controllers.map((c) => c.toText()), call.sender.toText());
    }
    return canister;
}

/** Like `controlled`, but the canister itself may call too (canister_status, chunk store). */
export function controlledOrSelf(call: ManagementCall, id: Principal): Canister | Reject {
    const canister = call.subnet.canister(id);
    if (canister !== undefined && canister.id.toText() === call.sender.toText()) return canister;
    return controlled(call, id);
}

export function isReject(value: Canister | Reject): value is Reject {
    return !(value instanceof Canister);
}

/** Who made the change, as canister_info history records it. */
export function changeOrigin(call: ManagementCall): ChangeOrigin {
    if (call.senderCanister !== null) return { kind: 'canister', canister: call.sender, version: call.senderCanister.version };
    return { kind: 'user', user: call.sender };
}
