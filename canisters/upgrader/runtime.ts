/**
 * Performance shims for this canister's QuickJS runtime, where every JavaScript operation costs
 * hundreds of Wasm instructions (a loop iteration ~1,000; see the Azle notes). Two hot spots of
 * @dfinity/candid are fixed here. Messages and records go through candid-codec.ts (which never
 * hands anything to the library); the library still runs for the subject of a policy-change vote,
 * the install argument, and in Azle's own code (and TextEncoder serves the codec's text too):
 *
 * 1. A faster TextEncoder / TextDecoder, installed over Azle's.
 *
 * Azle 0.33 provides both as a pure-JavaScript polyfill that costs about 14,000 instructions per
 * character. @dfinity/candid calls TextEncoder for every record and variant label each time it
 * encodes a value (to hash the label), so a reply of the upgrader's error type cost ~40 million
 * instructions, almost all of it here. This codec is exact UTF-8 (invalid input throws, like the
 * `fatal` polyfill), with an ASCII fast path, and remembers the encoding of short strings (the
 * labels are a small, fixed set).
 *
 * 2. `memoizeTypeNames`: candid computes a type's `name` (its full Candid text, built from its
 *    children's names) on every visit while it builds a type table, which is quadratic in the
 *    depth of nested types; the upgrader's error and status variants are deep. Types are
 *    immutable, so each name is computed once and stored on the type.
 *
 * Even with both, @dfinity/candid spends ~27 million instructions to encode a `Result<nat64>`
 * (candid-codec.ts: under a million once compiled). Imported first by index.ts; it imports azle itself so that Azle's globals are set
 * before this module replaces them.
 */
import { IDL } from '@dfinity/candid';
import 'azle';

import { FastTextDecoder, FastTextEncoder } from './text-codec';

globalThis.TextEncoder = FastTextEncoder as unknown as typeof TextEncoder;
globalThis.TextDecoder = FastTextDecoder as unknown as typeof TextDecoder;

/** Stores the Candid `name` of `types` and of every type inside them on the type objects. */
export function memoizeTypeNames(...types: unknown[]): void {
    const seen = new Set<IDL.Type>();
    const visit = (type: IDL.Type): void => {
        if (seen.has(type)) return;
        seen.add(type);
        if (type instanceof IDL.RecClass) return; // recursive types keep their own naming
        if (type instanceof IDL.RecordClass || type instanceof IDL.VariantClass) for (const [, field] of type._fields) visit(field);
        else if (type instanceof IDL.VecClass || type instanceof IDL.OptClass) visit(type._type);
        else if (type instanceof IDL.FuncClass) [...type.argTypes, ...type.retTypes].forEach(visit);
        if (type instanceof IDL.ConstructType) Object.defineProperty(type, 'name', { value: type.name, configurable: true, enumerable: false });
    };
    for (const type of types) if (type instanceof IDL.Type) visit(type);
}
