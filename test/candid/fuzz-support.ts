/**
 * Differential fuzzing of the upgrader's Candid codec against @dfinity/candid (fast-check):
 * (Over 400 lines on purpose: the generators, the properties and the library's known departures
 * belong together; each departure is read next to the property it excuses.)
 * random Candid types (src/candid/ast.ts), values of them, pairs of related types, and mutated
 * wire bytes. Shared by test/upgrader/candid-fuzz.test.ts (a few thousand cases) and
 * bench/candid-fuzz.ts (10^5). A property returns normally when codec and library agree, or when
 * they differ exactly where the library departs from the Candid spec (see `libraryDeparture`);
 * any other divergence, and any error of the codec other than CandidDecodeError, throws.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import fc from 'fast-check';

import { decodeMessage, encodeMessage } from '../../canisters/upgrader/candid-codec';
import { readHeader } from '../../canisters/upgrader/candid/header';
import { Reader } from '../../canisters/upgrader/candid/reader';
import { minimumBytes } from '../../canisters/upgrader/candid/skips';
import type { CandidType, Field, PrimitiveName, TypeDefinition } from '../../src/candid/ast';
import { IdlConverter } from '../../src/candid/to-idl';
import { plain } from './suite-support';

const NUMBERS: PrimitiveName[] = ['nat', 'int', 'nat8', 'nat16', 'nat32', 'nat64', 'int8', 'int16', 'int32', 'int64', 'float32', 'float64'];
const LEAVES: PrimitiveName[] = ['null', 'bool', 'text', 'principal', 'reserved', ...NUMBERS];
const LABELS = ['a', 'b', 'c', 'd', 'e', 'f'];

/** Recursive types the random ones may refer to. */
const DEFINITIONS: TypeDefinition[] = [
    { name: 'List', type: { kind: 'opt', inner: { kind: 'record', fields: [field('head', prim('int')), field('tail', { kind: 'ref', name: 'List' })] } } },
    {
        name: 'Tree',
        type: {
            kind: 'variant',
            fields: [
                field('leaf', prim('text')),
                field('node', { kind: 'record', fields: [{ label: { kind: 'position', index: 0 }, type: { kind: 'ref', name: 'Tree' } }, { label: { kind: 'position', index: 1 }, type: { kind: 'ref', name: 'Tree' } }] })
            ]
        }
    }
];

function prim(name: PrimitiveName): CandidType {
    return { kind: 'primitive', name };
}

function field(name: string, type: CandidType): Field {
    return { label: { kind: 'name', name }, type };
}

const converter = new IdlConverter(DEFINITIONS);
const converted = new Map<string, IDL.Type>();

/** The IDL type of a random type (kept per shape, so that both decoders' caches see repeats). */
function toIdl(t: CandidType): IDL.Type {
    const key = JSON.stringify(t);
    let type = converted.get(key);
    if (type === undefined) {
        if (converted.size >= 10_000) converted.clear();
        type = converter.convert(t);
        converted.set(key, type);
    }
    return type;
}

/** Random Candid types: every primitive, nested opt/vec/record/tuple/variant, recursion, references. */
const typeArb: fc.Arbitrary<CandidType> = fc.letrec<{ type: CandidType }>((tie) => ({
    type: fc.oneof(
        { maxDepth: 3, depthIdentifier: 'type', withCrossShrink: true },
        fc.constantFrom(...LEAVES).map(prim),
        fc.constantFrom<CandidType>({ kind: 'opt', inner: prim('empty') }, { kind: 'ref', name: 'List' }, { kind: 'ref', name: 'Tree' }, { kind: 'service', methods: [] }, { kind: 'func', args: [prim('text')], rets: [prim('nat')], annotations: ['query'] }),
        tie('type').map((inner): CandidType => ({ kind: 'opt', inner })),
        tie('type').map((inner): CandidType => ({ kind: 'vec', inner })),
        fc.uniqueArray(fc.tuple(fc.constantFrom(...LABELS), tie('type')), { maxLength: 4, selector: ([l]) => l }).map((fs): CandidType => ({ kind: 'record', fields: fs.map(([l, t]) => field(l, t)) })),
        fc.array(tie('type'), { minLength: 1, maxLength: 3 }).map((ts): CandidType => ({ kind: 'record', fields: ts.map((type, index) => ({ label: { kind: 'position', index }, type })) })),
        fc
            .uniqueArray(fc.tuple(fc.constantFrom(...LABELS), tie('type')), { minLength: 1, maxLength: 4, selector: ([l]) => l })
            .chain((fs) => fc.boolean().map((withEmpty): CandidType => ({ kind: 'variant', fields: [...fs.map(([l, t]) => field(l, t)), ...(withEmpty && !fs.some(([l]) => l === 'z') ? [field('z', prim('empty'))] : [])] })))
    )
})).type;

const FIXED_BITS: Partial<Record<PrimitiveName, [bits: number, signed: boolean]>> = { nat8: [8, false], nat16: [16, false], nat32: [32, false], int8: [8, true], int16: [16, true], int32: [32, true] };

function primitiveValue(name: PrimitiveName): fc.Arbitrary<unknown> {
    const fixed = FIXED_BITS[name];
    if (fixed !== undefined) {
        const [bits, signed] = fixed;
        return signed ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 }) : fc.integer({ min: 0, max: 2 ** bits - 1 });
    }
    switch (name) {
        case 'null':
        case 'reserved':
            return fc.constant(null);
        case 'bool':
            return fc.boolean();
        case 'nat':
            return fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: 2n ** 100n }));
        case 'int':
            return fc.oneof(fc.bigInt({ min: -300n, max: 300n }), fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }));
        case 'nat64':
            return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
        case 'int64':
            return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
        case 'float32':
            return fc.float();
        case 'float64':
            return fc.double();
        case 'text':
            return fc.string({ unit: 'grapheme', maxLength: 6 });
        case 'principal':
            return fc.uint8Array({ maxLength: 29 }).map((b) => Principal.fromUint8Array(b));
        default:
            throw new Error(`no values of ${name}`);
    }
}

const TYPED: Partial<Record<PrimitiveName, (xs: never[]) => unknown>> = {
    nat8: (xs) => Uint8Array.from(xs),
    int8: (xs) => Int8Array.from(xs),
    nat16: (xs) => Uint16Array.from(xs),
    int16: (xs) => Int16Array.from(xs),
    nat32: (xs) => Uint32Array.from(xs),
    int32: (xs) => Int32Array.from(xs),
    nat64: (xs) => BigUint64Array.from(xs),
    int64: (xs) => BigInt64Array.from(xs)
};

/** Random values of a type, as @dfinity/candid represents them (vectors of fixed-width numbers as typed arrays). */
function valueArb(type: CandidType, depth = 0): fc.Arbitrary<unknown> {
    switch (type.kind) {
        case 'primitive':
            return primitiveValue(type.name);
        case 'ref': {
            const body = DEFINITIONS.find((d) => d.name === type.name)?.type as CandidType;
            if (depth > 3) return type.name === 'List' ? fc.constant([]) : primitiveValue('text').map((leaf) => ({ leaf }));
            return valueArb(body, depth + 1);
        }
        case 'opt':
            return type.inner.kind === 'primitive' && type.inner.name === 'empty' ? fc.constant([]) : fc.option(valueArb(type.inner, depth + 1), { nil: undefined }).map((v) => (v === undefined ? [] : [v]));
        case 'vec': {
            const typed = type.inner.kind === 'primitive' ? TYPED[type.inner.name] : undefined;
            const items = fc.array(valueArb(type.inner, depth + 1), { maxLength: depth > 2 ? 0 : 4 });
            return typed === undefined ? items : items.map((xs) => typed(xs as never[]));
        }
        case 'record': {
            const values = type.fields.map((f) => valueArb(f.type, depth + 1));
            if (type.fields.length > 0 && type.fields.every((f) => f.label.kind === 'position')) return fc.tuple(...values);
            return fc.tuple(...values).map((vs) => Object.fromEntries(type.fields.map((f, i) => [f.label.kind === 'name' ? f.label.name : '', vs[i]])));
        }
        case 'variant': {
            const cases = type.fields.filter((f) => !(f.type.kind === 'primitive' && f.type.name === 'empty'));
            return fc.oneof(...cases.map((f) => valueArb(f.type, depth + 1).map((v) => ({ [f.label.kind === 'name' ? f.label.name : '']: v }))));
        }
        case 'func':
            return fc.tuple(primitiveValue('principal'), fc.string({ unit: 'grapheme', maxLength: 5 }));
        case 'service':
            return primitiveValue('principal');
    }
}

/** A type related to `type`: itself, a part changed, a field added or dropped, wrapped in opt, or another type. */
function relatedArb(type: CandidType): fc.Arbitrary<CandidType> {
    const options: Array<fc.Arbitrary<CandidType>> = [fc.constant(type), fc.constant({ kind: 'opt', inner: type }), fc.constant(prim('reserved')), fc.constantFrom(...LEAVES).map(prim)];
    if (type.kind === 'opt' || type.kind === 'vec') {
        options.push(relatedArb(type.inner).map((inner): CandidType => ({ kind: type.kind, inner })));
        options.push(fc.constant<CandidType>({ kind: type.kind === 'opt' ? 'vec' : 'opt', inner: type.inner }));
    }
    if ((type.kind === 'record' || type.kind === 'variant') && type.fields.length > 0) {
        const named = !type.fields.every((f) => f.label.kind === 'position');
        options.push(
            fc.nat({ max: type.fields.length - 1 }).chain((i) => relatedArb((type.fields[i] as Field).type).map((t): CandidType => ({ kind: type.kind, fields: type.fields.map((f, j) => (j === i ? { label: f.label, type: t } : f)) })))
        );
        if (named) {
            options.push(fc.nat({ max: type.fields.length - 1 }).map((i): CandidType => ({ kind: type.kind, fields: type.fields.filter((_f, j) => j !== i) })));
            if (!type.fields.some((f) => f.label.kind === 'name' && f.label.name === 'z')) options.push(fc.constant<CandidType>({ kind: type.kind, fields: [...type.fields, field('z', { kind: 'opt', inner: prim('nat') })] }));
        }
    }
    return fc.oneof(...options);
}

function some(type: CandidType, test: (t: CandidType) => boolean, seen = new Set<string>()): boolean {
    if (test(type)) return true;
    switch (type.kind) {
        case 'opt':
        case 'vec':
            return some(type.inner, test, seen);
        case 'record':
        case 'variant':
            return type.fields.some((f) => some(f.type, test, seen));
        case 'ref': {
            if (seen.has(type.name)) return false;
            seen.add(type.name);
            const body = DEFINITIONS.find((d) => d.name === type.name)?.type;
            return body !== undefined && some(body, test, seen);
        }
        default:
            return false;
    }
}

const isPrim = (t: CandidType, ...names: PrimitiveName[]): boolean => t.kind === 'primitive' && names.includes(t.name);
const hasWideVector = (type: CandidType): boolean => some(type, (t) => t.kind === 'vec' && isPrim(t.inner, 'nat16', 'nat32', 'nat64', 'int16', 'int32', 'int64'));
const isTuple = (t: CandidType): boolean => t.kind === 'record' && t.fields.length > 0 && t.fields.every((f) => f.label.kind === 'position');

/**
 * Where @dfinity/candid 3.4 departs from the Candid spec when a value of `wire` is decoded at
 * `expected`, the rule it breaks (undefined: the two must agree). `wire` undefined: unknown (a
 * mutated header), so any departure the expected type allows counts. Each departure is also
 * pinned by a deterministic test in candid-fuzz.test.ts.
 */
function libraryDeparture(wire: CandidType | undefined, expected: CandidType): string | undefined {
    const differs = wire === undefined || JSON.stringify(wire) !== JSON.stringify(expected);
    // Spec "Primitive Types": nat <: int. The library requires int on the wire.
    if ((wire === undefined || some(wire, (t) => isPrim(t, 'nat'))) && some(expected, (t) => isPrim(t, 'int'))) return 'nat <: int';
    // Spec "Primitive Types": service <: principal. The library requires principal on the wire.
    if ((wire === undefined || some(wire, (t) => t.kind === 'service')) && some(expected, (t) => isPrim(t, 'principal'))) return 'service <: principal';
    // Spec "Coercion / Records": an absent field whose type accepts null reads as null. The
    // library refuses an absent null field and reads an absent reserved field as [].
    if (some(expected, (t) => (t.kind === 'record' || t.kind === 'variant') && t.fields.some((f) => isPrim(f.type, 'null', 'reserved')))) return 'absent null or reserved field';
    // Spec "Coercion / Options": `not (null <: <t>)` is about the wire type; the library tests
    // the expected content instead, so `opt opt T`, `opt null`, `opt reserved` read a plain value as null.
    if (some(expected, (t) => t.kind === 'opt' && (isPrim(t.inner, 'null', 'reserved') || t.inner.kind === 'opt' || (t.inner.kind === 'ref' && t.inner.name === 'List')))) return 'opt rule on the wire type';
    // Spec "Coercion / Records": fields match by id. The library reads a tuple only from a wire
    // tuple, by position.
    if (some(expected, isTuple) && differs) return 'tuples match fields by id';
    // The library reads vectors of wide fixed-width numbers as typed-array views of the message
    // at any offset (idl.js VecClass.decodeValue): it throws on unaligned ones, or returns the
    // whole buffer for nat64. Its reading of these vectors is not an oracle.
    if (hasWideVector(expected)) return 'unaligned typed-array views';
    // Spec "Coercion / Vectors": elements coerce pointwise. The library reads any wire vector
    // at `vec nat8` or `vec int8` as raw bytes, without looking at the wire element type.
    if (some(expected, (t) => t.kind === 'vec' && isPrim(t.inner, 'nat8', 'int8')) && differs) return 'byte vectors read without checking the wire element type';
    return undefined;
}

/** Library errors on mutated bytes where the library, not the codec, departs from the spec. */
const LIBRARY_REJECTS_VALID: Array<[RegExp, string]> = [
    [/Wrong number of return values/, 'spec "Tuple types": missing opt/null/reserved arguments read as null'],
    [/future value not supported|Illegal op_code: -(2[5-9]|[3-9]\d|\d{3,})/, 'spec "Deserialisation of future types"'],
    [/type on the wire nat, expect type int/, 'spec: nat <: int'],
    [/Cannot find required field|not a tuple type|tuple mismatch/, 'spec "Coercion / Records": fields by id, absent null fields'],
    [/offset|should be a multiple|Invalid typed array length|out of bounds/, 'library reads unaligned typed-array views']
];
/** Codec rejections of messages the library accepts, where the spec (or the IC) is with the codec. */
const CODEC_REJECTS_INVALID: Array<[RegExp, string]> = [
    [/a principal of \d+ bytes/, 'IC interface spec: a principal is at most 29 bytes'],
    [/service methods are not in increasing name order|not valid UTF-8/, 'spec "Types": service methods sorted by name, names are text'],
    [/too-costly/, 'spec "Deserialisation": self-metering (the library has no bound)'],
    [/opt tag|bool byte/, 'spec "Memory": opt tag and bool are 0 or 1'],
    // idl.js reads a blob or typed-array vector with Pipe.read, which returns fewer bytes at the end of the message;
    // a length past 2^53 (the codec's "LEB128 number too large") cannot fit any message either, and the
    // library reads what is left of the message as that blob (fuzzing seed 880835176 found one).
    [/is longer than the message|unexpected end of the message|LEB128 number too large/, 'spec "Memory": a vector of N values has N values']
];

type Outcome = { ok: true; value: string } | { ok: false; error: string };

function attempt(decode: () => unknown[]): Outcome {
    try {
        return { ok: true, value: JSON.stringify(plain(decode())) };
    } catch (error) {
        return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
}

function codec(types: IDL.Type[], bytes: Uint8Array): Outcome {
    const out = attempt(() => decodeMessage(types, bytes));
    if (!out.ok && !out.error.startsWith('CandidDecodeError')) throw new Error(`the codec threw something other than CandidDecodeError: ${out.error}`);
    return out;
}

function library(types: IDL.Type[], bytes: Uint8Array): Outcome {
    return attempt(() => IDL.decode(types, bytes.slice()) as unknown[]);
}

/** Encode with both, decode with both: all four decodings give back the value. */
function roundTrip(type: CandidType, value: unknown): void {
    const t = [toIdl(type)];
    const expected = JSON.stringify(plain([value]));
    const fromLibrary = new Uint8Array(IDL.encode(t, [value]));
    const fromCodec = encodeMessage(t, [value]);
    const readers: Array<[string, (b: Uint8Array) => Outcome]> = [['codec', (b) => codec(t, b)]];
    if (!hasWideVector(type)) readers.push(['library', (b) => library(t, b)]);
    for (const [writer, bytes] of [['library', fromLibrary], ['codec', fromCodec]] as const) {
        for (const [reader, read] of readers) {
            const out = read(bytes);
            if (!out.ok || out.value !== expected) throw new Error(`${reader} reading what ${writer} wrote: ${out.ok ? out.value : out.error}, expected ${expected}`);
        }
    }
}

/** A value of `wire` decoded at `expected` by both: same acceptance, same value, except at a departure of the library. */
function coercion(wire: CandidType, expected: CandidType, value: unknown): string | undefined {
    const bytes = new Uint8Array(IDL.encode([toIdl(wire)], [value]));
    const t = [toIdl(expected)];
    const mine = codec(t, bytes);
    const departure = libraryDeparture(wire, expected);
    if (departure !== undefined) return departure;
    const theirs = library(t, bytes);
    if (mine.ok !== theirs.ok || (mine.ok && theirs.ok && mine.value !== theirs.value)) {
        throw new Error(`codec and library differ: codec ${JSON.stringify(mine)}, library ${JSON.stringify(theirs)}`);
    }
    return undefined;
}

export type Mutation = { kind: 'truncate' | 'flip' | 'set' | 'insert' | 'append' | 'huge-length'; at: number; byte: number };

const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(
    fc.record({ kind: fc.constantFrom<Mutation['kind']>('truncate', 'flip', 'set', 'insert', 'append', 'huge-length'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    { minLength: 1, maxLength: 3 }
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
    let out = Array.from(bytes);
    for (const m of mutations) {
        const at = out.length === 0 ? 0 : m.at % out.length;
        if (m.kind === 'truncate') out = out.slice(0, at);
        else if (m.kind === 'flip') out[at] = ((out[at] ?? 0) ^ (1 << (m.byte % 8))) & 0xff;
        else if (m.kind === 'set') out[at] = m.byte;
        else if (m.kind === 'insert') out.splice(at, 0, m.byte);
        else if (m.kind === 'append') out.push(m.byte, 0x7f, m.byte);
        // 10^9 as LEB128, where a length might be.
        else out.splice(at, 1, 0x80, 0x94, 0xeb, 0xdc, 0x03);
    }
    return Uint8Array.from(out);
}

/** Whether any offset of `bytes` starts a LEB128 number over 10^6 (what the library would loop over). */
function declaresHugeLength(bytes: Uint8Array): boolean {
    for (let start = 0; start < bytes.length; start++) {
        let value = 0;
        let scale = 1;
        for (let i = start; i < bytes.length && i < start + 5; i++) {
            const byte = bytes[i] ?? 0;
            value += (byte & 0x7f) * scale;
            scale *= 128;
            if (byte < 0x80) break;
        }
        if (value > 1_000_000) return true;
    }
    return false;
}

/**
 * Whether the library could loop over a huge vector of this message without reading bytes: its
 * type table has a vector of zero-sized values and its values declare a length over 10^6 (an
 * unreadable header counts when any offset does).
 */
function mayBombLibrary(bytes: Uint8Array): boolean {
    let header: ReturnType<typeof readHeader>;
    try {
        header = readHeader(new Reader(bytes));
    } catch {
        return declaresHugeLength(bytes);
    }
    const zeroSized = header.table.some((entry) => entry.kind === 'vec' && minimumBytes(entry.inner, header.table) === 0);
    return zeroSized && declaresHugeLength(bytes.subarray(header.end));
}

/** Mutated bytes of a value decoded by both at its type: same acceptance and value, or a listed departure. */
function mutated(type: CandidType, value: unknown, mutations: Mutation[]): string | undefined {
    const t = [toIdl(type)];
    const bytes = mutate(new Uint8Array(IDL.encode(t, [value])), mutations);
    const mine = codec(t, bytes);
    if (!mine.ok) {
        const rule = CODEC_REJECTS_INVALID.find(([re]) => re.test(mine.error));
        // A message the codec refuses as too costly is a space bomb: the library is not run on it.
        if (rule !== undefined && /too-costly/.test(mine.error)) return rule[1];
        // Nor on one the codec refused for another reason that could still make the library loop:
        // a vector of zero-sized values with a huge length (a mutated LEB128 made it build 169
        // million values once, and V8 died). The codec's own vectors are bounded before anything
        // is allocated.
        if (mayBombLibrary(bytes)) return 'library not run: a refused message with a zero-sized vector type and a length over 10^6 (a possible space bomb for it)';
    }
    const theirs = library(t, bytes);
    if (mine.ok === theirs.ok) {
        if (mine.ok && theirs.ok && mine.value !== theirs.value) {
            const departure = libraryDeparture(undefined, type);
            if (departure !== undefined) return departure;
            throw new Error(`codec and library read different values: ${mine.value} vs ${theirs.value}`);
        }
        return undefined;
    }
    if (mine.ok && !theirs.ok) {
        const rule = LIBRARY_REJECTS_VALID.find(([re]) => re.test(theirs.error));
        if (rule !== undefined) return rule[1];
        const departure = libraryDeparture(undefined, type);
        if (departure !== undefined) return departure;
        throw new Error(`the codec accepts what the library rejects (${theirs.error}): ${mine.ok ? mine.value : ''}`);
    }
    const rule = CODEC_REJECTS_INVALID.find(([re]) => re.test((mine as { error: string }).error));
    if (rule !== undefined) return rule[1];
    // A mismatch, or bytes left over because the library read a vector at the expected element
    // type instead of the wire's (seed 881367303: wire vec nat8 read as vec nat16), is where the
    // library departs from the spec, if the expected type allows one of its departures.
    const departure = /mismatch|left over/.test((mine as { error: string }).error) ? libraryDeparture(undefined, type) : undefined;
    if (departure !== undefined) return departure;
    throw new Error(`the codec rejects what the library accepts: ${(mine as { error: string }).error}; library read ${(theirs as { value: string }).value}`);
}

/** The three properties, each tallying the library departures it met (by rule). */
export function fuzzProperties(tally: Map<string, number>): Array<[string, fc.IPropertyWithHooks<never>]> {
    const count = (reason: string | undefined): void => {
        if (reason !== undefined) tally.set(reason, (tally.get(reason) ?? 0) + 1);
    };
    const typed = typeArb.chain((t) => fc.tuple(fc.constant(t), valueArb(t)));
    return [
        ['round trip', fc.property(typed, ([t, v]) => roundTrip(t, v)) as never],
        ['decoding at a related type', fc.property(typeArb.chain((t) => fc.tuple(fc.constant(t), valueArb(t), relatedArb(t))), ([t, v, e]) => count(coercion(t, e, v))) as never],
        ['mutated bytes', fc.property(typeArb.chain((t) => fc.tuple(fc.constant(t), valueArb(t), mutationArb)), ([t, v, m]) => count(mutated(t, v, m))) as never]
    ];
}
