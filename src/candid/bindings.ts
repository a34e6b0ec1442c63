/**
 * TypeScript bindings for a `.did` file: one module with an IDL value and a TS type per named
 * type, and the service's method table, so a Candid type is written once (in the `.did`) and
 * both forms are derived from it. Also prints the `.did` subset the bindings cover.
 *
 * The emitted module imports only `@dfinity/candid` and (as a type) `@dfinity/principal`, so it
 * loads in an Azle canister bundle as well as in Node. Conventions: `opt T` is `[] | [T]`,
 * `blob` is `Uint8Array`, `nat`/`int`/64-bit integers are `bigint`, `reserved` is `null`.
 */
import { type CandidType, type Field, type FuncType, labelId, type Method, type TypeDefinition } from './ast';
import { CandidSyntaxError } from './lexer';
import { type DidFile, KEYWORDS } from './parser';

export type BindingsInput = {
    did: DidFile;
    /** The service methods to cover, in this order; their types are emitted, nothing else. */
    methods: readonly string[];
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

const isBlob = (t: CandidType): boolean => t.kind === 'vec' && t.inner.kind === 'primitive' && t.inner.name === 'nat8';
const isTuple = (fields: Field[]): boolean => fields.length > 0 && fields.every((f, i) => f.label.kind === 'position' && f.label.index === i);

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

// ---------------------------------------------------------------- Candid text

const didName = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.includes(name) ? name : JSON.stringify(name));

function didLabel(field: Field): string {
    return field.label.kind === 'name' ? didName(field.label.name) : String(labelId(field.label));
}

function didOf(t: CandidType): string {
    switch (t.kind) {
        case 'primitive':
            return t.name;
        case 'ref':
            return t.name;
        case 'opt':
            return `opt ${didOf(t.inner)}`;
        case 'vec':
            return isBlob(t) ? 'blob' : `vec ${didOf(t.inner)}`;
        case 'record':
            if (isTuple(t.fields)) return `record { ${t.fields.map((f) => `${didOf(f.type)};`).join(' ')} }`;
            return `record { ${t.fields.map((f) => `${didLabel(f)} : ${didOf(f.type)};`).join(' ')} }`;
        case 'variant':
            return `variant { ${t.fields.map((f) => (f.type.kind === 'primitive' && f.type.name === 'null' ? `${didLabel(f)};` : `${didLabel(f)} : ${didOf(f.type)};`)).join(' ')} }`;
        case 'func':
            return `(${t.args.map(didOf).join(', ')}) -> (${t.rets.map(didOf).join(', ')})${t.annotations.map((a) => ` ${a}`).join('')}`;
        case 'service':
            throw new CandidSyntaxError('bindings do not print nested services', 0);
    }
}

// ---------------------------------------------------------------- the module

export function generateBindings(input: BindingsInput): Bindings {
    const definitions = new Map(input.did.definitions.map((d) => [d.name, d.type]));
    const available = serviceMethods(input.did, definitions);
    const funcs = input.methods.map((name) => {
        const func = available.get(name);
        if (func === undefined) throw new CandidSyntaxError(`the service has no method ${name}`, 0);
        return [name, func] as const;
    });
    const needed = definitionsNeeded(
        funcs.map(([, f]) => f),
        definitions
    );

    const ts: string[] = [];
    for (const d of needed) {
        ts.push(`export const ${d.name} = ${idlOf(d.type)};`);
        ts.push(`export type ${d.name} = ${tsOf(d.type)};`);
    }
    ts.push('', '/** Each method\'s argument and result types, and whether it is a query. */');
    ts.push('export const methods = {');
    for (const [name, f] of funcs) {
        ts.push(`    ${jsKey(name)}: { args: [${f.args.map(idlOf).join(', ')}], rets: [${f.rets.map(idlOf).join(', ')}], query: ${f.annotations.includes('query')} },`);
    }
    ts.push('} as const;', '', '/** Each method\'s argument and result values, as tuples. */', 'export interface Signatures {');
    for (const [name, f] of funcs) {
        ts.push(`    ${jsKey(name)}: { args: [${f.args.map(tsOf).join(', ')}]; rets: [${f.rets.map(tsOf).join(', ')}] };`);
    }
    ts.push('}', '');
    const imports = [`import { IDL } from '@dfinity/candid';`];
    if (ts.some((line) => /\bPrincipal\b/.test(line))) imports.push(`import type { Principal } from '@dfinity/principal';`);
    const typescript = [`/*`, ...input.header.map((l) => ` * ${l}`), ` */`, ...imports, '', ...ts].join('\n');

    const did: string[] = [...input.header.map((l) => `// ${l}`), ''];
    for (const d of needed) did.push(`type ${didName(d.name)} = ${didOf(d.type)};`);
    did.push('', 'service : {');
    for (const [name, f] of funcs) did.push(`  ${didName(name)} : ${didOf(f)};`);
    did.push('};', '');
    return { typescript, did: did.join('\n') };
}
