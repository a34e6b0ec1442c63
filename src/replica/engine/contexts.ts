/**
 * Execution contexts of the System API (spec §1.2). Where each `ic0` function may be
 * called (spec §1.4) is part of its entry in the ic0 table (./ic0/); a call outside its
 * contexts traps with IC0504.
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
const CONTEXT_NAMES: Readonly<Record<ContextKind, string>> = {
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

/** What `*` stands for in the spec's lists: every context except the start function. */
const ALL: readonly ContextKind[] = ['I', 'G', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'C', 'CC', 'F', 'T'];
const KINDS: ReadonlySet<string> = new Set<string>([...ALL, 's']);

/**
 * The contexts of a list written as the spec writes them (§1.4): codes separated by
 * spaces, `*` for every context but `s`. The ic0 table declares its contexts this way.
 */
export function parseContexts(list: string): ReadonlySet<ContextKind> {
    const kinds = new Set<ContextKind>();
    for (const code of list.split(' ')) {
        if (code === '*') ALL.forEach((kind) => kinds.add(kind));
        else if (KINDS.has(code)) kinds.add(code as ContextKind);
        else throw new Error(`Unknown execution context '${code}' in '${list}' (spec §1.2 lists the codes)`);
    }
    return kinds;
}

/** Contexts whose effects are replicated (and so may change state, be logged, bump the version). */
export function isReplicated(kind: ContextKind): boolean {
    return !(kind === 'NRQ' || kind === 'CQ' || kind === 'CRy' || kind === 'CRt' || kind === 'CC' || kind === 'F');
}
