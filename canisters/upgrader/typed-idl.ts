/**
 * @dfinity/candid's IDL constructors, typed: each IDL value carries the TS type of the values it
 * encodes and decodes, so a Candid type is declared once (`const X = Candid.Record({...})`) and
 * its TS type derived (`type X = ValueOf<typeof X>`), field comments included. The values are
 * @dfinity/candid's own objects (only their static types differ), so what Azle emits is unchanged.
 *
 * Conventions: `opt T` is `[] | [T]`; `blob` is `Uint8Array`; 8/16/32-bit integers are
 * `number`, `nat`, `int` and 64-bit integers `bigint`; a variant is a union of one-key objects.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

declare const VALUE: unique symbol;
declare const SIGNATURE: unique symbol;

/** An IDL type object of class `C` whose values are `T` (the brand exists only in the type). */
export type Typed<T, C extends IDL.Type = IDL.Type> = C & { readonly [VALUE]: T };

/** The TS type of the values of a typed IDL type. */
export type ValueOf<X> = X extends { readonly [VALUE]: infer T } ? T : never;

type ValuesOf<A extends readonly IDL.Type[]> = { -readonly [I in keyof A]: ValueOf<A[I]> };

/** A typed method: its IDL function, and the signature an actor over it offers. */
export type Method<F> = IDL.FuncClass & { readonly [SIGNATURE]: F };

/** The methods of a service as an actor over it offers them. */
export type ServiceOf<M> = { [K in keyof M]: M[K] extends Method<infer F> ? F : never };

type Fields = Record<string, IDL.Type>;

const typed = <T, C extends IDL.Type>(type: C): Typed<T, C> => type as Typed<T, C>;

/** The field names of each record and variant built here, as declared (@dfinity/candid sorts them by id). */
const declaredFields = new WeakMap<IDL.Type, readonly string[]>();

/** The fields of a record or variant in the order its declaration wrote them, so a printed `.did` reads like its source. */
export const declaredFieldOrder = (type: IDL.Type): readonly string[] | undefined => declaredFields.get(type);

function withFields<C extends IDL.Type>(type: C, fields: Fields): C {
    declaredFields.set(type, Object.keys(fields));
    return type;
}

function func<A extends readonly IDL.Type[], R extends IDL.Type | undefined>(args: A, ret: R, annotations: string[]) {
    const rets = ret === undefined ? [] : [ret];
    return IDL.Func([...args] as unknown as IDL.GenericIdlFuncArgs, rets as unknown as IDL.GenericIdlFuncRets, annotations) as Method<
        (...values: ValuesOf<A>) => Promise<R extends IDL.Type ? ValueOf<R> : undefined>
    >;
}

export const Candid = {
    Null: typed<null, IDL.NullClass>(IDL.Null),
    Bool: typed<boolean, IDL.BoolClass>(IDL.Bool),
    Text: typed<string, IDL.TextClass>(IDL.Text),
    Nat: typed<bigint, IDL.NatClass>(IDL.Nat),
    Nat8: typed<number, IDL.FixedNatClass>(IDL.Nat8),
    Nat32: typed<number, IDL.FixedNatClass>(IDL.Nat32),
    Nat64: typed<bigint, IDL.FixedNatClass>(IDL.Nat64),
    Principal: typed<Principal, IDL.PrincipalClass>(IDL.Principal),
    /** `blob` (`vec nat8`), decoded as a Uint8Array. */
    Blob: typed<Uint8Array, IDL.VecClass<number | bigint>>(IDL.Vec(IDL.Nat8)),

    Opt: <X extends IDL.Type>(inner: X) => typed<[] | [ValueOf<X>], IDL.OptClass<ValueOf<X>>>(IDL.Opt(inner)),
    Vec: <X extends IDL.Type>(inner: X) => typed<Array<ValueOf<X>>, IDL.VecClass<ValueOf<X>>>(IDL.Vec(inner)),
    Record: <F extends Fields>(fields: F) => typed<{ [K in keyof F]: ValueOf<F[K]> }, IDL.RecordClass>(withFields(IDL.Record(fields), fields)),
    Variant: <F extends Fields>(fields: F) => typed<{ [K in keyof F]: { [P in K]: ValueOf<F[K]> } }[keyof F], IDL.VariantClass>(withFields(IDL.Variant(fields), fields)),

    /** An update method `(args) -> (ret)`; `ret` undefined for `()`. */
    Update: <const A extends readonly IDL.Type[], R extends IDL.Type | undefined>(args: A, ret: R) => func(args, ret, []),
    Query: <const A extends readonly IDL.Type[], R extends IDL.Type | undefined>(args: A, ret: R) => func(args, ret, ['query'])
};
