/**
 * The shape of one entry of the ic0 table: everything about one System API function in
 * one place — its wasm32 signature, the contexts that may call it (spec §1.4, in the
 * spec's own notation), the instructions the IC charges for calling it, and what it does.
 * `ic0()` checks, at compile time, that the implementation takes and returns exactly
 * the JavaScript values its declared signature carries (i32 → number, i64 → bigint).
 */
import type { SystemApiValueType } from '../../wasm/index.js';
import type { ContextKind } from '../contexts.js';
import type { Ic0Scope } from './scope.js';

type JsValue<T extends SystemApiValueType> = T extends 'i32' ? number : bigint;

/** The JavaScript arguments Wasm passes for these parameter types. */
type JsParams<P extends readonly SystemApiValueType[]> = { -readonly [K in keyof P]: JsValue<P[K]> };

/** What the implementation returns for these result types (Wasm functions return at most one value here). */
type JsResult<R extends readonly SystemApiValueType[]> = R extends readonly [] ? void : R extends readonly [infer T extends SystemApiValueType] ? JsValue<T> : never;

/** A context code of spec §1.2, or `*` (every context except `s`). */
type ContextCode = ContextKind | '*';

/** A space-separated list of context codes, as the spec writes them: `'I U RQ NRQ CQ Ry CRy F'`, `'* s'`. */
type ContextList<S extends string> = S extends `${infer Head} ${infer Tail}`
    ? Head extends ContextCode
        ? `${Head} ${ContextList<Tail>}`
        : never
    : S extends ContextCode
      ? S
      : never;

/** One ic0 function, as written in the table. */
export interface Ic0Definition<P extends readonly SystemApiValueType[], R extends readonly SystemApiValueType[], C extends string> {
    readonly params: P;
    readonly results: R;
    /** Where the function may be called (spec §1.4); elsewhere it traps with IC0504. */
    readonly contexts: ContextList<C>;
    /** Instructions charged on every call, before any per-byte cost (system_api_complexity.rs). */
    readonly overhead: bigint;
    /**
     * What the function does. `s` is the calling instance's scope (current invocation,
     * memory, stable memory, host); i32 arguments arrive already reinterpreted as unsigned.
     */
    readonly impl: (s: Ic0Scope, ...args: JsParams<P>) => JsResult<R>;
}

/** An entry with its types erased, as the table stores it. */
export interface Ic0Entry {
    readonly params: readonly SystemApiValueType[];
    readonly results: readonly SystemApiValueType[];
    readonly contexts: string;
    readonly overhead: bigint;
    readonly impl: (s: Ic0Scope, ...args: never[]) => unknown;
}

/** A group of entries, by function name. */
export type Ic0Table = Readonly<Record<string, Ic0Entry>>;

/** Declares one table entry; TypeScript checks `impl` against `params` and `results`. */
export function ic0<const P extends readonly SystemApiValueType[], const R extends readonly SystemApiValueType[], const C extends string>(
    definition: Ic0Definition<P, R, C>
): Ic0Entry {
    return definition as unknown as Ic0Entry;
}

/** Shorthands for signatures: every pointer and size is an i32 (wasm32). */
export const I32 = 'i32';
export const I64 = 'i64';

/**
 * The two functions that expose one blob to the canister: `<name>_size` (its length) and
 * `<name>_copy(dst, offset, size)` (bytes `offset..offset+size` of it into memory at `dst`,
 * trapping when either range is out of bounds). Both have the same contexts and overhead.
 */
export function blob<const C extends string>(name: string, contexts: ContextList<C>, overhead: bigint, bytesOf: (s: Ic0Scope) => Uint8Array): Ic0Table {
    const what = `ic0.${name}_copy`;
    return {
        [`${name}_size`]: ic0({ params: [], results: [I32], contexts, overhead, impl: (s) => bytesOf(s).length }),
        [`${name}_copy`]: ic0({
            params: [I32, I32, I32],
            results: [],
            contexts,
            overhead,
            impl: (s, dst, offset, size) => s.copyOut(bytesOf(s), dst, offset, size, what)
        })
    };
}
