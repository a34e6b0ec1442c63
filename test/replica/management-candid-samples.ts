/** Sample values for the management canister's Candid tests: one argument and one result per method. */
import { Principal } from '@dfinity/principal';
import type {
    CanisterSettings as CanisterSettingsValue,
    ManagementArgs,
    ManagementMethod,
    ManagementResult
} from '../../src/replica/management/candid.js';


export const canister = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
const other = Principal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 7, 1, 1]));
export const user = Principal.fromText('2vxsx-fae');
export const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
export const hash = (seed: number): Uint8Array => new Uint8Array(32).fill(seed);

const fullSettings: CanisterSettingsValue = {
    controllers: [[user, other]],
    compute_allocation: [10n],
    memory_allocation: [],
    freezing_threshold: [2_592_000n],
    reserved_cycles_limit: [5_000_000_000_000n],
    log_visibility: [{ allowed_viewers: [user] }],
    wasm_memory_limit: [3n * 1024n ** 3n],
    wasm_memory_threshold: [0n],
    environment_variables: [[{ name: 'MODE', value: 'test' }]]
};

export const emptySettings: CanisterSettingsValue = {
    controllers: [],
    compute_allocation: [],
    memory_allocation: [],
    freezing_threshold: [],
    reserved_cycles_limit: [],
    log_visibility: [],
    wasm_memory_limit: [],
    wasm_memory_threshold: [],
    environment_variables: []
};

const snapshotId = bytes(0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1);

type Samples = { [M in ManagementMethod]: { args: ManagementArgs<M>; result: ManagementResult<M> } };

export const samples: Samples = {
    create_canister: {
        args: { settings: [fullSettings], sender_canister_version: [3n] },
        result: { canister_id: canister }
    },
    update_settings: {
        args: { canister_id: canister, settings: emptySettings, sender_canister_version: [] },
        result: undefined
    },
    upload_chunk: { args: { canister_id: canister, chunk: bytes(1, 2, 3) }, result: { hash: hash(1) } },
    clear_chunk_store: { args: { canister_id: canister }, result: undefined },
    stored_chunks: { args: { canister_id: canister }, result: [{ hash: hash(1) }, { hash: hash(2) }] },
    install_code: {
        args: {
            mode: { upgrade: [{ skip_pre_upgrade: [false], wasm_memory_persistence: [{ keep: null }] }] },
            canister_id: canister,
            wasm_module: bytes(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
            arg: bytes(0x44, 0x49, 0x44, 0x4c, 0, 0),
            sender_canister_version: []
        },
        result: undefined
    },
    install_chunked_code: {
        args: {
            mode: { reinstall: null },
            target_canister: canister,
            store_canister: [other],
            chunk_hashes_list: [{ hash: hash(1) }, { hash: hash(2) }],
            wasm_module_hash: hash(9),
            arg: bytes(),
            sender_canister_version: [1n]
        },
        result: undefined
    },
    uninstall_code: { args: { canister_id: canister, sender_canister_version: [7n] }, result: undefined },
    start_canister: { args: { canister_id: canister }, result: undefined },
    stop_canister: { args: { canister_id: canister }, result: undefined },
    canister_status: {
        args: { canister_id: canister },
        result: {
            status: { stopping: null },
            ready_for_migration: false,
            version: 4n,
            settings: {
                controllers: [user],
                compute_allocation: 0n,
                memory_allocation: 0n,
                freezing_threshold: 2_592_000n,
                reserved_cycles_limit: 5_000_000_000_000n,
                log_visibility: { controllers: null },
                wasm_memory_limit: 3n * 1024n ** 3n,
                wasm_memory_threshold: 0n,
                environment_variables: [{ name: 'A', value: 'b' }]
            },
            module_hash: [hash(3)],
            memory_size: 1_000_000n,
            memory_metrics: {
                wasm_memory_size: 65_536n,
                stable_memory_size: 0n,
                global_memory_size: 16n,
                wasm_binary_size: 1_234n,
                custom_sections_size: 12n,
                canister_history_size: 300n,
                wasm_chunk_store_size: 0n,
                snapshots_size: 0n
            },
            cycles: 100_000_000_000_000n,
            reserved_cycles: 0n,
            idle_cycles_burned_per_day: 42n,
            query_stats: {
                num_calls_total: 1n,
                num_instructions_total: 2n,
                request_payload_bytes_total: 3n,
                response_payload_bytes_total: 4n
            }
        }
    },
    canister_info: {
        args: { canister_id: canister, num_requested_changes: [5n] },
        result: {
            total_num_changes: 6n,
            recent_changes: [
                {
                    timestamp_nanos: 1n,
                    canister_version: 0n,
                    origin: { from_user: { user_id: user } },
                    details: { creation: { controllers: [user], environment_variables_hash: [hash(4)] } }
                },
                {
                    timestamp_nanos: 2n,
                    canister_version: 1n,
                    origin: { from_canister: { canister_id: other, canister_version: [9n] } },
                    details: { code_deployment: { mode: { upgrade: null }, module_hash: hash(5) } }
                },
                {
                    timestamp_nanos: 3n,
                    canister_version: 2n,
                    origin: { from_canister: { canister_id: other, canister_version: [] } },
                    details: { code_uninstall: null }
                },
                {
                    timestamp_nanos: 4n,
                    canister_version: 3n,
                    origin: { from_user: { user_id: user } },
                    details: {
                        load_snapshot: {
                            canister_version: 2n,
                            snapshot_id: snapshotId,
                            taken_at_timestamp: 3n,
                            source: { metadata_upload: null },
                            from_canister_id: [other]
                        }
                    }
                },
                {
                    timestamp_nanos: 5n,
                    canister_version: 4n,
                    origin: { from_user: { user_id: user } },
                    details: { controllers_change: { controllers: [user, other] } }
                }
            ],
            module_hash: [],
            controllers: [user, other]
        }
    },
    delete_canister: { args: { canister_id: canister }, result: undefined },
    deposit_cycles: { args: { canister_id: canister }, result: undefined },
    raw_rand: { args: undefined, result: hash(0xab) },
    provisional_create_canister_with_cycles: {
        args: { amount: [10n ** 14n], settings: [], specified_id: [other], sender_canister_version: [] },
        result: { canister_id: other }
    },
    provisional_top_up_canister: { args: { canister_id: canister, amount: 123n }, result: undefined },
    take_canister_snapshot: {
        args: { canister_id: canister, replace_snapshot: [snapshotId] },
        result: { id: snapshotId, taken_at_timestamp: 17n, total_size: 4096n }
    },
    load_canister_snapshot: {
        args: { canister_id: canister, snapshot_id: snapshotId, sender_canister_version: [] },
        result: undefined
    },
    list_canister_snapshots: {
        args: { canister_id: canister },
        result: [{ id: snapshotId, taken_at_timestamp: 17n, total_size: 4096n }]
    },
    delete_canister_snapshot: { args: { canister_id: canister, snapshot_id: snapshotId }, result: undefined },
    read_canister_snapshot_metadata: {
        args: { canister_id: canister, snapshot_id: snapshotId },
        result: {
            source: { taken_from_canister: null },
            taken_at_timestamp: 17n,
            wasm_module_size: 1234n,
            globals: [{ i32: -5 }, { i64: -(2n ** 40n) }, { f32: 1.5 }, { f64: Math.PI }, { v128: 2n ** 100n }],
            wasm_memory_size: 65_536n,
            stable_memory_size: 0n,
            wasm_chunk_store: [{ hash: hash(1) }],
            canister_version: 3n,
            certified_data: bytes(1, 2),
            global_timer: [{ active: 99n }],
            on_low_wasm_memory_hook_status: [{ condition_not_satisfied: null }]
        }
    },
    read_canister_snapshot_data: {
        args: { canister_id: canister, snapshot_id: snapshotId, kind: { wasm_memory: { offset: 0n, size: 1024n } } },
        result: { chunk: new Uint8Array(1024).fill(7) }
    },
    upload_canister_snapshot_metadata: {
        args: {
            canister_id: canister,
            replace_snapshot: [],
            wasm_module_size: 1234n,
            globals: [{ i32: 1 }],
            wasm_memory_size: 65_536n,
            stable_memory_size: 65_536n,
            certified_data: bytes(),
            global_timer: [{ inactive: null }],
            on_low_wasm_memory_hook_status: []
        },
        result: { snapshot_id: snapshotId }
    },
    upload_canister_snapshot_data: {
        args: { canister_id: canister, snapshot_id: snapshotId, kind: { wasm_chunk: null }, chunk: bytes(5, 6) },
        result: undefined
    },
    fetch_canister_logs: {
        args: { canister_id: canister },
        result: {
            canister_log_records: [
                { idx: 0n, timestamp_nanos: 10n, content: new TextEncoder().encode('hello') },
                { idx: 1n, timestamp_nanos: 11n, content: new TextEncoder().encode('[TRAP]: boom') }
            ]
        }
    }
};
