import { Reject, RejectCode } from './reject.js';

/** A call to a canister was rejected: carries the IC's reject code, message and error code. */
export class CallRejectedError extends Error {
    override readonly name = 'CallRejectedError';
    readonly rejectCode: RejectCode;
    readonly rejectMessage: string;
    readonly errorCode: string;

    constructor(
        reject: Reject,
        /** Whether the reject came from executed (certified) state rather than a pre-execution check. */
        readonly certified: boolean
    ) {
        super(`Canister call failed: ${reject.message}. Reject code: ${reject.code}. Error code: ${reject.errorCode}. Certified: ${certified}`);
        this.rejectCode = reject.code;
        this.rejectMessage = reject.message;
        this.errorCode = reject.errorCode;
    }
}

/** An update call did not complete within the rounds the replica was allowed to run for it. */
export class CallTimeoutError extends Error {
    override readonly name = 'CallTimeoutError';

    constructor(method: string, rounds: number) {
        super(
            `Update call to '${method}' did not complete after ${rounds} rounds: a canister it depends on may be waiting for a response that never comes. ` +
                'Raise maxRoundsPerCall in Replica.create() if the call legitimately needs more rounds.'
        );
    }
}

/** A time in the past was given to setTime. */
export class SettingTimeIntoPastError extends Error {
    override readonly name = 'SettingTimeIntoPastError';

    constructor(current: bigint, requested: bigint) {
        super(`SettingTimeIntoPast: cannot set the time to ${requested} ns, before the current time ${current} ns`);
    }
}

/** The replica was used after tearDown(). */
export class ReplicaTornDownError extends Error {
    override readonly name = 'ReplicaTornDownError';

    constructor() {
        super('This replica was torn down; create a new one with Replica.create()');
    }
}
