/**
 * The Candid subtype relation `t1 <: t2` (spec "Upgrading and Subtyping", rules restated here),
 * between types of two type tables. The decoder needs it for references: a func or service value
 * coerces only when its wire type is a subtype of the expected one. Recursive types are compared
 * coinductively (a pair under comparison is assumed to hold).
 */
import type { IDL } from '@dfinity/candid';

import { readHeader, type WireField, type WireTable, writeHeader } from './header';
import { OP } from './idl';
import { Reader } from './reader';

/** A type as a table and a reference into it. */
export type TableType = { table: WireTable; ref: number };

const tables = new WeakMap<IDL.Type, TableType>();

/** `type` in type-table form (the table its own header would carry). */
export function tableTypeOf(type: IDL.Type): TableType {
    let known = tables.get(type);
    if (known === undefined) {
        const header = readHeader(new Reader(writeHeader([type])));
        known = { table: header.table, ref: header.args[0] as number };
        tables.set(type, known);
    }
    return known;
}

type Side = WireTable;

function nullable(table: Side, t: number): boolean {
    if (t === OP.null || t === OP.reserved) return true;
    return t >= 0 && table[t]?.kind === 'opt';
}

/** Decides subtyping between types of table `a` and table `b`; keeps its memo (one per pair of tables). */
export class Subtyping {
    readonly #a: Side;
    readonly #b: Side;
    readonly #memo = new Map<string, boolean>();

    constructor(a: Side, b: Side) {
        this.#a = a;
        this.#b = b;
    }

    /** `t1` (of table a) <: `t2` (of table b). */
    isSubtype(t1: number, t2: number): boolean {
        return this.#sub(this.#a, t1, this.#b, t2, 'ab');
    }

    #sub(a: Side, t1: number, b: Side, t2: number, dir: 'ab' | 'ba'): boolean {
        const key = `${dir}${t1},${t2}`;
        const known = this.#memo.get(key);
        if (known !== undefined) return known;
        this.#memo.set(key, true);
        const result = this.#rule(a, t1, b, t2, dir);
        this.#memo.set(key, result);
        return result;
    }

    #rule(a: Side, t1: number, b: Side, t2: number, dir: 'ab' | 'ba'): boolean {
        const flip = dir === 'ab' ? 'ba' : 'ab';
        if (t2 === OP.reserved || t1 === OP.empty) return true;
        const e2 = t2 >= 0 ? b[t2] : undefined;
        // Anything is a subtype of an option (the two unusual rules keep subtyping transitive).
        if (e2?.kind === 'opt') return true;
        if (t1 < 0 || t2 < 0) {
            if (t1 === t2 && t1 < 0) return true;
            if (t1 === OP.nat && t2 === OP.int) return true;
            return t2 === OP.principal && t1 >= 0 && a[t1]?.kind === 'service';
        }
        const e1 = a[t1];
        if (e1 === undefined || e2 === undefined) return false;
        if (e1.kind === 'vec' && e2.kind === 'vec') return this.#sub(a, e1.inner, b, e2.inner, dir);
        if (e1.kind === 'record' && e2.kind === 'record') return this.#records(a, e1.fields, b, e2.fields, dir);
        if (e1.kind === 'variant' && e2.kind === 'variant') {
            const cases = new Map(e2.fields.map((f) => [f.id, f.type]));
            return e1.fields.every((f) => {
                const other = cases.get(f.id);
                return other !== undefined && this.#sub(a, f.type, b, other, dir);
            });
        }
        if (e1.kind === 'func' && e2.kind === 'func') {
            const s1 = new Set(e1.annotations);
            const s2 = new Set(e2.annotations);
            if (s1.size !== s2.size || [...s1].some((x) => !s2.has(x))) return false;
            const tuple = (refs: number[]): WireField[] => refs.map((type, id) => ({ id, type }));
            // Parameters are contravariant, results covariant, both as tuple-like records.
            return this.#records(b, tuple(e2.args), a, tuple(e1.args), flip) && this.#records(a, tuple(e1.rets), b, tuple(e2.rets), dir);
        }
        if (e1.kind === 'service' && e2.kind === 'service') {
            const methods = new Map(e1.methods.map((m) => [m.name, m.type]));
            return e2.methods.every((m) => {
                const mine = methods.get(m.name);
                return mine !== undefined && this.#sub(a, mine, b, m.type, dir);
            });
        }
        return false;
    }

    /** record { fields1 } <: record { fields2 }: shared fields are subtypes, the others of fields2 accept null. */
    #records(a: Side, fields1: WireField[], b: Side, fields2: WireField[], dir: 'ab' | 'ba'): boolean {
        const mine = new Map(fields1.map((f) => [f.id, f.type]));
        return fields2.every((f) => {
            const t1 = mine.get(f.id);
            return t1 === undefined ? nullable(b, f.type) : this.#sub(a, t1, b, f.type, dir);
        });
    }
}
