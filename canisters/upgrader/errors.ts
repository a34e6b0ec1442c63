/**
 * Failures, and their mapping to the Candid `UpgraderError` variants, in one place.
 *
 * Inside the canister an expected failure is thrown as a `Failure`; each public method runs in
 * `guard`, which turns it into `{ Err }`. Anything else thrown is a bug and traps (rolling the
 * message back), which is the safe default for an immutable canister.
 */
import type { Principal } from '@dfinity/principal';

import { toHex } from './serde';
import type { ProposalStatus, Result, UpgraderError } from './types';

export class Failure {
    readonly name = 'Failure';

    /**
     * Not an Error: QuickJS builds an Error's stack trace when it is created, and a refusal needs
     * none. Its description is built only when read (a refused call never reads it).
     */
    constructor(readonly error: UpgraderError) {}

    get message(): string {
        return describeError(this.error);
    }

    toString(): string {
        return `Failure: ${this.message}`;
    }
}

/** A rejected inter-canister call (usually to the management canister). */
export class CallFailure extends Error {
    override readonly name = 'CallFailure';

    constructor(
        readonly method: string,
        readonly rejectCode: number,
        readonly rejectMessage: string
    ) {
        super(`${method} was rejected (code ${rejectCode}): ${rejectMessage}`);
    }
}

/** Builders for every failure, so call sites read as sentences. */
export const fail = {
    unauthorized: (message: string): Failure => new Failure({ Unauthorized: message }),
    invalid: (message: string): Failure => new Failure({ InvalidArgument: message }),
    notRegistered: (app: Principal): Failure => new Failure({ AppNotRegistered: app }),
    alreadyRegistered: (app: Principal): Failure => new Failure({ AppAlreadyRegistered: app }),
    notController: (message: string): Failure => new Failure({ NotController: message }),
    quota: (message: string): Failure => new Failure({ QuotaExceeded: message }),
    moduleNotFound: (hash: Uint8Array): Failure => new Failure({ ModuleNotFound: hash }),
    moduleIncomplete: (hash: Uint8Array, received: number, expected: number): Failure => new Failure({ ModuleIncomplete: { hash, received, expected } }),
    moduleRejected: (hash: Uint8Array): Failure => new Failure({ ModuleRejected: hash }),
    moduleInUse: (proposalId: bigint): Failure => new Failure({ ModuleInUse: proposalId }),
    proposalNotFound: (id: bigint): Failure => new Failure({ ProposalNotFound: id }),
    proposalNotOpen: (id: bigint, status: ProposalStatus): Failure => new Failure({ ProposalNotOpen: { id, status } }),
    proposalInProgress: (id: bigint): Failure => new Failure({ ProposalInProgress: id }),
    notAVoter: (who: Principal): Failure => new Failure({ NotAVoter: who }),
    alreadyVoted: (who: Principal): Failure => new Failure({ AlreadyVoted: who }),
    subjectMismatch: (expected: Uint8Array, given: Uint8Array): Failure => new Failure({ SubjectMismatch: { expected, given } }),
    paused: (app: Principal): Failure => new Failure({ Paused: app }),
    snapshotNotFound: (message: string): Failure => new Failure({ SnapshotNotFound: message }),
    insufficientPayment: (required: bigint, available: bigint): Failure => new Failure({ InsufficientPayment: { required, available } }),
    handedOver: (app: Principal, successor: Principal): Failure => new Failure({ HandedOver: { app, successor } }),
    /** A management call failed where the caller should see it (not inside an execution). */
    call: (failure: CallFailure): Failure =>
        new Failure({ ManagementCallFailed: { method: failure.method, reject_code: failure.rejectCode, message: failure.rejectMessage } })
};

/**
 * Runs a public method's body: its value becomes `{ Ok }`, a thrown `Failure` becomes `{ Err }`,
 * anything else is rethrown (and traps).
 */
export async function guard<T>(body: () => T | Promise<T>): Promise<Result<T>> {
    try {
        return { Ok: await body() };
    } catch (error) {
        if (error instanceof Failure) return { Err: error.error };
        throw error;
    }
}

/** The synchronous form of `guard`, for methods that make no calls. */
export function guardSync<T>(body: () => T): Result<T> {
    try {
        return { Ok: body() };
    } catch (error) {
        if (error instanceof Failure) return { Err: error.error };
        throw error;
    }
}

/**
 * Turns whatever Azle's `call` threw into a CallFailure: a reject (with its code and message)
 * or a failure to make the call at all.
 */
export function toCallFailure(method: string, error: unknown): CallFailure {
    if (typeof error === 'object' && error !== null) {
        const code: unknown = Reflect.get(error, 'rejectCode');
        const message: unknown = Reflect.get(error, 'rejectMessage');
        if (typeof code === 'number' && typeof message === 'string') return new CallFailure(method, code, message);
        const type: unknown = Reflect.get(error, 'type');
        if (typeof type === 'string') return new CallFailure(method, 0, `${type}: ${error instanceof Error ? error.message : ''}`.trim());
    }
    return new CallFailure(method, 0, error instanceof Error ? error.message : String(error));
}

/** A one-line description of an error, for messages and the audit log. */
export function describeError(error: UpgraderError): string {
    if ('Unauthorized' in error) return `unauthorized: ${error.Unauthorized}`;
    if ('InvalidArgument' in error) return `invalid argument: ${error.InvalidArgument}`;
    if ('AppNotRegistered' in error) return `app ${error.AppNotRegistered.toText()} is not registered`;
    if ('AppAlreadyRegistered' in error) return `app ${error.AppAlreadyRegistered.toText()} is already registered`;
    if ('NotController' in error) return `not a controller: ${error.NotController}`;
    if ('QuotaExceeded' in error) return `quota exceeded: ${error.QuotaExceeded}`;
    if ('ModuleNotFound' in error) return `module ${toHex(error.ModuleNotFound, MAX_HEX_BYTES)} not found`;
    if ('ModuleIncomplete' in error) return `module ${toHex(error.ModuleIncomplete.hash, MAX_HEX_BYTES)} has ${error.ModuleIncomplete.received} of ${error.ModuleIncomplete.expected} chunks`;
    if ('ModuleRejected' in error) return `module ${toHex(error.ModuleRejected, MAX_HEX_BYTES)} was refused by the IC: its bytes do not hash to its name`;
    if ('ModuleInUse' in error) return `module is used by proposal ${error.ModuleInUse}`;
    if ('ProposalNotFound' in error) return `proposal ${error.ProposalNotFound} not found`;
    if ('ProposalNotOpen' in error) return `proposal ${error.ProposalNotOpen.id} is not open`;
    if ('ProposalInProgress' in error) return `proposal ${error.ProposalInProgress} is still live for this app`;
    if ('NotAVoter' in error) return `${error.NotAVoter.toText()} is not a voter of this app`;
    if ('AlreadyVoted' in error) return `${error.AlreadyVoted.toText()} already voted`;
    if ('SubjectMismatch' in error) return `vote subject ${toHex(error.SubjectMismatch.given, MAX_HEX_BYTES)} is not the proposal's ${toHex(error.SubjectMismatch.expected, MAX_HEX_BYTES)}`;
    if ('Paused' in error) return `upgrades of ${error.Paused.toText()} are paused`;
    if ('SnapshotNotFound' in error) return `snapshot not found: ${error.SnapshotNotFound}`;
    if ('ManagementCallFailed' in error) return `${error.ManagementCallFailed.method} failed (${error.ManagementCallFailed.reject_code}): ${error.ManagementCallFailed.message}`;
    if ('InsufficientPayment' in error) {
        return `this call costs ${error.InsufficientPayment.required} cycles and carried ${error.InsufficientPayment.available}; attach the price from limits() (from a canister: a wallet or the app itself)`;
    }
    if ('HandedOver' in error) return `app ${error.HandedOver.app.toText()} was handed over to the upgrader ${error.HandedOver.successor.toText()}: call that one`;
    return unreachable(error);
}

/** Bytes shown in a message: a SHA-256 in full; anything longer is cut (the Err value keeps them all). */
const MAX_HEX_BYTES = 32;

/** Exhaustiveness check: a new variant that is not handled fails to compile. */
function unreachable(value: never): never {
    throw new Error(`unreachable: ${String(value)}`);
}
