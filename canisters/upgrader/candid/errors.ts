/**
 * The codec's errors. A message that cannot be decoded at the expected types throws
 * CandidDecodeError, whatever the reason; `reason` says which kind of rejection it is.
 */

/** Why a message was rejected. */
export type DecodeFailure =
    /** The bytes are not a well-formed Candid message (bad magic, table, value or trailing bytes). */
    | 'malformed'
    /** Well-formed, but a value does not coerce to the expected type (recoverable under `opt`). */
    | 'mismatch'
    /** Decoding would cost more than the budget allows (see bytes.ts `decodeBudget`). */
    | 'too-costly';

/** A Candid message the codec refuses. The only error decodeMessage and fromBytes throw for bad input. */
export class CandidDecodeError extends Error {
    readonly reason: DecodeFailure;

    constructor(reason: DecodeFailure, detail: string, options?: { cause?: unknown }) {
        super(`Candid message rejected (${reason}): ${detail}. Send a message encoded at the method's Candid types.`, options);
        this.name = 'CandidDecodeError';
        this.reason = reason;
    }
}

/** An IDL type or value the codec cannot encode (a programming error, not bad input). */
export class Unsupported extends Error {
    constructor(what: string) {
        super(`candid-codec: ${what} is not supported`);
        this.name = 'Unsupported';
    }
}

export function malformed(detail: string): never {
    throw new CandidDecodeError('malformed', detail);
}

export function mismatch(detail: string): never {
    throw new CandidDecodeError('mismatch', detail);
}
