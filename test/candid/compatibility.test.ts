/**
 * Upgrade compatibility of two service interfaces (src/candid/compatibility.ts): the new service
 * type must be a subtype of the old one (spec "Upgrading and subtyping").
 */
import { type CompatibilityReport, checkServiceCompatibility } from '../../src/candid/compatibility';
import { CandidSyntaxError } from '../../src/candid/lexer';

const check = (oldBody: string, newBody: string, defs = ''): CompatibilityReport => checkServiceCompatibility(`${defs} service : { ${oldBody} }`, `${defs} service : { ${newBody} }`);

describe('checkServiceCompatibility', () => {
    it('an identical interface is compatible, with no notes', () => {
        expect(check('get : (nat) -> (text) query', 'get : (nat) -> (text) query')).toEqual({ compatible: true, breaking: [], notes: [] });
    });

    it('a method removed or renamed breaks; a method added does not', () => {
        expect(check('a : () -> (); b : () -> ()', 'a : () -> (); c : () -> ()')).toEqual({
            compatible: false,
            breaking: [{ method: 'b', path: '', reason: 'the method is removed (or renamed): old clients calling it would fail' }],
            notes: []
        });
        expect(check('a : () -> ()', 'a : () -> (); b : () -> ()').compatible).toBe(true);
    });

    it('an annotation added, removed or changed breaks', () => {
        for (const [before, after] of [
            ['', 'query'],
            ['query', ''],
            ['query', 'composite_query'],
            ['', 'oneway']
        ]) {
            const r = check(`f : () -> () ${before}`, `f : () -> () ${after}`);
            expect(r.compatible).toBe(false);
            expect(r.breaking[0]?.reason).toMatch(/^annotations differ/);
        }
    });

    it('an argument added at the end is compatible when opt, breaking otherwise', () => {
        expect(check('f : (nat) -> ()', 'f : (nat, opt text) -> ()')).toEqual({ compatible: true, breaking: [], notes: [] });
        const r = check('f : (nat) -> ()', 'f : (nat, text) -> ()');
        expect(r.breaking).toEqual([{ method: 'f', path: 'argument 1', reason: "missing from the old arguments, and the new argument's type text is not opt, null or reserved" }]);
    });

    it('a result record gaining a field is compatible; losing one breaks unless the field was opt', () => {
        const defs = 'type R = record { a : nat; b : opt text };';
        expect(check('f : () -> (R)', 'f : () -> (record { a : nat; b : opt text; c : int })', defs).compatible).toBe(true);
        expect(check('f : () -> (R)', 'f : () -> (record { a : nat })', defs).compatible).toBe(true);
        const r = check('f : () -> (R)', 'f : () -> (record { b : opt text })', defs);
        expect(r.breaking.map((b) => `${b.method}: ${b.path}`)).toEqual(['f: result 0 > field a']);
    });

    it('a result variant gaining a case breaks (old clients cannot decode it); an argument variant gaining one does not', () => {
        const r = check('f : () -> (variant { Ok : nat; Err : text })', 'f : () -> (variant { Ok : nat; Err : text; Pending })');
        expect(r.breaking).toEqual([{ method: 'f', path: 'result 0 > case Pending', reason: 'the new variant has this case and the old one has not' }]);
        expect(check('f : (variant { A; B }) -> ()', 'f : (variant { A; B; C }) -> ()').compatible).toBe(true);
        // And an argument variant losing a case breaks: old clients may still send it.
        expect(check('f : (variant { A; B }) -> ()', 'f : (variant { A }) -> ()').breaking.map((b) => b.path)).toEqual(['argument 0 > case B']);
    });

    it('argument types may widen (nat to int) and results narrow (int to nat), not the other way', () => {
        expect(check('f : (nat) -> (int)', 'f : (int) -> (nat)').compatible).toBe(true);
        expect(check('f : (int) -> (nat)', 'f : (nat) -> (int)').breaking.map((b) => b.path)).toEqual(['argument 0', 'result 0']);
    });

    it('a change deep inside an opt is compatible by the opt rule, reported as a note', () => {
        const r = check('f : () -> (record { x : opt variant { A } })', 'f : () -> (record { x : opt variant { A; B } })');
        expect(r.compatible).toBe(true);
        expect(r.notes.map((n) => `${n.method}: ${n.path}`)).toEqual(['f: result 0 > field x']);
    });

    it('paths go through named, recursive types', () => {
        const defs = 'type Tree = variant { leaf : nat; node : vec Tree };';
        const defs2 = 'type Tree = variant { leaf : nat; node : vec Tree; gone };';
        const r = checkServiceCompatibility(`${defs} service : { t : () -> (Tree) }`, `${defs2} service : { t : () -> (Tree) }`);
        expect(r.breaking.map((b) => b.path)).toEqual(['result 0 > case gone']);
    });

    it('a service given by name, with init arguments (not checked), and methods given by name', () => {
        const before = 'type S = service { f : F }; type F = func (nat) -> (); service : (text) -> S';
        const after = 'type F = func (int) -> (); service : (nat) -> { f : F }';
        expect(checkServiceCompatibility(before, after)).toEqual({ compatible: true, breaking: [], notes: [] });
    });

    it('unparsable text, or text without a service, throws a CandidSyntaxError', () => {
        expect(() => checkServiceCompatibility('service : { f : () -> () ', 'service : {}')).toThrow(CandidSyntaxError);
        expect(() => checkServiceCompatibility('type A = nat;', 'service : {}')).toThrow(/no service declaration/);
    });
});
