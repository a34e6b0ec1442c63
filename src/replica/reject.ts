/**
 * Reject codes and error codes, and the texts the IC replica uses for them.
 * The first digit of an error code is its reject code (IC0503 → 5).
 */

export enum RejectCode {
    SysFatal = 1,
    SysTransient = 2,
    DestinationInvalid = 3,
    CanisterReject = 4,
    CanisterError = 5,
    SysUnknown = 6
}

/** A reject as it travels back to a caller: code, text and the replica's error code. */
export interface Reject {
    code: RejectCode;
    message: string;
    /** `IC` + four digits, e.g. `IC0503`; absent for explicit canister rejects seen by canisters. */
    errorCode: string;
}

/** The result of any call: a reply payload or a reject. */
export type CallResult = { kind: 'reply'; payload: Uint8Array } | { kind: 'reject'; reject: Reject };

export function reject(errorCode: string, message: string): Reject {
    const code = Number(errorCode.charAt(3)) as RejectCode;
    return { code, message, errorCode };
}

const DOCS = 'See documentation: http://internetcomputer.org/docs/current/references/execution-errors';

/** `Error from Canister <id>: <detail>.` plus the replica's suggestion line. */
export function canisterError(canisterId: string, detail: string, anchor: string, suggestion: string): string {
    return `Error from Canister ${canisterId}: ${detail}.\n${suggestion} ${DOCS}#${anchor}`;
}

export const Rejects = {
    canisterNotFound: (id: string): Reject => reject('IC0301', `Canister ${id} not found`),
    canisterEmpty: (id: string): Reject =>
        reject(
            'IC0537',
            canisterError(
                id,
                'Attempted to execute a message, but the canister contains no Wasm module',
                'wasm-module-not-found',
                "Check that you're calling the right canister, and that it has been installed."
            )
        ),
    methodNotFound: (id: string, kind: 'update' | 'query', method: string): Reject =>
        reject(
            'IC0536',
            canisterError(
                id,
                `Canister has no ${kind} method '${method}'`,
                'method-not-found',
                'Check that the method being called is exported by the target canister.'
            )
        ),
    canisterStopped: (id: string): Reject => reject('IC0508', `Canister ${id} is stopped`),
    canisterStopping: (id: string): Reject => reject('IC0509', `Canister ${id} is stopping`),
    /** The IC's text for a call context that ended without an answer (execution_environment). */
    didNotReply: (id: string): Reject => reject('IC0506', `Canister ${id} did not reply to the call`),
    notController: (id: string, controllers: string[], sender: string): Reject =>
        reject(
            'IC0512',
            `Only the controllers of the canister ${id} can control it.\nCanister's controllers: ${controllers.join(' ')}\nSender's ID: ${sender}`
        ),
    stopTimedOut: (id: string): Reject =>
        reject('IC0206', `Stop canister request timed out: canister ${id} still has open call contexts; it stays stopping`),
    stopCancelled: (id: string): Reject =>
        reject('IC0511', `Canister ${id} was started again before it stopped; the stop request is cancelled`),
    uninstalled: (): Reject => reject('IC0406', 'Canister has been uninstalled.'),
    deadlineExpired: (): Reject => reject('IC0601', 'Call deadline has expired.'),
    compositeInReplicatedMode: (id: string): Reject =>
        reject(
            'IC0527',
            canisterError(id, 'Composite query cannot be called in replicated mode', 'composite-query-in-replicated-mode', 'Call it as a query, not as an update.')
        ),
    outOfCycles: (id: string, needed: bigint, balance: bigint): Reject =>
        reject('IC0207', `Canister ${id} is out of cycles: please top up the canister with at least ${needed - balance} additional cycles`)
};
