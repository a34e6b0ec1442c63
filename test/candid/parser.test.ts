/**
 * The Candid type parser (src/candid): types, definitions, `.did` files and the test-suite
 * format, and their conversion to IDL objects (checked by encoding with @dfinity/candid).
 */
import { IDL } from '@dfinity/candid';

import { labelHash } from '../../src/candid/ast';
import { CandidSyntaxError, tokenize } from '../../src/candid/lexer';
import { parseDid, parseType } from '../../src/candid/parser';
import { parseSuite } from '../../src/candid/test-suite';
import { IdlConverter } from '../../src/candid/to-idl';

const convert = (source: string): IDL.Type => new IdlConverter([]).convert(parseType(source));

describe('parseType', () => {
    it('reads primitives, constructors and shorthands', () => {
        expect(parseType('nat')).toEqual({ kind: 'primitive', name: 'nat' });
        expect(parseType('blob')).toEqual({ kind: 'vec', inner: { kind: 'primitive', name: 'nat8' } });
        expect(parseType('opt vec text')).toEqual({ kind: 'opt', inner: { kind: 'vec', inner: { kind: 'primitive', name: 'text' } } });
        expect(parseType('record { a : nat; 5 : bool; "☃" : null }')).toEqual({
            kind: 'record',
            fields: [
                { label: { kind: 'name', name: 'a' }, type: { kind: 'primitive', name: 'nat' } },
                { label: { kind: 'id', id: 5 }, type: { kind: 'primitive', name: 'bool' } },
                { label: { kind: 'name', name: '☃' }, type: { kind: 'primitive', name: 'null' } }
            ]
        });
    });

    it('numbers tuple fields and reads variant tags without a type as null', () => {
        expect(parseType('record { int; bool }')).toEqual({
            kind: 'record',
            fields: [
                { label: { kind: 'position', index: 0 }, type: { kind: 'primitive', name: 'int' } },
                { label: { kind: 'position', index: 1 }, type: { kind: 'primitive', name: 'bool' } }
            ]
        });
        expect(parseType('variant { Foo; 3; Bar : text }')).toEqual({
            kind: 'variant',
            fields: [
                { label: { kind: 'name', name: 'Foo' }, type: { kind: 'primitive', name: 'null' } },
                { label: { kind: 'id', id: 3 }, type: { kind: 'primitive', name: 'null' } },
                { label: { kind: 'name', name: 'Bar' }, type: { kind: 'primitive', name: 'text' } }
            ]
        });
    });

    it('reads function and service types with annotations and named arguments', () => {
        expect(parseType('func (x : text, opt nat) -> (nat) query')).toEqual({
            kind: 'func',
            args: [
                { kind: 'primitive', name: 'text' },
                { kind: 'opt', inner: { kind: 'primitive', name: 'nat' } }
            ],
            rets: [{ kind: 'primitive', name: 'nat' }],
            annotations: ['query']
        });
        expect(parseType('service { "🐂" : (int) -> () oneway; get : F }')).toEqual({
            kind: 'service',
            methods: [
                { name: '🐂', type: { kind: 'func', args: [{ kind: 'primitive', name: 'int' }], rets: [], annotations: ['oneway'] } },
                { name: 'get', type: { kind: 'ref', name: 'F' } }
            ]
        });
    });

    it('refuses malformed types with a CandidSyntaxError that says where', () => {
        for (const bad of ['record { a : }', 'opt', 'vec nat nat', 'func (nat) (nat)', 'record { a : nat', '"unterminated']) {
            expect(() => parseType(bad)).toThrow(CandidSyntaxError);
        }
        expect(() => parseType('record { a : }')).toThrow(/offset 13/);
    });
});

describe('the lexer', () => {
    it('decodes text escapes to UTF-8 bytes and skips nested comments', () => {
        const [token] = tokenize('/* a /* nested */ comment */ "DIDL\\00\\ff\\n\\u{2603}é" // end');
        expect(token?.kind).toBe('text');
        expect(Array.from(token?.kind === 'text' ? token.bytes : [])).toEqual([0x44, 0x49, 0x44, 0x4c, 0x00, 0xff, 0x0a, 0xe2, 0x98, 0x83, 0xc3, 0xa9]);
    });
});

describe('conversion to IDL', () => {
    it('hashes field names as the spec says, so the library encodes the same ids', () => {
        expect(labelHash('foo')).toBe(5097222);
        expect(labelHash('bar')).toBe(4895187);
        const bytes = IDL.encode([convert('record { foo : int; bar : bool }')], [{ foo: 42n, bar: true }]);
        expect(Buffer.from(bytes).toString('hex')).toBe('4449444c016c02d3e3aa027e868eb7027c0100012a');
    });

    it('makes tuples of positional records and recursive types of definitions', () => {
        expect(convert('record { nat8; text }')).toBeInstanceOf(IDL.TupleClass);
        const did = parseDid('type List = opt record { head : int; tail : List }; type Alias = List; service : (nat) -> { get : () -> (Alias) query }');
        expect(did.definitions.map((d) => d.name)).toEqual(['List', 'Alias']);
        expect(did.service?.args).toEqual([{ kind: 'primitive', name: 'nat' }]);
        const converter = new IdlConverter(did.definitions);
        const list = converter.named('Alias');
        expect(converter.named('List')).toBe(list);
        const value = [{ head: 1n, tail: [{ head: 2n, tail: [] }] }];
        expect(IDL.decode([list], IDL.encode([list], [value]))).toEqual([value]);
    });

    it('refuses undefined names, duplicate fields and definitions only in terms of themselves', () => {
        expect(() => convert('Missing')).toThrow(/not defined/);
        expect(() => convert('record { a : nat; a : nat }')).toThrow(/twice/);
        expect(() => new IdlConverter(parseDid('type A = B; type B = A;').definitions).named('A')).toThrow(/itself/);
    });
});

describe('parseSuite', () => {
    it('reads the four assertion forms with binary and textual inputs', () => {
        const suite = parseSuite(`
            type T = opt T;
            assert blob "DIDL\\00\\00" : () "nullary";
            assert blob "DIDL\\00\\01\\7e\\02" !: (bool) "bool: out of range";
            assert blob "DIDL\\00\\00" == "(null)" : (T, opt nat);
            assert "(1)" != "(2)" : (nat) "differ";
        `);
        expect(suite.definitions.map((d) => d.name)).toEqual(['T']);
        expect(suite.assertions.map((a) => [a.kind, a.input.kind, a.other?.kind, a.types.length, a.description])).toEqual([
            ['decodes', 'blob', undefined, 0, 'nullary'],
            ['rejects', 'blob', undefined, 1, 'bool: out of range'],
            ['equal', 'blob', 'text', 2, ''],
            ['unequal', 'text', 'text', 1, 'differ']
        ]);
        const second = suite.assertions[1]?.input;
        expect(second?.kind === 'blob' ? Array.from(second.bytes) : []).toEqual([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x7e, 2]);
    });
});
