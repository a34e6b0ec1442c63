/**
 * Parsed Candid types as @dfinity/candid IDL objects, so that both the library and the upgrader's
 * codec can encode and decode at them. Named definitions become IDL.Rec (recursion allowed).
 */
import { IDL } from '@dfinity/candid';

import { type CandidType, type Field, labelId, type TypeDefinition } from './ast';
import { CandidSyntaxError } from './lexer';

const PRIMITIVES: Record<string, IDL.Type> = {
    null: IDL.Null,
    bool: IDL.Bool,
    nat: IDL.Nat,
    int: IDL.Int,
    nat8: IDL.Nat8,
    nat16: IDL.Nat16,
    nat32: IDL.Nat32,
    nat64: IDL.Nat64,
    int8: IDL.Int8,
    int16: IDL.Int16,
    int32: IDL.Int32,
    int64: IDL.Int64,
    float32: IDL.Float32,
    float64: IDL.Float64,
    text: IDL.Text,
    reserved: IDL.Reserved,
    empty: IDL.Empty,
    principal: IDL.Principal
};

/** Converts types that may refer to `definitions` by name. */
export class IdlConverter {
    readonly #definitions = new Map<string, CandidType>();
    readonly #named = new Map<string, IDL.Type>();

    constructor(definitions: TypeDefinition[]) {
        for (const d of definitions) {
            if (this.#definitions.has(d.name)) throw new CandidSyntaxError(`type ${d.name} is defined twice`, 0);
            this.#definitions.set(d.name, d.type);
        }
    }

    /** The IDL type of a named definition (an IDL.Rec, filled on first use; aliases resolve to their target). */
    named(name: string, aliases = new Set<string>()): IDL.Type {
        const known = this.#named.get(name);
        if (known !== undefined) return known;
        const body = this.#definitions.get(name);
        if (body === undefined) throw new CandidSyntaxError(`type ${name} is not defined`, 0);
        if (body.kind === 'primitive') return this.convert(body);
        if (body.kind === 'ref') {
            if (aliases.has(name)) throw new CandidSyntaxError(`type ${name} is defined only in terms of itself`, 0);
            aliases.add(name);
            const target = this.named(body.name, aliases);
            this.#named.set(name, target);
            return target;
        }
        const rec = IDL.Rec();
        this.#named.set(name, rec);
        const inner = this.convert(body);
        rec.fill((inner instanceof IDL.RecClass ? (inner.getType() ?? inner) : inner) as IDL.ConstructType);
        return rec;
    }

    convert(type: CandidType): IDL.Type {
        switch (type.kind) {
            case 'primitive':
                return PRIMITIVES[type.name] as IDL.Type;
            case 'ref':
                return this.named(type.name);
            case 'opt':
                return IDL.Opt(this.convert(type.inner));
            case 'vec':
                return IDL.Vec(this.convert(type.inner));
            case 'record':
                return this.#record(type.fields);
            case 'variant':
                return IDL.Variant(this.#fields(type.fields));
            case 'func':
                return IDL.Func(type.args.map((t) => this.convert(t)) as never, type.rets.map((t) => this.convert(t)) as never, type.annotations);
            case 'service': {
                const methods: Record<string, IDL.FuncClass> = {};
                for (const m of type.methods) {
                    const fn = m.type.kind === 'func' ? this.convert(m.type) : this.named(m.type.name);
                    const resolved = fn instanceof IDL.RecClass ? fn.getType() : fn;
                    if (!(resolved instanceof IDL.FuncClass)) throw new CandidSyntaxError(`service method ${m.name} is not a function`, 0);
                    methods[m.name] = resolved;
                }
                return IDL.Service(methods);
            }
        }
    }

    /** A record whose fields are the positions 0..n-1 is a tuple (its values are arrays). */
    #record(fields: Field[]): IDL.Type {
        if (fields.length > 0 && fields.every((f, i) => f.label.kind === 'position' && f.label.index === i)) return IDL.Tuple(...fields.map((f) => this.convert(f.type)));
        return IDL.Record(this.#fields(fields));
    }

    #fields(fields: Field[]): Record<string, IDL.Type> {
        const out: Record<string, IDL.Type> = {};
        const ids = new Set<number>();
        for (const f of fields) {
            const id = labelId(f.label);
            if (ids.has(id)) throw new CandidSyntaxError(`field id ${id} appears twice`, 0);
            ids.add(id);
            out[f.label.kind === 'name' ? f.label.name : `_${id}_`] = this.convert(f.type);
        }
        return out;
    }
}
