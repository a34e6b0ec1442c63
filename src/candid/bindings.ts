/**
 * TypeScript bindings for a `.did` file: one module with an IDL value and a TS type per named
 * type, and the service's method table (or, for clients, its `idlFactory` and its methods'
 * signatures), so a Candid type is written once (in the `.did`) and both forms are derived from
 * it. Also prints the `.did` subset the bindings cover.
 *
 * The emitted module imports only `@dfinity/candid` and (as a type) `@dfinity/principal`, so it
 * loads in an Azle canister bundle as well as in Node. Conventions: `opt T` is `[] | [T]`,
 * `blob` is `Uint8Array`, `nat`/`int`/64-bit integers are `bigint`, `reserved` is `null`.
 */
import { type CandidType, type Field, type FuncType, labelId, type Method, type TypeDefinition } from './ast';
import { CandidSyntaxError } from './lexer';
import { type DidFile } from './parser';
import { isBlob, isTuple, printDid } from './print';

export type BindingsInput = {
    did: DidFile;
    /** The service methods to cover, in this order, or all of them in the service's order; their types are emitted, nothing else. */
    methods: readonly string[] | 'all';
    /**
     * Emit an actor's faces, `idlFactory` and a type of this name with each method's signature,
     * instead of the method table (`methods`, `Signatures`) a dispatcher needs.
     */
    actor?: string;
    /** First lines of both outputs (without comment markers): where the input comes from, how to regenerate. */
    header: readonly string[];
};

export type Bindings = { typescript: string; did: string };

const IDL_PRIMITIVES: Record<string, string> = {
    null: 'IDL.Null',
    bool: 'IDL.Bool',
    nat: 'IDL.Nat',
    int: 'IDL.Int',
    nat8: 'IDL.Nat8',
    nat16: 'IDL.Nat16',
    nat32: 'IDL.Nat32',
    nat64: 'IDL.Nat64',
    int8: 'IDL.Int8',
    int16: 'IDL.Int16',
    int32: 'IDL.Int32',
    int64: 'IDL.Int64',
    float32: 'IDL.Float32',
    float64: 'IDL.Float64',
    text: 'IDL.Text',
    reserved: 'IDL.Reserved',
    empty: 'IDL.Empty',
    principal: 'IDL.Principal'
};

const TS_PRIMITIVES: Record<string, string> = {
    null: 'null',
    bool: 'boolean',
    nat: 'bigint',
    int: 'bigint',
    nat8: 'number',
    nat16: 'number',
    nat32: 'number',
    nat64: 'bigint',
    int8: 'number',
    int16: 'number',
    int32: 'number',
    int64: 'bigint',
    float32: 'number',
    float64: 'number',
    text: 'string',
    reserved: 'null',
    empty: 'never',
    principal: 'Principal'
};

/** The JS property name of a field (`_<id>_` for numeric labels, as @dfinity/candid names them). */
function propertyName(field: Field): string {
    return field.label.kind === 'name' ? field.label.name : `_${labelId(field.label)}_`;
}
const jsKey = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

function idlOf(t: CandidType): string {
    switch (t.kind) {
        case 'primitive':
            return IDL_PRIMITIVES[t.name] as string;
        case 'ref':
            return t.name;
        case 'opt':
            return `IDL.Opt(${idlOf(t.inner)})`;
        case 'vec':
            return `IDL.Vec(${idlOf(t.inner)})`;
        case 'record':
            if (isTuple(t.fields)) return `IDL.Tuple(${t.fields.map((f) => idlOf(f.type)).join(', ')})`;
            return `IDL.Record({ ${t.fields.map((f) => `${jsKey(propertyName(f))}: ${idlOf(f.type)}`).join(', ')} })`;
        case 'variant':
            return `IDL.Variant({ ${t.fields.map((f) => `${jsKey(propertyName(f))}: ${idlOf(f.type)}`).join(', ')} })`;
        case 'func':
        case 'service':
            throw new CandidSyntaxError(`bindings do not cover ${t.kind} values`, 0);
    }
}

function tsOf(t: CandidType): string {
    switch (t.kind) {
        case 'primitive':
            return TS_PRIMITIVES[t.name] as string;
        case 'ref':
            return t.name;
        case 'opt':
            return `[] | [${tsOf(t.inner)}]`;
        case 'vec':
            return isBlob(t) ? 'Uint8Array' : `Array<${tsOf(t.inner)}>`;
        case 'record':
            if (isTuple(t.fields)) return `[${t.fields.map((f) => tsOf(f.type)).join(', ')}]`;
            return `{ ${t.fields.map((f) => `${jsKey(propertyName(f))}: ${tsOf(f.type)}`).join('; ')} }`;
        case 'variant':
            return t.fields.length === 0 ? 'never' : t.fields.map((f) => `{ ${jsKey(propertyName(f))}: ${tsOf(f.type)} }`).join(' | ');
        case 'func':
        case 'service':
            throw new CandidSyntaxError(`bindings do not cover ${t.kind} values`, 0);
    }
}

/** Names a type refers to directly. */
function references(t: CandidType, out: string[] = []): string[] {
    switch (t.kind) {
        case 'ref':
            out.push(t.name);
            break;
        case 'opt':
        case 'vec':
            references(t.inner, out);
            break;
        case 'record':
        case 'variant':
            for (const f of t.fields) references(f.type, out);
            break;
        case 'func':
            for (const a of [...t.args, ...t.rets]) references(a, out);
            break;
        case 'service':
            for (const m of t.methods) references(m.type, out);
            break;
        case 'primitive':
            break;
    }
    return out;
}

/** The definitions the given types need, each after the ones it refers to. */
function definitionsNeeded(roots: CandidType[], definitions: Map<string, CandidType>): TypeDefinition[] {
    const ordered: TypeDefinition[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string): void => {
        const seen = state.get(name);
        if (seen === 'done') return;
        if (seen === 'visiting') throw new CandidSyntaxError(`type ${name} is recursive, which the bindings do not cover`, 0);
        const type = definitions.get(name);
        if (type === undefined) throw new CandidSyntaxError(`type ${name} is not defined`, 0);
        state.set(name, 'visiting');
        for (const r of references(type)) visit(r);
        state.set(name, 'done');
        ordered.push({ name, type });
    };
    for (const root of roots) for (const r of references(root)) visit(r);
    return ordered;
}

function serviceMethods(did: DidFile, definitions: Map<string, CandidType>): Map<string, FuncType> {
    let service = did.service?.type;
    while (service?.kind === 'ref') service = definitions.get(service.name);
    if (service?.kind !== 'service') throw new CandidSyntaxError('the .did file has no service', 0);
    const funcs = new Map<string, FuncType>();
    for (const m of service.methods as Method[]) {
        let type: CandidType | undefined = m.type;
        while (type?.kind === 'ref') type = definitions.get(type.name);
        if (type?.kind !== 'func') throw new CandidSyntaxError(`service method ${m.name} is not a function`, 0);
        funcs.set(m.name, type);
    }
    return funcs;
}

// ---------------------------------------------------------------- the module

function selectMethods(did: DidFile, methods: BindingsInput['methods'], definitions: Map<string, CandidType>): Array<readonly [string, FuncType]> {
    const available = serviceMethods(did, definitions);
    if (methods === 'all') return [...available.entries()];
    return methods.map((name) => {
        const func = available.get(name);
        if (func === undefined) throw new CandidSyntaxError(`the service has no method ${name}`, 0);
        return [name, func] as const;
    });
}

/** `methods` (IDL types per method) and `Signatures` (their values), for a dispatcher of the methods. */
function methodTable(funcs: ReadonlyArray<readonly [string, FuncType]>): string[] {
    const ts = ["/** Each method's argument and result types, and whether it is a query. */", 'export const methods = {'];
    for (const [name, f] of funcs) {
        ts.push(`    ${jsKey(name)}: { args: [${f.args.map(idlOf).join(', ')}], rets: [${f.rets.map(idlOf).join(', ')}], query: ${f.annotations.includes('query')} },`);
    }
    ts.push('} as const;', '', "/** Each method's argument and result values, as tuples. */", 'export interface Signatures {');
    for (const [name, f] of funcs) {
        ts.push(`    ${jsKey(name)}: { args: [${f.args.map(tsOf).join(', ')}]; rets: [${f.rets.map(tsOf).join(', ')}] };`);
    }
    ts.push('}');
    return ts;
}

/** What an actor needs: the service's `idlFactory`, and the methods as the actor offers them (named `service`). */
function actorFaces(funcs: ReadonlyArray<readonly [string, FuncType]>, service: string): string[] {
    const ts = ["/** The service's methods, for `Actor.createActor` and the replica's actors. */", 'export const idlFactory: IDL.InterfaceFactory = () =>', '    IDL.Service({'];
    for (const [name, f] of funcs) {
        const annotations = f.annotations.map((a) => `'${a}'`).join(', ');
        ts.push(`        ${jsKey(name)}: IDL.Func([${f.args.map(idlOf).join(', ')}], [${f.rets.map(idlOf).join(', ')}], [${annotations}]),`);
    }
    ts.push('    });', '', `/** Each method as an actor over \`idlFactory\` offers it. */`, `export type ${service} = {`);
    for (const [name, f] of funcs) {
        const args = f.args.map((a, i) => `arg${i}: ${tsOf(a)}`).join(', ');
        const result = f.rets.length === 0 ? 'undefined' : f.rets.length === 1 ? tsOf(f.rets[0] as CandidType) : `[${f.rets.map(tsOf).join(', ')}]`;
        ts.push(`    ${jsKey(name)}: (${args}) => Promise<${result}>;`);
    }
    ts.push('};');
    return ts;
}

export function generateBindings(input: BindingsInput): Bindings {
    const definitions = new Map(input.did.definitions.map((d) => [d.name, d.type]));
    const funcs = selectMethods(input.did, input.methods, definitions);
    const needed = definitionsNeeded(
        funcs.map(([, f]) => f),
        definitions
    );

    const ts: string[] = [];
    for (const d of needed) {
        ts.push(`export const ${d.name} = ${idlOf(d.type)};`);
        ts.push(`export type ${d.name} = ${tsOf(d.type)};`);
    }
    ts.push('', ...(input.actor === undefined ? methodTable(funcs) : actorFaces(funcs, input.actor)), '');
    const imports = [`import { IDL } from '@dfinity/candid';`];
    if (ts.some((line) => /\bPrincipal\b/.test(line))) imports.push(`import type { Principal } from '@dfinity/principal';`);
    const typescript = [`/*`, ...input.header.map((l) => ` * ${l}`), ` */`, ...imports, '', ...ts].join('\n');
    const did = printDid({ header: input.header, definitions: needed, methods: funcs.map(([name, type]) => ({ name, type })) });
    return { typescript, did };
}
