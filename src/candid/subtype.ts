/**
 * Candid's subtype relation (spec "Subtyping"), on parsed `.did` types (ast.ts), with the reasons
 * it fails. Recursive types are checked coinductively: a pair of types already being compared is
 * assumed to hold. Each side has its own type definitions (they come from two `.did` files).
 */
import { type CandidType, type Field, type FuncType, labelId, type Method, type TypeDefinition } from './ast';
import { CandidSyntaxError } from './lexer';

/** One reason a relation fails (or, in notes, holds only by the special `opt` rule), at a path of steps from the compared types. */
export type SubtypeIssue = { path: string[]; reason: string };
export type SubtypeResult = { errors: SubtypeIssue[]; notes: SubtypeIssue[] };

/** The named types of one `.did` file. */
export class TypeEnvironment {
    readonly #definitions = new Map<string, CandidType>();

    constructor(definitions: TypeDefinition[]) {
        for (const d of definitions) {
            if (this.#definitions.has(d.name)) throw new CandidSyntaxError(`type ${d.name} is defined twice`, 0);
            this.#definitions.set(d.name, d.type);
        }
    }

    /** The type itself, behind any chain of names (always the same object for the same definition). */
    resolve(t: CandidType): CandidType {
        const seen = new Set<string>();
        while (t.kind === 'ref') {
            if (seen.has(t.name)) throw new CandidSyntaxError(`type ${t.name} is defined only in terms of itself`, 0);
            seen.add(t.name);
            const body = this.#definitions.get(t.name);
            if (body === undefined) throw new CandidSyntaxError(`type ${t.name} is not defined`, 0);
            t = body;
        }
        return t;
    }
}

/** What the two sides are called in reasons, e.g. the new and the old interface. */
export type SideNames = { sub: string; sup: string };

const NO_ISSUES: SubtypeResult = { errors: [], notes: [] };
const holds = (r: SubtypeResult): boolean => r.errors.length === 0;
const fail = (reason: string): SubtypeResult => ({ errors: [{ path: [], reason }], notes: [] });

function under(step: string, r: SubtypeResult): SubtypeResult {
    const prefix = (i: SubtypeIssue): SubtypeIssue => ({ path: [step, ...i.path], reason: i.reason });
    return { errors: r.errors.map(prefix), notes: r.notes.map(prefix) };
}

function merge(results: SubtypeResult[]): SubtypeResult {
    return { errors: results.flatMap((r) => r.errors), notes: results.flatMap((r) => r.notes) };
}

/** A short name of a type for reasons: its name, its primitive, or its constructor. */
function describe(t: CandidType): string {
    switch (t.kind) {
        case 'ref':
            return t.name;
        case 'primitive':
            return t.name;
        case 'opt':
        case 'vec':
            return `${t.kind} ${describe(t.inner)}`;
        default:
            return t.kind;
    }
}

const fieldName = (f: Field): string => (f.label.kind === 'name' ? f.label.name : String(labelId(f.label)));

/** Compares types of two environments; one instance memoises the pairs it has decided. */
export class SubtypeChecker {
    readonly #envs: [TypeEnvironment, TypeEnvironment];
    readonly #names: SideNames;
    /** Per pair of resolved types: its result, or 'assumed' while it is being compared. */
    readonly #memo = new Map<CandidType, Map<CandidType, SubtypeResult | 'assumed'>>();
    /** The pairs decided, in order: when a pair fails, the successes decided while it was assumed may have relied on it. */
    readonly #decided: [CandidType, CandidType][] = [];

    constructor(subEnv: TypeEnvironment, supEnv: TypeEnvironment, names: SideNames = { sub: 'subtype', sup: 'supertype' }) {
        this.#envs = [subEnv, supEnv];
        this.#names = names;
    }

    /** Whether `sub <: sup`, with every reason it does not hold and every use of the special `opt` rule. */
    check(sub: CandidType, sup: CandidType): SubtypeResult {
        return this.#check(sub, sup, false);
    }

    /** Function subtyping: contravariant arguments, covariant results, the same annotations. */
    checkFunc(sub: FuncType, sup: FuncType): SubtypeResult {
        return this.#func(sub, sup, false);
    }

    /** `flipped`: the sides are swapped relative to the checker's (inside function arguments), for the reasons' wording. */
    #check(subT: CandidType, supT: CandidType, flipped: boolean): SubtypeResult {
        const [subEnv, supEnv] = flipped ? [this.#envs[1], this.#envs[0]] : this.#envs;
        const sub = subEnv.resolve(subT);
        const sup = supEnv.resolve(supT);
        let row = this.#memo.get(sub);
        if (row === undefined) this.#memo.set(sub, (row = new Map()));
        const known = row.get(sup);
        if (known === 'assumed') return NO_ISSUES;
        if (known !== undefined) return known;
        row.set(sup, 'assumed');
        const start = this.#decided.length;
        const result = this.#structural(sub, sup, flipped, subT, supT);
        if (!holds(result)) this.#forgetSince(start);
        row.set(sup, result);
        this.#decided.push([sub, sup]);
        return result;
    }

    /** Forgets the successes decided since `start` (failures stand: an assumption only ever makes a pair hold). */
    #forgetSince(start: number): void {
        const kept = this.#decided.splice(start).filter(([a, b]) => {
            const r = this.#memo.get(a)?.get(b);
            if (r === undefined || r === 'assumed' || holds(r)) {
                this.#memo.get(a)?.delete(b);
                return false;
            }
            return true;
        });
        this.#decided.push(...kept);
    }

    #name(side: 'sub' | 'sup', flipped: boolean): string {
        return this.#names[flipped === (side === 'sub') ? 'sup' : 'sub'];
    }

    #mismatch(sub: CandidType, sup: CandidType, flipped: boolean, subT: CandidType, supT: CandidType): SubtypeResult {
        const show = (named: CandidType, t: CandidType): string => (named.kind === 'ref' ? `${named.name} (${describe(t)})` : describe(t));
        return fail(`${this.#name('sub', flipped)} type ${show(subT, sub)} is not a subtype of ${this.#name('sup', flipped)} type ${show(supT, sup)}`);
    }

    /** `null <: t`: t is null, an opt or reserved (a record field of type t may then be absent). */
    #acceptsNull(t: CandidType, flipped: boolean): boolean {
        const r = (flipped ? this.#envs[0] : this.#envs[1]).resolve(t);
        return r.kind === 'opt' || (r.kind === 'primitive' && (r.name === 'null' || r.name === 'reserved'));
    }

    #structural(sub: CandidType, sup: CandidType, flipped: boolean, subT: CandidType, supT: CandidType): SubtypeResult {
        if (sup.kind === 'primitive' && sup.name === 'reserved') return NO_ISSUES;
        if (sub.kind === 'primitive' && sub.name === 'empty') return NO_ISSUES;
        if (sup.kind === 'opt') return this.#opt(sub, sup, flipped, subT);
        if (sub.kind === 'primitive' && sup.kind === 'primitive') {
            return sub.name === sup.name || (sub.name === 'nat' && sup.name === 'int') ? NO_ISSUES : this.#mismatch(sub, sup, flipped, subT, supT);
        }
        // A service reference is its canister's principal (spec rule added by dfinity/candid#748, 2026); not the reverse.
        if (sub.kind === 'service' && sup.kind === 'primitive' && sup.name === 'principal') return NO_ISSUES;
        if (sub.kind === 'vec' && sup.kind === 'vec') return under('vec', this.#check(sub.inner, sup.inner, flipped));
        if (sub.kind === 'record' && sup.kind === 'record') return this.#record(sub.fields, sup.fields, flipped);
        if (sub.kind === 'variant' && sup.kind === 'variant') return this.#variant(sub.fields, sup.fields, flipped);
        if (sub.kind === 'func' && sup.kind === 'func') return this.#func(sub, sup, flipped);
        if (sub.kind === 'service' && sup.kind === 'service') return this.#service(sub.methods, sup.methods, flipped);
        return this.#mismatch(sub, sup, flipped, subT, supT);
    }

    /**
     * `null <: opt t'`; `opt t <: opt t'` when `t <: t'`; `t <: opt t'` when `t <: t'` and t' does not accept null.
     * Otherwise the spec's special rule still makes `t <: opt t'` hold (a value that does not fit decodes as null):
     * held, but noted, since an upgrade should not rely on it.
     */
    #opt(sub: CandidType, sup: CandidType & { kind: 'opt' }, flipped: boolean, subT: CandidType): SubtypeResult {
        if (sub.kind === 'primitive' && sub.name === 'null') return NO_ISSUES;
        let inner: SubtypeResult | undefined;
        if (sub.kind === 'opt') inner = this.#check(sub.inner, sup.inner, flipped);
        else if (!this.#acceptsNull(sup.inner, flipped)) inner = this.#check(sub, sup.inner, flipped);
        if (inner !== undefined && holds(inner)) return sub.kind === 'opt' ? under('opt', inner) : inner;
        const why = inner?.errors.map((e) => [...(sub.kind === 'opt' ? ['opt'] : []), ...e.path].join(' > ') + (e.path.length > 0 ? ': ' : '') + e.reason).join('; ');
        const reason = `${this.#name('sub', flipped)} type ${describe(subT)} fits ${this.#name('sup', flipped)} type ${describe(sup)} only by Candid's special opt rule (its values decode as null)${why ? `: ${why}` : ''}`;
        return { errors: [], notes: [{ path: [], reason }] };
    }

    #record(subFields: Field[], supFields: Field[], flipped: boolean, whole = 'record', part = 'field'): SubtypeResult {
        const byId = new Map(subFields.map((f) => [labelId(f.label), f]));
        return merge(
            supFields.map((f) => {
                const mine = byId.get(labelId(f.label));
                if (mine !== undefined) return under(`field ${fieldName(f)}`, this.#check(mine.type, f.type, flipped));
                if (this.#acceptsNull(f.type, flipped)) return NO_ISSUES;
                return under(`field ${fieldName(f)}`, fail(`missing from the ${this.#name('sub', flipped)} ${whole}, and the ${this.#name('sup', flipped)} ${part}'s type ${describe(f.type)} is not opt, null or reserved`));
            })
        );
    }

    #variant(subFields: Field[], supFields: Field[], flipped: boolean): SubtypeResult {
        const byId = new Map(supFields.map((f) => [labelId(f.label), f]));
        return merge(
            subFields.map((f) => {
                const theirs = byId.get(labelId(f.label));
                if (theirs !== undefined) return under(`case ${fieldName(f)}`, this.#check(f.type, theirs.type, flipped));
                return under(`case ${fieldName(f)}`, fail(`the ${this.#name('sub', flipped)} variant has this case and the ${this.#name('sup', flipped)} one has not`));
            })
        );
    }

    #func(sub: FuncType, sup: FuncType, flipped: boolean): SubtypeResult {
        const same = sub.annotations.length === sup.annotations.length && sub.annotations.every((a) => sup.annotations.includes(a));
        const annotations = same ? NO_ISSUES : fail(`annotations differ: ${this.#name('sub', flipped)} [${sub.annotations.join(' ')}], ${this.#name('sup', flipped)} [${sup.annotations.join(' ')}]`);
        // Arguments and results compare as records whose fields are numbered by position.
        const tuple = (ts: CandidType[]): Field[] => ts.map((type, index) => ({ label: { kind: 'position', index }, type }));
        const args = this.#tuple(tuple(sup.args), tuple(sub.args), !flipped, 'argument');
        const rets = this.#tuple(tuple(sub.rets), tuple(sup.rets), flipped, 'result');
        return merge([annotations, args, rets]);
    }

    /** A record comparison whose field steps read `argument N` / `result N`. */
    #tuple(subFields: Field[], supFields: Field[], flipped: boolean, step: string): SubtypeResult {
        const r = this.#record(subFields, supFields, flipped, `${step}s`, step);
        const rename = (i: SubtypeIssue): SubtypeIssue => ({ path: i.path.map((s, k) => (k === 0 ? s.replace(/^field /, `${step} `) : s)), reason: i.reason });
        return { errors: r.errors.map(rename), notes: r.notes.map(rename) };
    }

    #service(subMethods: Method[], supMethods: Method[], flipped: boolean): SubtypeResult {
        const byName = new Map(subMethods.map((m) => [m.name, m]));
        return merge(
            supMethods.map((m) => {
                const mine = byName.get(m.name);
                if (mine === undefined) return under(`method ${m.name}`, fail(`missing from the ${this.#name('sub', flipped)} service`));
                return under(`method ${m.name}`, this.#check(mine.type, m.type, flipped));
            })
        );
    }
}
