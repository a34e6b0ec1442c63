/**
 * Errors thrown by UpgraderClient: one class per `UpgraderError` variant, each with the
 * variant's payload, a message that says what to do, and `name` set. All extend
 * UpgraderClientError, so `catch (e) { if (e instanceof UpgraderClientError) ... }` catches them.
 */
import type { Principal } from '@dfinity/principal';

import type { ProposalStatus, UpgraderError } from './upgrader-idl.js';
import { toHex } from '../encoding/hex.js';

function statusName(status: ProposalStatus): string {
    return Object.keys(status)[0] ?? 'unknown';
}

/** Base class: `error` is the Candid variant the upgrader returned. */
export class UpgraderClientError extends Error {
    override name = 'UpgraderClientError';

    constructor(
        readonly error: UpgraderError,
        message: string
    ) {
        super(message);
    }
}

export class UnauthorizedError extends UpgraderClientError {
    override name = 'UnauthorizedError';
}
export class InvalidArgumentError extends UpgraderClientError {
    override name = 'InvalidArgumentError';
}
export class AppNotRegisteredError extends UpgraderClientError {
    override name = 'AppNotRegisteredError';
}
export class AppAlreadyRegisteredError extends UpgraderClientError {
    override name = 'AppAlreadyRegisteredError';
}
export class NotControllerError extends UpgraderClientError {
    override name = 'NotControllerError';
}
export class QuotaExceededError extends UpgraderClientError {
    override name = 'QuotaExceededError';
}
export class ModuleNotFoundError extends UpgraderClientError {
    override name = 'ModuleNotFoundError';
}
export class ModuleIncompleteError extends UpgraderClientError {
    override name = 'ModuleIncompleteError';
}
export class ModuleRejectedError extends UpgraderClientError {
    override name = 'ModuleRejectedError';
}
export class ModuleInUseError extends UpgraderClientError {
    override name = 'ModuleInUseError';
}
export class ProposalNotFoundError extends UpgraderClientError {
    override name = 'ProposalNotFoundError';
}
export class ProposalNotOpenError extends UpgraderClientError {
    override name = 'ProposalNotOpenError';
}
export class ProposalInProgressError extends UpgraderClientError {
    override name = 'ProposalInProgressError';
}
export class NotAVoterError extends UpgraderClientError {
    override name = 'NotAVoterError';
}
export class AlreadyVotedError extends UpgraderClientError {
    override name = 'AlreadyVotedError';
}
export class SubjectMismatchError extends UpgraderClientError {
    override name = 'SubjectMismatchError';
}
export class PausedError extends UpgraderClientError {
    override name = 'PausedError';
}
export class SnapshotNotFoundError extends UpgraderClientError {
    override name = 'SnapshotNotFoundError';
}
export class ManagementCallFailedError extends UpgraderClientError {
    override name = 'ManagementCallFailedError';
}
export class InsufficientPaymentError extends UpgraderClientError {
    override name = 'InsufficientPaymentError';
}
export class HandedOverError extends UpgraderClientError {
    override name = 'HandedOverError';
}

/**
 * A downloaded module whose bytes do not hash to the name it is stored under (thrown by
 * UpgraderClient.downloadModule, not an `{ Err }` of the upgrader): the upgrader never hashes
 * modules, and the IC would refuse to install these bytes. `bytes` holds what was downloaded.
 */
export class ModuleHashMismatchError extends Error {
    override name = 'ModuleHashMismatchError';

    constructor(
        readonly expected: Uint8Array,
        readonly actual: Uint8Array,
        readonly bytes: Uint8Array
    ) {
        super(
            `The module stored as ${toHex(expected)} hashes to ${toHex(actual)} (${bytes.length} bytes): its uploader sent other bytes than it named, so the IC will refuse to install it. Do not approve it; ask the uploader to upload the module again under its real SHA-256.`
        );
    }
}

const text = (p: Principal): string => p.toText();

/** The typed error for an `{ Err }` the upgrader returned. */
export function toClientError(error: UpgraderError): UpgraderClientError {
    if ('Unauthorized' in error) return new UnauthorizedError(error, `Not allowed: ${error.Unauthorized}. Call as the principal the message names.`);
    if ('InvalidArgument' in error) return new InvalidArgumentError(error, `Invalid argument: ${error.InvalidArgument}. Fix the argument and call again.`);
    if ('AppNotRegistered' in error) return new AppNotRegisteredError(error, `App ${text(error.AppNotRegistered)} is not registered with the upgrader; register it first.`);
    if ('AppAlreadyRegistered' in error) return new AppAlreadyRegisteredError(error, `App ${text(error.AppAlreadyRegistered)} is already registered; change its policy through a proposal or its recovery principal.`);
    if ('NotController' in error) return new NotControllerError(error, `Controller check failed: ${error.NotController}. Add the upgrader and the recovery principal to the app's controllers.`);
    if ('QuotaExceeded' in error) return new QuotaExceededError(error, `Quota exceeded: ${error.QuotaExceeded}.`);
    if ('ModuleNotFound' in error) return new ModuleNotFoundError(error, `Module ${toHex(error.ModuleNotFound)} is not in the store; upload it (create_module, then every chunk) first.`);
    if ('ModuleIncomplete' in error) {
        const { hash, received, expected } = error.ModuleIncomplete;
        return new ModuleIncompleteError(error, `Module ${toHex(hash)} has ${received} of ${expected} chunks; upload the missing chunks first.`);
    }
    if ('ModuleRejected' in error) return new ModuleRejectedError(error, `The IC refused module ${toHex(error.ModuleRejected)}: its bytes do not hash to its name. Upload it again under its real SHA-256.`);
    if ('ModuleInUse' in error) return new ModuleInUseError(error, `The module is used by live proposal ${error.ModuleInUse}; wait for it to end or cancel it.`);
    if ('ProposalNotFound' in error) return new ProposalNotFoundError(error, `Proposal ${error.ProposalNotFound} does not exist (or was dropped from the store).`);
    if ('ProposalNotOpen' in error) return new ProposalNotOpenError(error, `Proposal ${error.ProposalNotOpen.id} is ${statusName(error.ProposalNotOpen.status)}, not open for votes.`);
    if ('ProposalInProgress' in error) return new ProposalInProgressError(error, `Proposal ${error.ProposalInProgress} is still live for this app; one proposal or upgrade runs at a time.`);
    if ('NotAVoter' in error) return new NotAVoterError(error, `${text(error.NotAVoter)} is not a voter of this app's policy.`);
    if ('AlreadyVoted' in error) return new AlreadyVotedError(error, `${text(error.AlreadyVoted)} already voted on this proposal; votes cannot be changed.`);
    if ('SubjectMismatch' in error) {
        const { expected, given } = error.SubjectMismatch;
        return new SubjectMismatchError(error, `The vote names ${toHex(given)} but the proposal is about ${toHex(expected)}; check what you are approving.`);
    }
    if ('Paused' in error) return new PausedError(error, `Upgrades of ${text(error.Paused)} are paused by its recovery principal.`);
    if ('SnapshotNotFound' in error) return new SnapshotNotFoundError(error, `Snapshot not found: ${error.SnapshotNotFound}.`);
    if ('ManagementCallFailed' in error) {
        const { method, reject_code: code, message } = error.ManagementCallFailed;
        return new ManagementCallFailedError(error, `The management canister rejected ${method} (reject code ${code}): ${message}`);
    }
    if ('InsufficientPayment' in error) {
        const { required, available } = error.InsufficientPayment;
        return new InsufficientPaymentError(error, `This call costs ${required} cycles and carried ${available}; none were taken. Call from a canister (a cycles wallet, or the app itself) attaching the price limits() reports.`);
    }
    if ('HandedOver' in error) {
        const { app, successor } = error.HandedOver;
        return new HandedOverError(error, `App ${text(app)} was handed over to the upgrader ${text(successor)}; call that upgrader for it now.`);
    }
    const unknown: never = error;
    return new UpgraderClientError(unknown, `Unknown upgrader error ${JSON.stringify(unknown)}`);
}
