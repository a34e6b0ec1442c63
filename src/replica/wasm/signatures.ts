/**
 * The shape of the `ic0` System API as the validator sees it: each function's wasm32
 * signature (every pointer / size argument is i32, since the embedded replica runs wasm32
 * only). The functions themselves, with these signatures, are declared once in the
 * engine's ic0 table (src/replica/engine/ic0/), which hands its signatures to
 * `prepareModule`; this folder never imports the engine.
 */

export type SystemApiValueType = 'i32' | 'i64';

export interface SystemApiSignature {
    readonly params: readonly SystemApiValueType[];
    readonly results: readonly SystemApiValueType[];
}

/** Every function a canister may import from `ic0`, name → wasm32 signature. */
export type SystemApiSignatures = ReadonlyMap<string, SystemApiSignature>;

/** `(i32, i32) -> (i64)` style text for error messages. */
export function formatSignature(signature: SystemApiSignature): string {
    return `(${signature.params.join(', ')}) -> (${signature.results.join(', ')})`;
}
