/**
 * Textual Candid values (value.ts) given their types and encoded: the value `(42, opt "x")` at
 * the types `(nat, opt text)` becomes the JS values @dfinity/candid encodes, then the binary
 * message. The rules are those the reference implementation applies to parsed values: a record
 * may carry fields its type lacks (they are dropped, as subtyping allows) and may leave out the
 * `opt`, `null` and `reserved` ones; a value at an `opt` type that is not `null` or `opt` is
 * wrapped; numbers must fit their type exactly.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { type CandidType, type Field, labelId, type TypeDefinition } from './ast';
import { IdlConverter } from './to-idl';
import { type CandidValue, type FieldValue, parseArguments } from './value';
import { TypeEnvironment } from './subtype';

/** A value that does not fit its type: where (offset in the text) and why. */
export class CandidValueError extends Error {
    constructor(message: string, at: number) {
        super(`Candid value at offset ${at}: ${message}`);
        this.name = 'CandidValueError';
    }
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
    nat8: [0n, 0xffn],
    nat16: [0n, 0xffffn],
    nat32: [0n, 0xffffffffn],
    nat64: [0n, 0xffffffffffffffffn],
    int8: [-0x80n, 0x7fn],
    int16: [-0x8000n, 0x7fffn],
    int32: [-0x80000000n, 0x7fffffffn],
    int64: [-0x8000000000000000n, 0x7fffffffffffffffn]
};
const SMALL_INTEGERS = new Set(['nat8', 'nat16', 'nat32', 'int8', 'int16', 'int32']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function describe(v: CandidValue): string {
    return v.kind === 'int' || v.kind === 'float' ? `the number ${v.value}` : `a ${v.kind} value`;
}

/** JS values for the IDL types `IdlConverter` makes, from textual values. */
class ValueTyper {
    readonly #env: TypeEnvironment;

    constructor(definitions: TypeDefinition[]) {
        this.#env = new TypeEnvironment(definitions);
    }

    value(v: CandidValue, declared: CandidType): unknown {
        const type = this.#env.resolve(declared);
        if (v.kind === 'annotated') {
            this.value(v.value, v.type);
            return this.value(v.value, type);
        }
        const mismatch = (): never => {
            throw new CandidValueError(`${describe(v)} is not of type ${type.kind === 'primitive' ? type.name : type.kind}`, v.at);
        };
        switch (type.kind) {
            case 'primitive':
                return this.#primitive(v, type.name, mismatch);
            case 'opt':
                if (v.kind === 'null') return [];
                return [this.value(v.kind === 'opt' ? v.inner : v, type.inner)];
            case 'vec':
                if (v.kind === 'blob') return this.#resolvesTo(type.inner, 'nat8') ? v.bytes : mismatch();
                return v.kind === 'vec' ? v.items.map((item) => this.value(item, type.inner)) : mismatch();
            case 'record':
                return v.kind === 'record' ? this.#record(v.fields, type.fields, v.at) : mismatch();
            case 'variant': {
                if (v.kind !== 'variant') return mismatch();
                const id = labelId(v.field.label);
                const field = type.fields.find((f) => labelId(f.label) === id);
                if (field === undefined) throw new CandidValueError(`the variant has no case ${v.field.label.kind === 'name' ? v.field.label.name : id}`, v.at);
                return { [keyOf(field)]: this.value(v.field.value, field.type) };
            }
            case 'func':
                return v.kind === 'func' ? [principalOf(v.service, v.at), v.method] : mismatch();
            case 'service':
                return v.kind === 'service' ? principalOf(v.text, v.at) : mismatch();
            case 'ref':
                throw new CandidValueError(`type ${type.name} is not defined`, v.at);
        }
    }

    #resolvesTo(type: CandidType, name: string): boolean {
        const t = this.#env.resolve(type);
        return t.kind === 'primitive' && t.name === name;
    }

    #primitive(v: CandidValue, name: string, mismatch: () => never): unknown {
        switch (name) {
            case 'reserved':
                return null;
            case 'empty':
                throw new CandidValueError('no value has type empty', v.at);
            case 'null':
                return v.kind === 'null' ? null : mismatch();
            case 'bool':
                return v.kind === 'bool' ? v.value : mismatch();
            case 'text':
                if (v.kind !== 'text') return mismatch();
                try {
                    return utf8.decode(v.bytes);
                } catch {
                    throw new CandidValueError('the text is not UTF-8', v.at);
                }
            case 'principal':
                return v.kind === 'principal' ? principalOf(v.text, v.at) : mismatch();
            case 'float32':
            case 'float64':
                return v.kind === 'float' ? v.value : v.kind === 'int' ? Number(v.value) : mismatch();
            case 'nat':
                if (v.kind !== 'int') return mismatch();
                if (v.value < 0n) throw new CandidValueError(`${v.value} is negative, and a nat is not`, v.at);
                return v.value;
            case 'int':
                return v.kind === 'int' ? v.value : mismatch();
            default: {
                if (v.kind !== 'int') return mismatch();
                const [low, high] = INTEGER_RANGES[name] as [bigint, bigint];
                if (v.value < low || v.value > high) throw new CandidValueError(`${v.value} does not fit in ${name} (${low} to ${high})`, v.at);
                return SMALL_INTEGERS.has(name) ? Number(v.value) : v.value;
            }
        }
    }

    #record(values: FieldValue[], fields: Field[], at: number): unknown {
        const given = new Map<number, CandidValue>();
        let position = 0;
        for (const f of values) {
            const id = f.label === undefined ? position : labelId(f.label);
            if (given.has(id)) throw new CandidValueError(`field ${id} is given twice`, at);
            given.set(id, f.value);
            position = id + 1;
        }
        const entries = fields.map((field): [string, unknown] => {
            const v = given.get(labelId(field.label));
            if (v !== undefined) return [keyOf(field), this.value(v, field.type)];
            const type = this.#env.resolve(field.type);
            if (type.kind === 'opt') return [keyOf(field), []];
            if (type.kind === 'primitive' && (type.name === 'null' || type.name === 'reserved')) return [keyOf(field), null];
            throw new CandidValueError(`the record lacks field ${field.label.kind === 'name' ? field.label.name : labelId(field.label)}`, at);
        });
        const isTuple = fields.length > 0 && fields.every((f, i) => f.label.kind === 'position' && f.label.index === i);
        return isTuple ? entries.map(([, value]) => value) : Object.fromEntries(entries);
    }
}

/** The key IdlConverter gives a field. */
function keyOf(field: Field): string {
    return field.label.kind === 'name' ? field.label.name : `_${labelId(field.label)}_`;
}

function principalOf(text: string, at: number): Principal {
    try {
        return Principal.fromText(text);
    } catch {
        throw new CandidValueError(`${JSON.stringify(text)} is not a principal's text form`, at);
    }
}

/**
 * The Candid message for the textual arguments `source` at `types` (named types from
 * `definitions`). @throws CandidSyntaxError for text that is no Candid value, CandidValueError for
 * a value that does not fit its type.
 */
export function encodeTextArguments(source: string, types: CandidType[], definitions: TypeDefinition[]): Uint8Array {
    const values = parseArguments(source);
    if (values.length > types.length) throw new CandidValueError(`${values.length} values were given for ${types.length} argument${types.length === 1 ? '' : 's'}`, 0);
    const typer = new ValueTyper(definitions);
    // Missing trailing arguments are `null` at their type, as for a record's missing fields.
    const padded = types.map((_type, i) => values[i] ?? ({ kind: 'null', at: source.length } as const));
    const js = padded.map((v, i) => typer.value(v, types[i] as CandidType));
    const converter = new IdlConverter(definitions);
    return new Uint8Array(IDL.encode(types.map((t) => converter.convert(t)), js));
}
