/**
 * Candid's subtype relation (src/candid/subtype.ts), rule by rule (spec "Subtyping"): each rule
 * with an example that holds and one that does not, recursive types, references, and the opt rule.
 */
import { CandidSyntaxError } from '../../src/candid/lexer';
import { parseDid, parseType } from '../../src/candid/parser';
import { SubtypeChecker, type SubtypeResult, TypeEnvironment } from '../../src/candid/subtype';

/** `sub <: sup`, where both may use the type definitions `defs` (`.did` text). */
function relate(sub: string, sup: string, defs = ''): SubtypeResult {
    const env = new TypeEnvironment(parseDid(defs).definitions);
    return new SubtypeChecker(env, env).check(parseType(sub), parseType(sup));
}
const holds = (sub: string, sup: string, defs = ''): boolean => relate(sub, sup, defs).errors.length === 0;
const paths = (r: SubtypeResult): string[] => r.errors.map((e) => e.path.join(' > '));

describe('primitive rules', () => {
    it('reflexivity: every primitive is a subtype of itself, and not of another one', () => {
        for (const p of ['null', 'bool', 'nat', 'int', 'nat8', 'int64', 'float32', 'float64', 'text', 'principal']) expect(holds(p, p)).toBe(true);
        expect(holds('nat8', 'nat16')).toBe(false);
        expect(holds('float32', 'float64')).toBe(false);
        expect(holds('text', 'principal')).toBe(false);
    });

    it('nat <: int, but not int <: nat (nor natN <: int)', () => {
        expect(holds('nat', 'int')).toBe(true);
        expect(holds('int', 'nat')).toBe(false);
        expect(holds('nat64', 'int')).toBe(false);
    });

    it('every type is a subtype of reserved; reserved is a subtype only of reserved (and opt)', () => {
        expect(holds('record { a : nat }', 'reserved')).toBe(true);
        expect(holds('func () -> ()', 'reserved')).toBe(true);
        expect(holds('reserved', 'nat')).toBe(false);
    });

    it('empty is a subtype of every type; nothing else is a subtype of empty', () => {
        expect(holds('empty', 'record { a : text }')).toBe(true);
        expect(holds('empty', 'nat')).toBe(true);
        expect(holds('null', 'empty')).toBe(false);
    });

    it('a mismatch says which types, resolving names', () => {
        const r = relate('T', 'nat', 'type T = text;');
        expect(r.errors).toEqual([{ path: [], reason: 'subtype type T (text) is not a subtype of supertype type nat' }]);
    });
});

describe('vec', () => {
    it('is covariant', () => {
        expect(holds('vec nat', 'vec int')).toBe(true);
        expect(holds('vec int', 'vec nat')).toBe(false);
        expect(paths(relate('vec record { a : int }', 'vec record { a : nat }'))).toEqual(['vec > field a']);
    });
    it('blob is vec nat8', () => {
        expect(holds('blob', 'vec nat8')).toBe(true);
        expect(holds('blob', 'vec nat')).toBe(false);
    });
});

describe('records', () => {
    it('the subtype may have extra fields', () => {
        expect(holds('record { a : nat; b : text }', 'record { a : nat }')).toBe(true);
    });
    it('fields are covariant', () => {
        expect(holds('record { a : nat }', 'record { a : int }')).toBe(true);
        expect(paths(relate('record { a : int }', 'record { a : nat }'))).toEqual(['field a']);
    });
    it('a field absent from the subtype is allowed only when the supertype field is opt, null or reserved', () => {
        expect(holds('record {}', 'record { a : opt nat; b : null; c : reserved }')).toBe(true);
        expect(holds('record {}', 'record { a : O }', 'type O = opt text;')).toBe(true);
        const r = relate('record { b : nat }', 'record { a : nat; b : nat }');
        expect(paths(r)).toEqual(['field a']);
        expect(r.errors[0]?.reason).toMatch(/missing from the subtype record/);
    });
    it('fields match by id: a numeric label equals the hash of a name ("a" hashes to 97), tuple positions are 0, 1, ...', () => {
        expect(holds('record { 97 : nat }', 'record { a : nat }')).toBe(true);
        expect(holds('record { nat; text }', 'record { 1 : text }')).toBe(true);
        expect(holds('record { nat; text }', 'record { 1 : nat }')).toBe(false);
    });
});

describe('variants', () => {
    it('the subtype may have fewer cases', () => {
        expect(holds('variant { A }', 'variant { A; B : nat }')).toBe(true);
    });
    it('a case the supertype lacks breaks it', () => {
        const r = relate('variant { A; C : text }', 'variant { A; B }');
        expect(paths(r)).toEqual(['case C']);
    });
    it('case payloads are covariant', () => {
        expect(holds('variant { A : nat }', 'variant { A : int }')).toBe(true);
        expect(paths(relate('variant { A : int }', 'variant { A : nat }'))).toEqual(['case A']);
    });
});

describe('opt', () => {
    it('null <: opt t', () => {
        expect(holds('null', 'opt nat')).toBe(true);
        expect(relate('null', 'opt nat').notes).toEqual([]);
    });
    it('opt t <: opt t\' when t <: t\', without a note', () => {
        const r = relate('opt nat', 'opt int');
        expect(r).toEqual({ errors: [], notes: [] });
    });
    it('t <: opt t\' when t <: t\' and t\' does not accept null, without a note', () => {
        expect(relate('nat', 'opt int')).toEqual({ errors: [], notes: [] });
    });
    it('the special opt rule: t <: opt t\' always holds, but is noted when no other rule applies', () => {
        // opt int -> opt nat: an int that is not a nat decodes as null.
        const widened = relate('opt int', 'opt nat');
        expect(widened.errors).toEqual([]);
        expect(widened.notes).toHaveLength(1);
        expect(widened.notes[0]?.reason).toMatch(/special opt rule/);
        // t' accepts null, so the third rule does not apply to `nat <: opt opt nat`... it does hold through the inner opt:
        // the third rule needs not (null <: t'), and null <: opt nat, so this relies on the special rule.
        const nested = relate('nat', 'opt opt nat');
        expect(nested.errors).toEqual([]);
        expect(nested.notes).toHaveLength(1);
        expect(relate('text', 'opt nat').notes).toHaveLength(1);
    });
    it('a record field whose opt type changed holds with a note pointing at the field', () => {
        const r = relate('record { a : opt variant { X; Y } }', 'record { a : opt variant { X } }');
        expect(r.errors).toEqual([]);
        expect(r.notes.map((n) => n.path.join(' > '))).toEqual(['field a']);
        expect(r.notes[0]?.reason).toMatch(/opt > case Y/);
    });
    it('opt t is not a subtype of a non-opt t', () => {
        expect(holds('opt nat', 'nat')).toBe(false);
    });
});

describe('functions and services', () => {
    it('function arguments are contravariant and results covariant', () => {
        expect(holds('func (int) -> (nat)', 'func (nat) -> (int)')).toBe(true);
        expect(paths(relate('func (nat) -> (nat)', 'func (int) -> (nat)'))).toEqual(['argument 0']);
        expect(paths(relate('func (int) -> (int)', 'func (int) -> (nat)'))).toEqual(['result 0']);
    });
    it('the subtype function may take extra opt arguments, and not extra required ones', () => {
        expect(holds('func (nat, opt text) -> ()', 'func (nat) -> ()')).toBe(true);
        expect(paths(relate('func (nat, text) -> ()', 'func (nat) -> ()'))).toEqual(['argument 1']);
    });
    it('the subtype function may return extra results, and may drop only opt ones', () => {
        expect(holds('func () -> (nat, text)', 'func () -> (nat)')).toBe(true);
        expect(holds('func () -> ()', 'func () -> (opt nat)')).toBe(true);
        expect(holds('func () -> ()', 'func () -> (nat)')).toBe(false);
    });
    it('annotations must be the same', () => {
        expect(holds('func () -> () query', 'func () -> () query')).toBe(true);
        expect(holds('func () -> () query', 'func () -> ()')).toBe(false);
        expect(holds('func () -> () composite_query', 'func () -> () query')).toBe(false);
        expect(holds('func () -> () oneway', 'func () -> ()')).toBe(false);
    });
    it('a function reference inside data is compared by the function rule', () => {
        expect(holds('record { cb : func (int) -> () }', 'record { cb : func (nat) -> () }')).toBe(true);
        expect(paths(relate('record { cb : func (nat) -> () }', 'record { cb : func (int) -> () }'))).toEqual(['field cb > argument 0']);
    });
    it('a service reference: the subtype must have every method of the supertype, with a subtype method type', () => {
        expect(holds('service { a : () -> (nat); b : () -> () }', 'service { a : () -> (int) }')).toBe(true);
        expect(paths(relate('service { b : () -> () }', 'service { a : () -> () }'))).toEqual(['method a']);
        expect(paths(relate('service { a : () -> (int) }', 'service { a : () -> (nat) }'))).toEqual(['method a > result 0']);
    });
    it('a service reference is a subtype of principal (spec, since dfinity/candid#748), and principal is not one of a service', () => {
        expect(holds('service { m : () -> () }', 'principal')).toBe(true);
        expect(holds('principal', 'service {}')).toBe(false);
    });
    it('reasons inside arguments name the sides the right way round', () => {
        const env = new TypeEnvironment([]);
        const r = new SubtypeChecker(env, env, { sub: 'new', sup: 'old' }).check(parseType('func (nat) -> ()'), parseType('func (int) -> ()'));
        expect(r.errors[0]?.reason).toBe('old type int is not a subtype of new type nat');
    });
});

describe('recursive types (coinductive)', () => {
    const defs = `
        type List = opt record { head : nat; tail : List };
        type IntList = opt record { head : int; tail : IntList };
        type Tree = variant { leaf : nat; node : record { left : Tree; right : Tree } };
        type BigTree = variant { leaf : nat; node : record { left : BigTree; right : BigTree }; extra };
        type Stream = record { head : nat; next : func () -> (Stream) query };
        type IntStream = record { head : int; next : func () -> (IntStream) query };
    `;
    it('a recursive list is a subtype of one with a wider element', () => {
        expect(relate('List', 'IntList', defs)).toEqual({ errors: [], notes: [] });
    });
    it('the other way holds only by the opt rule (the recursion goes through opt), noted', () => {
        const r = relate('IntList', 'List', defs);
        expect(r.errors).toEqual([]);
        expect(r.notes).toHaveLength(1);
    });
    it('a recursive variant that gained a case is not a subtype, at the case', () => {
        expect(holds('Tree', 'BigTree', defs)).toBe(true);
        expect(paths(relate('BigTree', 'Tree', defs))).toEqual(['case extra']);
    });
    it('recursion through function references', () => {
        expect(holds('Stream', 'IntStream', defs)).toBe(true);
        expect(paths(relate('IntStream', 'Stream', defs))).toEqual(['field head']);
    });
    it('a result that relied on an assumption which then failed is not reused', () => {
        // Comparing A with B assumes A <: B, so OA <: OB first looks clean; A <: B then fails (field n),
        // and field r's own OA <: OB must be judged again: it holds only by the opt rule.
        const both = 'type A = record { a : OA; n : int }; type OA = opt A; type B = record { a : OB; n : nat }; type OB = opt B;';
        const r = relate('record { p : A; r : OA }', 'record { p : B; r : OB }', both);
        expect(paths(r)).toEqual(['field p > field n']);
        expect(r.notes.map((n) => n.path.join(' > '))).toEqual(['field r']);
    });
    it('an undefined or self-defined name is a syntax error', () => {
        expect(() => relate('Missing', 'nat')).toThrow(CandidSyntaxError);
        expect(() => relate('A', 'nat', 'type A = B; type B = A;')).toThrow(CandidSyntaxError);
    });
});
