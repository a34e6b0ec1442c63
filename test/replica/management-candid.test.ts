import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { canonicalFunc, canonicalType } from '../../src/candid/canonical.js';
import { parseDid } from '../../src/candid/parser.js';
import { IdlConverter } from '../../src/candid/to-idl.js';
import {
    CanisterInstallMode,
    CanisterSettings,
    CanisterStatusResult,
    ChangeDetails,
    DefiniteCanisterSettings,
    ManagementDecodeError,
    decodeManagementArgs,
    decodeManagementResult,
    encodeManagementArgs,
    encodeManagementResult,
    isManagementMethod,
    managementIdlFactory,
    managementMethodNames,
    managementMethods,
    managementService
} from '../../src/replica/management/candid.js';
import type {
    CanisterSettings as CanisterSettingsValue,
    ManagementMethod,
    ManagementResult
} from '../../src/replica/management/candid.js';

import { canister, user, bytes, hash, emptySettings, samples } from './management-candid-samples.js';

function roundTripArgs<M extends ManagementMethod>(method: M): void {
    const value = samples[method].args;
    const encoded = encodeManagementArgs(method, value);
    expect(decodeManagementArgs(method, encoded)).toEqual(value);
}

function roundTripResult<M extends ManagementMethod>(method: M): void {
    const value = samples[method].result;
    const encoded = encodeManagementResult(method, value);
    expect(decodeManagementResult(method, encoded)).toEqual(value);
}

const funcOf = (method: string): IDL.FuncClass => {
    const found = managementService._fields.find(([name]) => name === method);
    if (!found) throw new Error(`service lacks ${method}`);
    return found[1];
};

describe('management canister Candid: round trips', () => {
    it('declares exactly the methods the replica serves', () => {
        expect([...managementMethodNames].sort()).toEqual(
            [
                'create_canister',
                'update_settings',
                'upload_chunk',
                'clear_chunk_store',
                'stored_chunks',
                'install_code',
                'install_chunked_code',
                'uninstall_code',
                'start_canister',
                'stop_canister',
                'canister_status',
                'canister_info',
                'delete_canister',
                'deposit_cycles',
                'raw_rand',
                'provisional_create_canister_with_cycles',
                'provisional_top_up_canister',
                'take_canister_snapshot',
                'load_canister_snapshot',
                'list_canister_snapshots',
                'delete_canister_snapshot',
                'read_canister_snapshot_metadata',
                'read_canister_snapshot_data',
                'upload_canister_snapshot_metadata',
                'upload_canister_snapshot_data',
                'fetch_canister_logs'
            ].sort()
        );
        expect(isManagementMethod('install_code')).toBe(true);
        expect(isManagementMethod('http_request')).toBe(false);
        expect(isManagementMethod('toString')).toBe(false);
    });

    it.each(managementMethodNames.map((m) => [m]))('%s: argument and result survive encode/decode', (method) => {
        roundTripArgs(method);
        roundTripResult(method);
    });

    it('encodes exactly what the service from managementIdlFactory describes', () => {
        const args = encodeManagementArgs('install_code', samples.install_code.args);
        const func = funcOf('install_code');
        expect(IDL.decode(func.argTypes, args)).toEqual([samples.install_code.args]);
        const reply = encodeManagementResult('canister_status', samples.canister_status.result);
        expect(IDL.decode(funcOf('canister_status').retTypes, reply)).toEqual([samples.canister_status.result]);
    });

    it('encodes () results and arguments as an empty Candid sequence', () => {
        const empty = IDL.encode([], []);
        expect(encodeManagementResult('install_code', undefined)).toEqual(empty);
        expect(encodeManagementArgs('raw_rand', undefined)).toEqual(empty);
        expect(decodeManagementResult('stop_canister', empty)).toBeUndefined();
        expect(decodeManagementArgs('raw_rand', empty)).toBeUndefined();
        // an empty payload is tolerated for an argument-less method
        expect(decodeManagementArgs('raw_rand', new Uint8Array())).toBeUndefined();
    });

    it('refuses to encode a value that does not fit the type', () => {
        const broken = { canister_id: canister } as unknown as ManagementResult<'create_canister'>;
        expect(() => encodeManagementResult('canister_status', broken as never)).toThrow(
            /Cannot encode result of canister_status/
        );
    });
});

describe('management canister Candid: decoding what real callers send', () => {
    // canister_settings before wasm_memory_threshold and environment_variables (and log_visibility / wasm_memory_limit)
    const OldSettings = IDL.Record({
        controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
        compute_allocation: IDL.Opt(IDL.Nat),
        memory_allocation: IDL.Opt(IDL.Nat),
        freezing_threshold: IDL.Opt(IDL.Nat)
    });
    const oldSettings = {
        controllers: [[user]],
        compute_allocation: [],
        memory_allocation: [4096n],
        freezing_threshold: [100n]
    };
    const expectedSettings: CanisterSettingsValue = {
        ...emptySettings,
        controllers: [[user]],
        memory_allocation: [4096n],
        freezing_threshold: [100n]
    };

    it('accepts canister_settings without the newer fields (create_canister, update_settings)', () => {
        const OldCreate = IDL.Record({ settings: IDL.Opt(OldSettings) });
        const created = decodeManagementArgs('create_canister', IDL.encode([OldCreate], [{ settings: [oldSettings] }]));
        expect(created).toEqual({ settings: [expectedSettings], sender_canister_version: [] });

        const OldUpdate = IDL.Record({ canister_id: IDL.Principal, settings: OldSettings });
        const updated = decodeManagementArgs(
            'update_settings',
            IDL.encode([OldUpdate], [{ canister_id: canister, settings: oldSettings }])
        );
        expect(updated.settings.wasm_memory_threshold).toEqual([]);
        expect(updated.settings.environment_variables).toEqual([]);
        expect(updated).toEqual({ canister_id: canister, settings: expectedSettings, sender_canister_version: [] });
    });

    it('accepts the pre-persistence upgrade options and an argument without sender_canister_version', () => {
        const OldMode = IDL.Variant({
            install: IDL.Null,
            reinstall: IDL.Null,
            upgrade: IDL.Opt(IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool) }))
        });
        const OldInstall = IDL.Record({
            mode: OldMode,
            canister_id: IDL.Principal,
            wasm_module: IDL.Vec(IDL.Nat8),
            arg: IDL.Vec(IDL.Nat8)
        });
        const decoded = decodeManagementArgs(
            'install_code',
            IDL.encode(
                [OldInstall],
                [{ mode: { upgrade: [{ skip_pre_upgrade: [true] }] }, canister_id: canister, wasm_module: bytes(1), arg: bytes() }]
            )
        );
        expect(decoded).toEqual({
            mode: { upgrade: [{ skip_pre_upgrade: [true], wasm_memory_persistence: [] }] },
            canister_id: canister,
            wasm_module: bytes(1),
            arg: bytes(),
            sender_canister_version: []
        });
    });

    it('ignores fields it does not know (a newer caller)', () => {
        const NewerTake = IDL.Record({
            canister_id: IDL.Principal,
            replace_snapshot: IDL.Opt(IDL.Vec(IDL.Nat8)),
            uninstall_code: IDL.Opt(IDL.Bool),
            sender_canister_version: IDL.Opt(IDL.Nat64)
        });
        const decoded = decodeManagementArgs(
            'take_canister_snapshot',
            IDL.encode(
                [NewerTake],
                [{ canister_id: canister, replace_snapshot: [], uninstall_code: [true], sender_canister_version: [2n] }]
            )
        );
        expect(decoded).toEqual({ canister_id: canister, replace_snapshot: [] });
    });

    it('produces a canister_status reply that an older client type still decodes', () => {
        const OldStatus = IDL.Record({
            status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
            settings: IDL.Record({ controllers: IDL.Vec(IDL.Principal), freezing_threshold: IDL.Nat }),
            module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
            memory_size: IDL.Nat,
            cycles: IDL.Nat
        });
        const reply = encodeManagementResult('canister_status', samples.canister_status.result);
        expect(IDL.decode([OldStatus], reply)).toEqual([
            {
                status: { stopping: null },
                settings: { controllers: [user], freezing_threshold: 2_592_000n },
                module_hash: [hash(3)],
                memory_size: 1_000_000n,
                cycles: 100_000_000_000_000n
            }
        ]);
    });

    it('throws ManagementDecodeError on malformed Candid', () => {
        const cases: Array<[ManagementMethod, Uint8Array]> = [
            ['install_code', bytes(1, 2, 3)],
            ['install_code', new Uint8Array()],
            ['canister_status', new TextEncoder().encode('DIDL')],
            // well-formed Candid of the wrong type
            ['start_canister', IDL.encode([IDL.Text], ['hello'])],
            // a record lacking a required field
            ['upload_chunk', IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: canister }])],
            // nothing where a record is expected
            ['create_canister', IDL.encode([], [])]
        ];
        for (const [method, payload] of cases) {
            let caught: unknown;
            try {
                decodeManagementArgs(method, payload);
            } catch (error) {
                caught = error;
            }
            expect(caught).toBeInstanceOf(ManagementDecodeError);
            const error = caught as ManagementDecodeError;
            expect(error.message).toMatch(/^Error decoding candid: \S/);
            expect(error.method).toBe(method);
        }
    });

    it('rejects unknown method names', () => {
        expect(() => decodeManagementArgs('http_request' as ManagementMethod, bytes())).toThrow(
            /Unknown management canister method/
        );
    });
});

// ---------------------------------------------------------------------------
// management.did versus the IDL declarations (both generated from ic-management's ic.did)
// ---------------------------------------------------------------------------

describe('management.did matches managementIdlFactory', () => {
    const did = parseDid(readFileSync(new URL('../../src/replica/management/management.did', import.meta.url), 'utf8'));
    const converter = new IdlConverter(did.definitions);
    const fromDid = converter.convert(did.service?.type ?? { kind: 'service', methods: [] });
    const didService = (fromDid instanceof IDL.RecClass ? fromDid.getType() : fromDid) as IDL.ServiceClass;
    const service = managementIdlFactory({ IDL });

    it('declares the same methods', () => {
        expect(didService._fields.map(([name]) => name).sort()).toEqual(service._fields.map(([name]) => name).sort());
        expect(didService._fields.map(([name]) => name).sort()).toEqual([...managementMethodNames].sort());
    });

    it.each(managementMethodNames.map((m) => [m]))('%s has the same signature in both', (method) => {
        const declared = didService._fields.find(([name]) => name === method)?.[1];
        const fromFactory = service._fields.find(([name]) => name === method)?.[1];
        expect(declared).toBeDefined();
        expect(fromFactory).toBeDefined();
        if (declared === undefined || fromFactory === undefined) return;
        expect(canonicalFunc(fromFactory)).toBe(canonicalFunc(declared));
        expect(fromFactory.annotations).toEqual(managementMethods[method].mode === 'query' ? ['query'] : []);
    });

    it('names the shared types as the TypeScript declarations do', () => {
        const pairs: Array<[string, IDL.Type]> = [
            ['canister_settings', CanisterSettings],
            ['definite_canister_settings', DefiniteCanisterSettings],
            ['canister_install_mode', CanisterInstallMode],
            ['change_details', ChangeDetails],
            ['canister_status_result', CanisterStatusResult]
        ];
        for (const [name, type] of pairs) {
            expect(`${name} = ${canonicalType(type)}`).toBe(`${name} = ${canonicalType(converter.named(name))}`);
        }
    });

    it('is a valid service for an actor interface factory', () => {
        expect(service.display()).toBe(managementService.display());
        expect(funcOf('fetch_canister_logs').annotations).toEqual(['query']);
        expect(funcOf('raw_rand').argTypes).toEqual([]);
        expect(funcOf('install_code').retTypes).toEqual([]);
    });
});

describe('management canister Candid: fields that must be there (ic.did 0.45)', () => {
    const fieldsOf = (type: IDL.Type): string[] => {
        if (!(type instanceof IDL.RecordClass) && !(type instanceof IDL.VariantClass)) {
            throw new Error(`${type.display()} has no fields`);
        }
        return type._fields.map(([name]) => name).sort();
    };
    const sorted = (...names: string[]): string[] => names.sort();
    /** The type of one field of a record or variant (ic.did writes these inline). */
    const fieldType = (type: IDL.Type, name: string): IDL.Type => {
        const inner = type instanceof IDL.OptClass ? type._type : type;
        if (!(inner instanceof IDL.RecordClass) && !(inner instanceof IDL.VariantClass)) throw new Error(`${type.display()} has no fields`);
        const found = inner._fields.find(([field]) => field === name)?.[1];
        if (found === undefined) throw new Error(`${type.display()} has no field ${name}`);
        return found instanceof IDL.OptClass ? found._type : found;
    };
    const UpgradeOptions = fieldType(CanisterInstallMode, 'upgrade');
    const MemoryMetrics = fieldType(CanisterStatusResult, 'memory_metrics');
    const QueryStats = fieldType(CanisterStatusResult, 'query_stats');

    it('canister_settings and definite_canister_settings', () => {
        const names = sorted(
            'controllers',
            'compute_allocation',
            'memory_allocation',
            'freezing_threshold',
            'reserved_cycles_limit',
            'log_visibility',
            'wasm_memory_limit',
            'wasm_memory_threshold',
            'environment_variables'
        );
        expect(fieldsOf(CanisterSettings)).toEqual(names);
        expect(fieldsOf(DefiniteCanisterSettings)).toEqual(names);
    });

    it('install mode and upgrade options', () => {
        expect(fieldsOf(CanisterInstallMode)).toEqual(sorted('install', 'reinstall', 'upgrade'));
        expect(fieldsOf(UpgradeOptions)).toEqual(sorted('skip_pre_upgrade', 'wasm_memory_persistence'));
    });

    it('canister_status result, memory_metrics and query_stats', () => {
        expect(fieldsOf(CanisterStatusResult)).toEqual(
            sorted(
                'status',
                'ready_for_migration',
                'version',
                'settings',
                'module_hash',
                'memory_size',
                'memory_metrics',
                'cycles',
                'reserved_cycles',
                'idle_cycles_burned_per_day',
                'query_stats'
            )
        );
        expect(fieldsOf(MemoryMetrics)).toEqual(
            sorted(
                'wasm_memory_size',
                'stable_memory_size',
                'global_memory_size',
                'wasm_binary_size',
                'custom_sections_size',
                'canister_history_size',
                'wasm_chunk_store_size',
                'snapshots_size'
            )
        );
        expect(fieldsOf(QueryStats)).toEqual(
            sorted(
                'num_calls_total',
                'num_instructions_total',
                'request_payload_bytes_total',
                'response_payload_bytes_total'
            )
        );
    });

    it('canister history change details', () => {
        expect(fieldsOf(ChangeDetails)).toEqual(
            sorted('creation', 'code_uninstall', 'code_deployment', 'load_snapshot', 'controllers_change')
        );
    });
});
