/**
 * Execution contexts of the System API (spec §1.2) and where each `ic0` function may be
 * called (spec §1.4). A call outside its contexts traps with IC0504.
 */
export type ContextKind =
    | 'I' // canister_init or canister_post_upgrade
    | 'G' // canister_pre_upgrade
    | 'U' // update method
    | 'RQ' // query method in replicated mode
    | 'NRQ' // query method in non-replicated mode
    | 'CQ' // composite query
    | 'Ry' // reply callback
    | 'Rt' // reject callback
    | 'CRy' // reply callback inside a composite query
    | 'CRt' // reject callback inside a composite query
    | 'C' // cleanup callback
    | 'CC' // cleanup inside a composite query
    | 'F' // canister_inspect_message
    | 'T' // heartbeat, global timer, on-low-wasm-memory
    | 's'; // the Wasm start function

/** The IC replica's name of each context, as it appears in contract-violation errors. */
export const CONTEXT_NAMES: Readonly<Record<ContextKind, string>> = {
    I: 'init',
    G: 'pre upgrade',
    U: 'update',
    RQ: 'replicated query',
    NRQ: 'non replicated query',
    CQ: 'composite query',
    Ry: 'reply callback',
    Rt: 'reject callback',
    CRy: 'composite reply callback',
    CRt: 'composite reject callback',
    C: 'cleanup',
    CC: 'composite cleanup',
    F: 'inspect message',
    T: 'system task',
    s: 'start'
};

/** The IC names system tasks by their entry point: heartbeat, global timer, on low Wasm memory. */
export function contextName(kind: ContextKind, task: string): string {
    if (kind !== 'T') return CONTEXT_NAMES[kind];
    if (task === 'heartbeat') return 'heartbeat';
    if (task === 'global_timer') return 'global timer';
    if (task === 'on_low_wasm_memory') return 'on low Wasm memory';
    return CONTEXT_NAMES.T;
}

const ALL: ContextKind[] = ['I', 'G', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'C', 'CC', 'F', 'T'];
const ALL_AND_START: ContextKind[] = [...ALL, 's'];
const ARG_DATA: ContextKind[] = ['I', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'CRy', 'F'];
const RESPOND: ContextKind[] = ['U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt'];
const CALLS: ContextKind[] = ['U', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'T'];
const CALL_CYCLES: ContextKind[] = ['U', 'Ry', 'Rt', 'T'];
const CYCLES_IN: ContextKind[] = ['U', 'RQ', 'Rt', 'Ry'];
const REFUNDED: ContextKind[] = ['Rt', 'Ry'];
const REPLICATED_CHANGES: ContextKind[] = ['I', 'G', 'U', 'Ry', 'Rt', 'T'];
const WITH_CLEANUP: ContextKind[] = [...REPLICATED_CHANGES, 'C'];
const BURN: ContextKind[] = ['I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T'];
const DEADLINE: ContextKind[] = ['U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt'];
const CALLER_INFO: ContextKind[] = ['U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'C', 'CC', 'F'];

const table: Record<string, ContextKind[]> = {
    msg_arg_data_size: ARG_DATA,
    msg_arg_data_copy: ARG_DATA,
    msg_caller_size: ALL,
    msg_caller_copy: ALL,
    msg_caller_info_data_size: CALLER_INFO,
    msg_caller_info_data_copy: CALLER_INFO,
    msg_caller_info_signer_size: CALLER_INFO,
    msg_caller_info_signer_copy: CALLER_INFO,
    msg_reject_code: ['Ry', 'Rt', 'CRy', 'CRt', 'C', 'CC'],
    msg_reject_msg_size: ['Rt', 'CRt'],
    msg_reject_msg_copy: ['Rt', 'CRt'],
    msg_deadline: DEADLINE,
    msg_method_name_size: ['F'],
    msg_method_name_copy: ['F'],
    accept_message: ['F'],
    msg_reply_data_append: RESPOND,
    msg_reply: RESPOND,
    msg_reject: RESPOND,
    msg_cycles_available: CYCLES_IN,
    msg_cycles_available128: CYCLES_IN,
    msg_cycles_refunded: REFUNDED,
    msg_cycles_refunded128: REFUNDED,
    msg_cycles_accept: CYCLES_IN,
    msg_cycles_accept128: CYCLES_IN,
    cycles_burn128: BURN,
    canister_self_size: ALL,
    canister_self_copy: ALL,
    canister_cycle_balance: ALL,
    canister_cycle_balance128: ALL,
    canister_liquid_cycle_balance128: ALL,
    canister_status: ALL,
    canister_version: ALL,
    subnet_self_size: ALL,
    subnet_self_copy: ALL,
    root_key_size: ['I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T'],
    root_key_copy: ['I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T'],
    call_new: CALLS,
    call_on_cleanup: CALLS,
    call_data_append: CALLS,
    call_with_best_effort_response: CALLS,
    call_cycles_add: CALL_CYCLES,
    call_cycles_add128: CALL_CYCLES,
    call_perform: CALLS,
    stable_size: ALL_AND_START,
    stable_grow: ALL_AND_START,
    stable_write: ALL_AND_START,
    stable_read: ALL_AND_START,
    stable64_size: ALL_AND_START,
    stable64_grow: ALL_AND_START,
    stable64_write: ALL_AND_START,
    stable64_read: ALL_AND_START,
    certified_data_set: REPLICATED_CHANGES,
    data_certificate_present: ALL,
    data_certificate_size: ['NRQ', 'CQ'],
    data_certificate_copy: ['NRQ', 'CQ'],
    time: ALL,
    global_timer_set: WITH_CLEANUP,
    performance_counter: ALL_AND_START,
    is_controller: ALL_AND_START,
    in_replicated_execution: ALL_AND_START,
    cost_call: ALL_AND_START,
    cost_create_canister: ALL_AND_START,
    cost_http_request: ALL_AND_START,
    cost_sign_with_ecdsa: ALL_AND_START,
    cost_sign_with_schnorr: ALL_AND_START,
    cost_vetkd_derive_key: ALL_AND_START,
    env_var_count: ALL,
    env_var_name_size: ALL,
    env_var_name_copy: ALL,
    env_var_name_exists: ALL,
    env_var_value_size: ALL,
    env_var_value_copy: ALL,
    debug_print: ALL_AND_START,
    trap: ALL_AND_START
};

export const ALLOWED_CONTEXTS: ReadonlyMap<string, ReadonlySet<ContextKind>> = new Map(
    Object.entries(table).map(([name, kinds]) => [name, new Set(kinds)])
);

/** Contexts whose effects are replicated (and so may change state, be logged, bump the version). */
export function isReplicated(kind: ContextKind): boolean {
    return !(kind === 'NRQ' || kind === 'CQ' || kind === 'CRy' || kind === 'CRt' || kind === 'CC' || kind === 'F');
}
