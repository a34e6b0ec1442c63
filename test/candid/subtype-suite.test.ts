/**
 * The official Candid test suite's subtyping tests (`../shared/testdata/candid-tests/subtypes.test.did`):
 * each asserts whether a reference of type `func () -> (t1)` decodes at `opt func () -> (t2)`,
 * i.e. whether `t1 <: t2`. t1 is written only in the message's type table, so this reads the
 * table into Candid types and asks src/candid/subtype.ts the same question.
 * Skipped: the two "future type" tests (opcode 0x67, a type no spec version defines yet).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../../scripts/paths';
import { type CandidType, type FuncAnnotation, type TypeDefinition } from '../../src/candid/ast';
import { SubtypeChecker, TypeEnvironment } from '../../src/candid/subtype';
import { parseSuite } from '../../src/candid/test-suite';
import { type LebCursor, readS32, readU32 } from '../../src/encoding/leb128';

/** Primitive opcodes (spec "Types": -1 null ... -17 empty, -24 principal). */
const PRIMITIVE_OPCODES = new Map<number, CandidType>([
    ...(['null', 'bool', 'nat', 'int', 'nat8', 'nat16', 'nat32', 'nat64', 'int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'text', 'reserved', 'empty'] as const).map((name, i): [number, CandidType] => [-1 - i, { kind: 'primitive', name }]),
    [-24, { kind: 'primitive', name: 'principal' }]
]);
const ANNOTATION_CODES: Record<number, FuncAnnotation> = { 1: 'query', 2: 'oneway', 3: 'composite_query' };

/** A message's type table as definitions `t0`, `t1`, ..., and its argument types; undefined for an opcode the spec does not define. */
function readTypeTable(bytes: Uint8Array): { definitions: TypeDefinition[]; args: CandidType[] } | undefined {
    const end = bytes.length;
    const at: LebCursor = { pos: 4 };
    const u = (): number => readU32(bytes, at, end);
    const ref = (): CandidType => {
        const index = readS32(bytes, at, end);
        const primitive = PRIMITIVE_OPCODES.get(index);
        return primitive ?? { kind: 'ref', name: `t${index}` };
    };
    const text = (): string => {
        const length = u();
        at.pos += length;
        return new TextDecoder().decode(bytes.subarray(at.pos - length, at.pos));
    };
    const many = <T>(read: () => T): T[] => Array.from({ length: u() }, read);
    const annotation = (): FuncAnnotation => {
        const code = bytes[at.pos++] ?? 0;
        const known = ANNOTATION_CODES[code];
        if (known === undefined) throw new Error(`unknown function annotation ${code} in the suite's message`);
        return known;
    };
    /** A method's type: always an index into the table. */
    const methodType = (): { kind: 'ref'; name: string } => ({ kind: 'ref', name: `t${readS32(bytes, at, end)}` });
    const definitions: TypeDefinition[] = [];
    const count = u();
    for (let i = 0; i < count; i++) {
        const opcode = readS32(bytes, at, end);
        let type: CandidType;
        if (opcode === -18 || opcode === -19) type = { kind: opcode === -18 ? 'opt' : 'vec', inner: ref() };
        else if (opcode === -20 || opcode === -21) type = { kind: opcode === -20 ? 'record' : 'variant', fields: many(() => ({ label: { kind: 'id', id: u() }, type: ref() })) };
        else if (opcode === -22) type = { kind: 'func', args: many(ref), rets: many(ref), annotations: many(annotation) };
        else if (opcode === -23) type = { kind: 'service', methods: many(() => ({ name: text(), type: methodType() })) };
        else return undefined;
        definitions.push({ name: `t${i}`, type });
    }
    return { definitions, args: many(ref) };
}

const suite = parseSuite(readFileSync(join(repoRoot, '..', 'shared', 'testdata', 'candid-tests', 'subtypes.test.did'), 'utf8'));

describe('the official suite’s subtyping tests (subtypes.test.did)', () => {
    const cases = suite.assertions.filter((a) => a.kind === 'equal' && a.input.kind === 'blob' && a.other?.kind === 'text');
    let checked = 0;
    for (const a of cases) {
        if (a.input.kind !== 'blob' || a.other?.kind !== 'text') continue;
        const table = readTypeTable(a.input.bytes);
        if (table === undefined) continue;
        checked++;
        const expected = a.other.source.startsWith('(opt func');
        it(`${a.description}: ${expected ? 'holds' : 'does not hold'}`, () => {
            const supFunc = a.types[0];
            expect(supFunc?.kind).toBe('opt');
            const sup = supFunc?.kind === 'opt' && supFunc.inner.kind === 'func' ? supFunc.inner.rets[0] : undefined;
            const subEnv = new TypeEnvironment(table.definitions);
            const subFunc = subEnv.resolve(table.args[0] ?? { kind: 'primitive', name: 'null' });
            const sub = subFunc.kind === 'func' ? subFunc.rets[0] : undefined;
            expect(sub).toBeDefined();
            expect(sup).toBeDefined();
            if (sub === undefined || sup === undefined) return;
            const result = new SubtypeChecker(subEnv, new TypeEnvironment(suite.definitions)).check(sub, sup);
            expect(result.errors.length === 0).toBe(expected);
        });
    }

    it('checks all but the two future-type tests', () => {
        expect(cases.length).toBeGreaterThan(40);
        expect(checked).toBe(cases.length - 2);
    });
});
