/**
 * A `.did` with named types, written from @dfinity/candid IDL objects: each named object becomes
 * `type <Name> = ...;` and, wherever it occurs in another type or a method, its name stands for
 * it. So an interface declared once as IDL values (e.g. canisters/upgrader/types.ts) is published
 * as a `.did` that reads like that declaration, instead of every type written out in place.
 */
import { IDL } from '@dfinity/candid';

import { type CandidType, type Field, type FuncAnnotation, type FuncType, PRIMITIVE_TYPES, type PrimitiveName, type TypeDefinition } from './ast';
import { printDid } from './print';

export type NamedDidInput = {
    /** The named types, in the order they are printed: each (name, IDL object). */
    types: ReadonlyArray<readonly [string, IDL.Type]>;
    /** Objects that never stand for a name, even when a name is given to them (shared primitives such as `IDL.Nat64`). */
    anonymous: ReadonlySet<IDL.Type>;
    service: IDL.ServiceClass;
    /** The service's initialisation arguments. */
    init: readonly IDL.Type[];
    /** The fields of a record or variant in the order to print them, when known (default: by id). */
    fieldOrder?: (type: IDL.Type) => readonly string[] | undefined;
    header: readonly string[];
    width: number;
};

const FUNC_ANNOTATIONS: readonly string[] = ['query', 'oneway', 'composite_query'] satisfies FuncAnnotation[];

/** `_<n>_` is how @dfinity/candid keys a field known only by its id. */
const ID_KEY = /^_(\d+)_$/;

class AstFromIdl {
    readonly #names = new Map<IDL.Type, string>();
    readonly #open = new Set<IDL.Type>();

    constructor(
        names: ReadonlyArray<readonly [string, IDL.Type]>,
        anonymous: ReadonlySet<IDL.Type>,
        private readonly fieldOrder: (type: IDL.Type) => readonly string[] | undefined
    ) {
        for (const [name, type] of names) if (!anonymous.has(type) && !this.#names.has(type)) this.#names.set(type, name);
    }

    /** The name that stands for `type`, if any. */
    nameOf(type: IDL.Type): string | undefined {
        return this.#names.get(type);
    }

    /** A use of `type`: its name when it has one, else its structure. */
    use(type: IDL.Type): CandidType {
        const name = this.#names.get(type);
        return name === undefined ? this.structure(type) : { kind: 'ref', name };
    }

    /** The structure of `type`, its parts named where they have names. */
    structure(type: IDL.Type): CandidType {
        if (type instanceof IDL.RecClass) {
            const inner = type.getType();
            if (inner === undefined) throw new TypeError('an IDL.Rec that was never filled');
            if (this.#open.has(type)) throw new TypeError(`a recursive type has no name: give it one (export it) so the .did can refer to it (${type.display()})`);
            this.#open.add(type);
            try {
                return this.use(inner);
            } finally {
                this.#open.delete(type);
            }
        }
        if (type instanceof IDL.OptClass) return { kind: 'opt', inner: this.use(type._type) };
        if (type instanceof IDL.VecClass) return { kind: 'vec', inner: this.use(type._type) };
        if (type instanceof IDL.RecordClass) {
            const tuple = type.tryAsTuple();
            if (tuple !== null && tuple.length > 0) return { kind: 'record', fields: tuple.map((t, index) => ({ label: { kind: 'position', index }, type: this.use(t) })) };
            return { kind: 'record', fields: this.#fields(type, type._fields) };
        }
        if (type instanceof IDL.VariantClass) return { kind: 'variant', fields: this.#fields(type, type._fields) };
        if (type instanceof IDL.FuncClass) return this.func(type);
        if (type instanceof IDL.ServiceClass) return { kind: 'service', methods: type._fields.map(([name, f]) => ({ name, type: this.func(f) })) };
        const name = type.display();
        if (!(PRIMITIVE_TYPES as readonly string[]).includes(name)) throw new TypeError(`no Candid type for the IDL object ${name}`);
        return { kind: 'primitive', name: name as PrimitiveName };
    }

    func(func: IDL.FuncClass): FuncType {
        const annotations = func.annotations.filter((a): a is FuncAnnotation => FUNC_ANNOTATIONS.includes(a));
        return { kind: 'func', args: func.argTypes.map((t) => this.use(t)), rets: func.retTypes.map((t) => this.use(t)), annotations };
    }

    #fields(owner: IDL.Type, fields: ReadonlyArray<[string, IDL.Type]>): Field[] {
        const declared = this.fieldOrder(owner) ?? [];
        const rank = (key: string): number => {
            const at = declared.indexOf(key);
            return at < 0 ? declared.length : at;
        };
        // A stable sort: fields the declaration does not list keep their id order, after the others.
        return [...fields]
            .sort(([a], [b]) => rank(a) - rank(b))
            .map(([key, t]) => {
                const id = ID_KEY.exec(key)?.[1];
                return { label: id === undefined ? { kind: 'name', name: key } : { kind: 'id', id: Number(id) }, type: this.use(t) };
            });
    }
}

/** The `.did` text: the named types (an object named twice is defined once, its other names as aliases), then the service. */
export function namedDid(input: NamedDidInput): string {
    const ast = new AstFromIdl(input.types, input.anonymous, input.fieldOrder ?? ((): undefined => undefined));
    const definitions: TypeDefinition[] = [];
    const names = new Set<string>();
    for (const [name, type] of input.types) {
        if (names.has(name)) throw new TypeError(`type ${name} is named twice`);
        names.add(name);
        const first = ast.nameOf(type);
        definitions.push({ name, type: first !== undefined && first !== name ? { kind: 'ref', name: first } : ast.structure(type) });
    }
    return printDid({
        header: input.header,
        definitions,
        init: input.init.map((t) => ast.use(t)),
        methods: input.service._fields.map(([name, f]) => ({ name, type: ast.func(f) })),
        width: input.width
    });
}
