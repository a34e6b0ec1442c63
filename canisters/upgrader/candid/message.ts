/**
 * Whole messages: the values of a list of types after a header. An incoming header is parsed and
 * planned once, and its plan kept under the header's bytes (up to MAX_HEADERS_PER_SIGNATURE per
 * list of types, headers up to MAX_CACHED_HEADER_BYTES), so a header seen before costs one
 * string comparison.
 */
import type { IDL } from '@dfinity/candid';

import { CandidDecodeError, mismatch } from './errors';
import { type Encoder, encoderOf } from './encoder';
import { readHeader, type WireHeader, writeHeader } from './header';
import { absentValue, acceptsNull } from './idl';
import { Planner } from './planner';
import { Reader } from './reader';
import type { Plan } from './skips';
import { Writer } from './writer';

/** Decoding plans kept per list of types (each header seen, up to this many). */
const MAX_HEADERS_PER_SIGNATURE = 16;
/** Longer headers are planned for their message and not kept (an attacker cannot grow the heap). */
const MAX_CACHED_HEADER_BYTES = 2048;

type MessagePlan = (r: Reader) => unknown[];

/** A header seen for a signature: its bytes (as a latin1 string) and its plan. */
type KnownHeader = { key: string; length: number; plan: MessagePlan };

/** Everything known about one list of types. */
type Signature = { types: IDL.Type[]; header?: Uint8Array; encoders?: Encoder[]; seen: KnownHeader[] };

/** Signatures by their types, one WeakMap level per position (the list itself may be a fresh array). */
type SignatureNode = { signature?: Signature; next: WeakMap<IDL.Type, SignatureNode> };
const signatures: SignatureNode = { next: new WeakMap() };

function signatureOf(types: IDL.Type[]): Signature {
    let node = signatures;
    for (const type of types) {
        let next = node.next.get(type);
        if (next === undefined) {
            next = { next: new WeakMap() };
            node.next.set(type, next);
        }
        node = next;
    }
    node.signature ??= { types: [...types], seen: [] };
    return node.signature;
}

function compiled(signature: Signature): { header: Uint8Array; encoders: Encoder[] } {
    signature.header ??= writeHeader(signature.types);
    signature.encoders ??= signature.types.map(encoderOf);
    return { header: signature.header, encoders: signature.encoders };
}

/** Compiles the header and encoders of `types` now (a query's heap changes are discarded). */
export function precompile(types: IDL.Type[]): void {
    compiled(signatureOf(types));
}

/** A Candid message carrying `values` of `types`; throws TypeError for a value not of its type. */
export function encodeMessage(types: IDL.Type[], values: unknown[]): Uint8Array {
    if (values.length !== types.length) throw new TypeError(`candid-codec: ${values.length} values for ${types.length} types`);
    const { header, encoders } = compiled(signatureOf(types));
    const w = new Writer();
    w.bytes(header);
    for (let i = 0; i < values.length; i++) (encoders[i] as Encoder)(w, values[i]);
    return w.finish();
}

function latin1(bytes: Uint8Array): string {
    let out = '';
    for (let at = 0; at < bytes.length; at += 8192) out += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
    return out;
}

/** The plan of a message with header `header` read as `types` (the spec's tuple rule for arguments). */
function planMessage(header: WireHeader, types: IDL.Type[]): MessagePlan {
    const planner = new Planner(header.table);
    const reads: Plan[] = header.args.map((wire, i) => {
        const type = types[i];
        return type === undefined ? planner.skip(wire) : planner.plan(wire, type);
    });
    const expected = types.length;
    const absent = types.slice(header.args.length);
    const missing = absent.find((t) => !acceptsNull(t));
    return (r) => {
        if (missing !== undefined) mismatch(`the message has ${header.args.length} values; ${missing.display()} cannot be absent`);
        const out: unknown[] = new Array(expected);
        for (let i = 0; i < reads.length; i++) {
            const value = (reads[i] as Plan)(r);
            if (i < expected) out[i] = value;
        }
        for (let i = reads.length; i < expected; i++) {
            r.spend(1);
            out[i] = absentValue(types[i] as IDL.Type);
        }
        return out;
    };
}

/** The plan for the header `bytes` start with: a known one, or a new one parsed and planned now. */
function knownHeader(signature: Signature, bytes: Uint8Array): KnownHeader {
    for (const seen of signature.seen) {
        if (bytes.length >= seen.length && latin1(bytes.subarray(0, seen.length)) === seen.key) return seen;
    }
    const header = readHeader(new Reader(bytes));
    const known: KnownHeader = { key: '', length: header.end, plan: planMessage(header, signature.types) };
    if (header.end <= MAX_CACHED_HEADER_BYTES) {
        known.key = latin1(bytes.subarray(0, header.end));
        signature.seen.unshift(known);
        if (signature.seen.length > MAX_HEADERS_PER_SIGNATURE) signature.seen.pop();
    }
    return known;
}

/**
 * Decodes a message as `types`: strictly (what the spec rejects is rejected), with bounded cost
 * (reader.ts), extra values skipped and absent optional ones null. Blobs come back as views of
 * `bytes`. Throws CandidDecodeError for any message it does not accept.
 */
export function decodeMessage(types: IDL.Type[], bytes: Uint8Array): unknown[] {
    try {
        const known = knownHeader(signatureOf(types), bytes);
        const r = new Reader(bytes);
        r.pos = known.length;
        const values = known.plan(r);
        if (r.pos !== bytes.length) throw new CandidDecodeError('malformed', `${bytes.length - r.pos} bytes left over after the values`);
        return values;
    } catch (error) {
        throw asDecodeError(error);
    }
}

/** Any failure while decoding, as a CandidDecodeError (programming errors such as Unsupported pass). */
function asDecodeError(error: unknown): unknown {
    if (error instanceof CandidDecodeError || (error instanceof Error && error.name === 'Unsupported')) return error;
    return new CandidDecodeError('malformed', error instanceof Error ? error.message : String(error), { cause: error });
}

/** Encodes and decodes one type's values without a header (the bytes of a stable record). */
export type ValueCodec<T> = { toBytes: (value: T) => Uint8Array; fromBytes: (bytes: Uint8Array) => T };

/**
 * The Candid value encoding of `type`, without the header: what the upgrader stores. Decoding
 * uses the plan of the type read as itself, and refuses trailing bytes.
 */
export function valueCodec<T>(type: IDL.Type): ValueCodec<T> {
    const encode = encoderOf(type);
    let plan: Plan | undefined;
    const planOf = (): Plan => {
        if (plan === undefined) {
            const header = readHeader(new Reader(writeHeader([type])));
            plan = new Planner(header.table).plan(header.args[0] as number, type);
        }
        return plan;
    };
    return {
        toBytes: (value: T): Uint8Array => {
            const w = new Writer();
            encode(w, value);
            return w.finish();
        },
        fromBytes: (bytes: Uint8Array): T => {
            try {
                const r = new Reader(bytes);
                const value = planOf()(r) as T;
                if (r.pos !== bytes.length) throw new CandidDecodeError('malformed', 'bytes left over after the record');
                return value;
            } catch (error) {
                throw asDecodeError(error);
            }
        }
    };
}
