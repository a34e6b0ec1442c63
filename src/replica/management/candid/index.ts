/**
 * The management canister's Candid interface as the replica serves it: the methods of
 * @dfinity/ic-management's ic.did listed in scripts/lib/candid-bindings.ts, generated into
 * `./generated.ts` (IDL values and TS types) and `../management.did` (the same subset as text).
 * This module adds the method table, argument decoding / result encoding for the engine, and an
 * interface factory for actors.
 */
import { IDL } from '@dfinity/candid';
import { methods, type Signatures } from './generated.js';

export * from './names.js';

export type ManagementMethod = keyof Signatures;
/** A method's argument value; `undefined` stands for the empty sequence `()`. */
export type ManagementArgs<M extends ManagementMethod> = M extends ManagementMethod ? (Signatures[M]['args'] extends [infer A] ? A : undefined) : never;
/** A method's result value; `undefined` stands for the empty sequence `()`. */
export type ManagementResult<M extends ManagementMethod> = M extends ManagementMethod ? (Signatures[M]['rets'] extends [infer R] ? R : undefined) : never;

export interface ManagementMethodSpec {
    /** The Candid types of the argument sequence and of the result sequence (`[]` for `()`). */
    readonly args: readonly IDL.Type[];
    readonly rets: readonly IDL.Type[];
    /** `query` methods are declared with the `query` annotation (only `fetch_canister_logs`). */
    readonly mode: 'update' | 'query';
}

export type ManagementMethodTable = { readonly [M in ManagementMethod]: ManagementMethodSpec };

export const managementMethods: ManagementMethodTable = Object.freeze(
    Object.fromEntries(
        Object.entries(methods).map(([name, spec]) => [name, Object.freeze({ args: spec.args, rets: spec.rets, mode: spec.query ? 'query' : 'update' })])
    ) as unknown as Record<ManagementMethod, ManagementMethodSpec>
);

/** Method names, in the order of the table. */
export const managementMethodNames: readonly ManagementMethod[] = Object.freeze(
    Object.keys(managementMethods) as ManagementMethod[]
);

export function isManagementMethod(name: string): name is ManagementMethod {
    return Object.prototype.hasOwnProperty.call(managementMethods, name);
}

/** The payload of a management call is not valid Candid for the method's argument type. */
export class ManagementDecodeError extends Error {
    override readonly name = 'ManagementDecodeError';
    constructor(
        readonly method: ManagementMethod,
        detail: string,
        options?: { cause?: unknown }
    ) {
        super(`Error decoding candid: ${detail}`, options);
    }
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function specOf(method: ManagementMethod): ManagementMethodSpec {
    const spec: ManagementMethodSpec | undefined = isManagementMethod(method) ? managementMethods[method] : undefined;
    if (spec === undefined) {
        throw new TypeError(`Unknown management canister method: ${String(method)}`);
    }
    return spec;
}

/** A sequence of at most one type: its only value, or `undefined` for `()`. */
function decodeSlot(method: ManagementMethod, types: readonly IDL.Type[], bytes: Uint8Array): unknown {
    // `()` is also accepted as an empty payload, which some callers send for argument-less methods.
    if (types.length === 0 && bytes.length === 0) {
        return undefined;
    }
    let values: unknown[];
    try {
        values = IDL.decode([...types], bytes);
    } catch (error) {
        throw new ManagementDecodeError(method, errorText(error), { cause: error });
    }
    return values[0];
}

function encodeSlot(what: string, types: readonly IDL.Type[], value: unknown): Uint8Array {
    try {
        return IDL.encode([...types], types.length === 0 ? [] : [value]);
    } catch (error) {
        throw new TypeError(`Cannot encode ${what}: ${errorText(error)}`, { cause: error });
    }
}

/**
 * Decodes the Candid argument of a management call. Candid subtyping applies as in
 * `@dfinity/candid`: unknown record fields are skipped and missing `opt` fields decode as `[]`.
 * Throws `ManagementDecodeError` ("Error decoding candid: ...") if the payload does not fit.
 */
export function decodeManagementArgs<M extends ManagementMethod>(method: M, bytes: Uint8Array): ManagementArgs<M> {
    return decodeSlot(method, specOf(method).args, bytes) as ManagementArgs<M>;
}

/** Encodes the reply of a management call (`undefined` for methods returning `()`). */
export function encodeManagementResult<M extends ManagementMethod>(method: M, value: ManagementResult<M>): Uint8Array {
    return encodeSlot(`result of ${method}`, specOf(method).rets, value);
}

/** Encodes a management call's argument, as a caller (a canister or a test) would. */
export function encodeManagementArgs<M extends ManagementMethod>(method: M, value: ManagementArgs<M>): Uint8Array {
    return encodeSlot(`arguments of ${method}`, specOf(method).args, value);
}

/** Decodes a management call's reply, as a caller would; throws `ManagementDecodeError` on bad Candid. */
export function decodeManagementResult<M extends ManagementMethod>(method: M, bytes: Uint8Array): ManagementResult<M> {
    return decodeSlot(method, specOf(method).rets, bytes) as ManagementResult<M>;
}

/** Interface factory of the management canister, usable with `Actor.createActor`. */
export const managementIdlFactory: IDL.InterfaceFactory = ({ IDL: idl }) => {
    const funcs: Record<string, IDL.FuncClass> = {};
    for (const method of managementMethodNames) {
        const spec = specOf(method);
        funcs[method] = idl.Func([...spec.args] as [] | [IDL.Type], [...spec.rets] as [] | [IDL.Type], spec.mode === 'query' ? ['query'] : []);
    }
    return idl.Service(funcs);
};

/** The management service built with this module's `IDL`. */
export const managementService: IDL.ServiceClass = managementIdlFactory({ IDL });
