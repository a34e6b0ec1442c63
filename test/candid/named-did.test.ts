/**
 * The `.did` with named types written from IDL objects (src/candid/from-idl.ts) and the choice of
 * the upgrader's named types (scripts/lib/upgrader-did.ts): names stand for their objects
 * wherever they occur, shared primitives never do, and the text means what the objects mean.
 */
import { IDL } from '@dfinity/candid';

import { Candid, declaredFieldOrder } from '../../canisters/upgrader/typed-idl';
import { canonicalFunc, canonicalType } from '../../src/candid/canonical';
import { namedDid, type NamedDidInput } from '../../src/candid/from-idl';
import { parseDid } from '../../src/candid/parser';
import { IdlConverter } from '../../src/candid/to-idl';
import { exportedTypes } from '../../scripts/lib/upgrader-did';

const Id = Candid.Nat64;
const Hash = Candid.Blob;
const Color = Candid.Variant({ red: Candid.Null, custom: Candid.Text });
const Item = Candid.Record({ zeta: Candid.Nat64, hash: Hash, color: Candid.Opt(Color), pair: IDL.Tuple(IDL.Nat8, Color), _7_: Candid.Bool });
const Items = Candid.Vec(Item);
const Init = Candid.Opt(Candid.Record({ fee: Candid.Nat }));
const service: IDL.ServiceClass = IDL.Service({
    get: IDL.Func([Id], [Candid.Opt(Item)], ['query']),
    put: IDL.Func([Item, Hash], [Items], []),
    clear: IDL.Func([], [], [])
});

const input = (types: NamedDidInput['types'], width = Infinity): NamedDidInput => ({
    types,
    anonymous: new Set(Object.values(Candid as Record<string, unknown>).filter((v): v is IDL.Type => v instanceof IDL.Type)),
    service,
    init: [Init],
    fieldOrder: declaredFieldOrder,
    header: ['test header'],
    width
});

const TYPES: NamedDidInput['types'] = [
    ['Id', Id],
    ['Hash', Hash],
    ['Color', Color],
    ['Item', Item],
    ['Items', Items],
    ['Init', Init],
    ['ItemAlias', Item]
];

describe('namedDid', () => {
    const text = namedDid(input(TYPES));

    it('defines each name once, in the given order, and uses it wherever its object occurs', () => {
        expect(text.split('\n')).toEqual([
            '// test header',
            '',
            'type Id = nat64;',
            'type Hash = blob;',
            'type Color = variant { red; custom : text; };',
            // Declared field order; a shared primitive (Id's nat64, Hash's blob) is never replaced by a name.
            'type Item = record { zeta : nat64; hash : blob; color : opt Color; pair : record { nat8; Color; }; 7 : bool; };',
            'type Items = vec Item;',
            'type Init = opt record { fee : nat; };',
            'type ItemAlias = Item;',
            '',
            'service : (Init) -> {',
            '  clear : () -> ();',
            '  get : (nat64) -> (opt Item) query;',
            '  put : (Item, blob) -> (Items);',
            '};',
            ''
        ]);
    });

    it('means what the IDL objects mean', () => {
        const did = parseDid(text);
        const converter = new IdlConverter(did.definitions);
        const printed = converter.convert(did.service?.type ?? { kind: 'service', methods: [] }) as IDL.ServiceClass;
        expect(printed._fields.map(([name, f]) => `${name}: ${canonicalFunc(f)}`)).toEqual(service._fields.map(([name, f]) => `${name}: ${canonicalFunc(f)}`));
        expect(did.service?.args.map((t) => canonicalType(converter.convert(t)))).toEqual([canonicalType(Init)]);
        expect(canonicalType(converter.named('Item'))).toBe(canonicalType(Item));
    });

    it('breaks records and variants past the width into one field per line', () => {
        const lines = namedDid(input(TYPES, 40)).split('\n');
        const start = lines.indexOf('type Item = record {');
        expect(lines.slice(start, start + 7)).toEqual(['type Item = record {', '  zeta : nat64;', '  hash : blob;', '  color : opt Color;', '  pair : record { nat8; Color; };', '  7 : bool;', '};']);
        expect(lines).toContain('type Items = vec Item;');
    });

    it('writes a type no name was given in full, and refuses a name given twice or a recursive type without a name', () => {
        expect(namedDid(input([['Id', Id]]))).toContain('  put : (record { zeta : nat64; hash : blob; color : opt variant { red; custom : text; }; pair : record { nat8; variant { red; custom : text; }; }; 7 : bool; }, blob) -> (vec record {');
        expect(() => namedDid(input([['Id', Id], ['Id', Hash]]))).toThrow('type Id is named twice');
        const List = IDL.Rec();
        List.fill(IDL.Opt(IDL.Record({ head: IDL.Nat, tail: List })));
        const recursive = { ...input([]), service: IDL.Service({ f: IDL.Func([List], [], []) }) };
        expect(() => namedDid(recursive)).toThrow('a recursive type has no name');
        expect(namedDid({ ...recursive, types: [['List', List]] })).toContain('type List = opt record { head : nat; tail : List; };');
    });
});

describe("the upgrader's named types", () => {
    it('are the exported IDL values, in the order the source declares them, the rest by name', () => {
        const module = { Later: IDL.Text, helper: (): number => 1, First: IDL.Nat, Second: IDL.Bool, Undeclared: IDL.Int, constant: 'x' };
        const source = 'export const First = 1;\nexport const Second = 2;\n  export const NotAtLineStart = 3;\nexport const Later = 4;\n';
        expect(exportedTypes(module, source).map(([name]) => name)).toEqual(['First', 'Second', 'Later', 'Undeclared']);
    });
});
