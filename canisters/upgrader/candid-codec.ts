/**
 * Candid compiled from IDL types: the upgrader's codec for every message it reads or writes and
 * for its stable records. Pure (no Azle import), so it is tested in Node against @dfinity/candid
 * and the official Candid test suite. The parts, in `candid/`:
 *
 * - writer.ts, reader.ts: bytes out and in; reader.ts documents the decoding budget (at most
 *   DECODE_QUOTA + BUDGET_PER_BYTE * length steps per message) and the nesting limit;
 * - header.ts: type tables, written once per list of types, read and validated once per header;
 * - encoder.ts: value encoders compiled once per IDL type;
 * - skips.ts, planner.ts: decoding plans per (wire type, expected type), with the spec's
 *   coercion rules (subtyping, the special `opt` rules, `reserved`, recursive types, references);
 * - subtype.ts: the subtype relation, for func and service references;
 * - message.ts: whole messages, the per-header plan cache, stable record values.
 *
 * Why: in QuickJS, @dfinity/candid rebuilds a message's type table on every encode (27 million
 * instructions for `Result<nat64>`), parses and type-checks the table on every decode, and
 * copies a 1 MiB blob argument twice; it also does unbounded work on hostile messages. Here a
 * header is written once, values go through closures compiled once, blobs are views, and every
 * decode is strict and bounded. There is no fallback to the library: what the codec rejects is
 * rejected, with CandidDecodeError.
 */
export { CandidDecodeError, type DecodeFailure,  } from './candid/errors';
export { decodeMessage, encodeMessage, precompile, type ValueCodec, valueCodec } from './candid/message';
export {   MAX_DEPTH } from './candid/reader';
