/**
 * The generated Candid bindings: checked-in files are what the generator writes now (so a new
 * @dfinity/ic-management or an edited `.did` cannot go unnoticed), and the generator's IDL values
 * and `.did` text mean what their source `.did` means.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { IDL } from '@dfinity/candid';

import { generateBindings } from '../../src/candid/bindings';
import { canonicalFunc, canonicalType } from '../../src/candid/canonical';
import { parseDid } from '../../src/candid/parser';
import { IdlConverter } from '../../src/candid/to-idl';
import * as upgraderManagement from '../../canisters/upgrader/management-idl';
import * as upgraderClient from '../../src/client/upgrader-idl';
import * as replicaManagement from '../../src/replica/management/candid/generated';
import { BINDING_TARGETS, type BindingTarget, renderTarget } from '../../scripts/lib/candid-bindings';
import { renderUpgraderDid, UPGRADER_DID } from '../../scripts/lib/upgrader-did';
import { repoRoot } from '../../scripts/paths';

const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

function serviceOf(converter: IdlConverter, type: Parameters<IdlConverter['convert']>[0] | undefined): IDL.ServiceClass {
    if (type === undefined) throw new Error('the .did has no service');
    const converted = converter.convert(type);
    return (converted instanceof IDL.RecClass ? converted.getType() : converted) as IDL.ServiceClass;
}

const withSubset = (t: BindingTarget): t is BindingTarget & { did: string } => t.did !== undefined;

describe('checked-in Candid bindings', () => {
    it(`${UPGRADER_DID} is what canisters/upgrader/types.ts declares now`, () => {
        // On a difference: run `npm run candid-bindings` and review the diff (then the client's bindings are fresh too).
        expect(read(UPGRADER_DID)).toBe(renderUpgraderDid());
    });

    it.each(BINDING_TARGETS.map((t) => [t.typescript, t] as const))('%s and its .did are fresh', (_name, target) => {
        // On a difference: run `npm run candid-bindings` and review the diff of both files.
        const rendered = renderTarget(target);
        expect(rendered.length).toBe(target.did === undefined ? 1 : 2);
        for (const [path, text] of rendered) expect(`${path}:\n${read(path)}`).toBe(`${path}:\n${text}`);
    });

    it.each(BINDING_TARGETS.filter(withSubset).map((t) => [t.did, t] as const))('%s types each method as its source does', (_name, target) => {
        const source = parseDid(read(target.input));
        const subset = parseDid(read(target.did));
        const fromSource = serviceOf(new IdlConverter(source.definitions), source.service?.type);
        const fromSubset = serviceOf(new IdlConverter(subset.definitions), subset.service?.type);
        expect(fromSubset._fields.map(([name]) => name)).toEqual([...target.methods].sort());
        for (const [name, func] of fromSubset._fields) {
            const original = fromSource._fields.find(([n]) => n === name)?.[1];
            expect(original === undefined ? `${name}: missing` : `${name}: ${canonicalFunc(original)}`).toBe(`${name}: ${canonicalFunc(func)}`);
        }
    });

    const modules: Record<string, Record<string, unknown>> = {
        'src/replica/management/candid/generated.ts': replicaManagement,
        'canisters/upgrader/management-idl.ts': upgraderManagement,
        'src/client/upgrader-idl.ts': upgraderClient
    };
    it.each(BINDING_TARGETS.map((t) => [t.typescript, t] as const))('%s gives every IDL value the meaning of its .did definition', (_name, target) => {
        const generatedModule = modules[target.typescript];
        if (generatedModule === undefined) throw new Error(`add ${target.typescript} to this test's modules`);
        const source = parseDid(read(target.input));
        const converter = new IdlConverter(source.definitions);
        const values = Object.entries(generatedModule).filter(([name]) => name !== 'methods' && name !== 'idlFactory');
        expect(values.length).toBeGreaterThan(10);
        for (const [name, value] of values) {
            expect(`${name} = ${canonicalType(value as IDL.Type)}`).toBe(`${name} = ${canonicalType(converter.named(name))}`);
        }
        const service = serviceOf(converter, source.service?.type);
        const generatedFuncs = (): Array<[string, IDL.FuncClass]> => {
            if (target.actor !== undefined) return (generatedModule['idlFactory'] as IDL.InterfaceFactory)({ IDL })._fields;
            const methods = generatedModule['methods'] as Record<string, { args: readonly IDL.Type[]; rets: readonly IDL.Type[]; query: boolean }>;
            return Object.entries(methods).map(([name, spec]) => [name, IDL.Func([...spec.args] as [] | [IDL.Type], [...spec.rets] as [] | [IDL.Type], spec.query ? ['query'] : [])]);
        };
        const funcs = generatedFuncs();
        expect(funcs.map(([name]) => name)).toEqual(target.methods === 'all' ? service._fields.map(([name]) => name) : [...target.methods]);
        for (const [name, func] of funcs) {
            const original = service._fields.find(([n]) => n === name)?.[1];
            expect(`${name}: ${canonicalFunc(func)}`).toBe(`${name}: ${original === undefined ? 'missing' : canonicalFunc(original)}`);
        }
    });
});

describe('generateBindings', () => {
    const did = parseDid(`
        type id = blob;
        type pair = record { nat32; text };
        type entry = record { "principal" : principal; key : id; 7 : opt pair; kind : variant { a; b : int64; c : reserved } };
        service : { get : (id) -> (opt entry) query; put : (entry, nat) -> (); unused : (text) -> (text) };
    `);
    const bindings = generateBindings({ did, methods: ['get', 'put'], header: ['test header'] });

    it('writes an IDL value and a TS type for each needed definition, in dependency order', () => {
        const lines = bindings.typescript.split('\n');
        expect(lines.slice(0, 3)).toEqual(['/*', ' * test header', ' */']);
        expect(lines).toContain("import type { Principal } from '@dfinity/principal';");
        expect(lines).toContain('export const id = IDL.Vec(IDL.Nat8);');
        expect(lines).toContain('export type id = Uint8Array;');
        expect(lines).toContain('export const pair = IDL.Tuple(IDL.Nat32, IDL.Text);');
        expect(lines).toContain('export type pair = [number, string];');
        expect(lines).toContain(
            'export const entry = IDL.Record({ principal: IDL.Principal, key: id, _7_: IDL.Opt(pair), kind: IDL.Variant({ a: IDL.Null, b: IDL.Int64, c: IDL.Reserved }) });'
        );
        expect(lines).toContain('export type entry = { principal: Principal; key: id; _7_: [] | [pair]; kind: { a: null } | { b: bigint } | { c: null } };');
        expect(lines.indexOf('export type pair = [number, string];')).toBeLessThan(lines.indexOf('export const entry = IDL.Record({ principal: IDL.Principal, key: id, _7_: IDL.Opt(pair), kind: IDL.Variant({ a: IDL.Null, b: IDL.Int64, c: IDL.Reserved }) });'));
        expect(lines).toContain('    get: { args: [id], rets: [IDL.Opt(entry)], query: true },');
        expect(lines).toContain('    put: { args: [entry, IDL.Nat], rets: [], query: false },');
        expect(bindings.typescript).not.toContain('unused');
    });

    it('prints a .did that parses back to the same service', () => {
        expect(bindings.did).toContain('type entry = record { "principal" : principal; key : id; 7 : opt pair; kind : variant { a; b : int64; c : reserved; }; };');
        const original = serviceOf(new IdlConverter(did.definitions), did.service?.type);
        const reparsed = parseDid(bindings.did);
        const printed = serviceOf(new IdlConverter(reparsed.definitions), reparsed.service?.type);
        for (const [name, func] of printed._fields) {
            const before = original._fields.find(([n]) => n === name)?.[1];
            expect(before === undefined ? 'missing' : canonicalFunc(before)).toBe(canonicalFunc(func));
        }
        expect(printed._fields.map(([name]) => name)).toEqual(['get', 'put']);
    });

    it("emits an actor's idlFactory and service type, for every method when asked for all", () => {
        const actor = generateBindings({ did, methods: 'all', actor: 'EntryService', header: [] });
        const lines = actor.typescript.split('\n');
        expect(lines).toContain('export const idlFactory: IDL.InterfaceFactory = () =>');
        expect(lines).toContain("        get: IDL.Func([id], [IDL.Opt(entry)], ['query']),");
        expect(lines).toContain('        put: IDL.Func([entry, IDL.Nat], [], []),');
        expect(lines).toContain('export type EntryService = {');
        expect(lines).toContain('    get: (arg0: id) => Promise<[] | [entry]>;');
        expect(lines).toContain('    put: (arg0: entry, arg1: bigint) => Promise<undefined>;');
        expect(lines).toContain('    unused: (arg0: string) => Promise<string>;');
        expect(actor.typescript).not.toContain('export const methods');
        expect(actor.did).toContain('  unused : (text) -> (text);');
    });

    it('refuses what it cannot bind, naming it', () => {
        expect(() => generateBindings({ did, methods: ['nope'], header: [] })).toThrow('the service has no method nope');
        const recursive = parseDid('type list = opt record { nat; list }; service : { f : (list) -> () }');
        expect(() => generateBindings({ did: recursive, methods: ['f'], header: [] })).toThrow('type list is recursive');
    });
});
