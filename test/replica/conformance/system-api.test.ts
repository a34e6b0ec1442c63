/**
 * System API conformance (interface spec §1): where each ic0 function may be called, and
 * (Over 400 lines on purpose: the context matrix and each function's cases, in the spec's order.)
 * what the responding, trapping, stable-memory, certification, time and introspection
 * functions do.
 */
import { Certificate, LookupPathStatus } from '@dfinity/agent';
import { CallRejectedError, Replica } from '../../../src/replica/index.js';
import {
    OWNER,
    STRANGER,
    bytesOf,
    contextViolation,
    expectReject,
    i64,
    newReplica,
    query,
    run,
    submit,
    status,
    systemState,
    text,
    u128,
    u64,
    universal,
    Principal
} from './support/harness.js';
import { DATA, Ic0Name, Prog, SCRATCH, Slot, prog, universalWasm } from './support/universal.js';
import { wat } from './support/wat.js';
import { MAX_CERTIFIED_DATA_BYTES } from '../../../src/replica/constants.js';

// --------------------------------------------------------------------------- the context matrix

type Ctx = 'I' | 'G' | 'U' | 'RQ' | 'NRQ' | 'CQ' | 'Ry' | 'Rt' | 'C' | 'F' | 'T';
const ALL: Ctx[] = ['I', 'G', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'C', 'F', 'T'];
const RESPOND: Ctx[] = ['U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt'];
const CALLS: Ctx[] = ['U', 'CQ', 'Ry', 'Rt', 'T'];

/** The IC's name of each context in contract-violation messages. */
const MODE: Record<Ctx, string> = {
    I: 'init',
    G: 'pre upgrade',
    U: 'update',
    RQ: 'replicated query',
    NRQ: 'non replicated query',
    CQ: 'composite query',
    Ry: 'reply callback',
    Rt: 'reject callback',
    C: 'cleanup',
    F: 'inspect message',
    T: 'global timer'
};

/** Where each function may be called (spec §1.4; C for msg_reject_code per the newest spec). */
const ALLOWED: Partial<Record<Ic0Name, Ctx[]>> = {
    msg_arg_data_size: ['I', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'F'],
    msg_arg_data_copy: ['I', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'F'],
    msg_caller_size: ALL,
    msg_caller_copy: ALL,
    msg_reject_code: ['Ry', 'Rt', 'C'],
    msg_reject_msg_size: ['Rt'],
    msg_reject_msg_copy: ['Rt'],
    msg_deadline: ['U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt'],
    msg_method_name_size: ['F'],
    msg_method_name_copy: ['F'],
    accept_message: ['F'],
    msg_reply_data_append: RESPOND,
    msg_reply: RESPOND,
    msg_reject: RESPOND,
    msg_cycles_available: ['U', 'RQ', 'Ry', 'Rt'],
    msg_cycles_available128: ['U', 'RQ', 'Ry', 'Rt'],
    msg_cycles_accept: ['U', 'RQ', 'Ry', 'Rt'],
    msg_cycles_accept128: ['U', 'RQ', 'Ry', 'Rt'],
    msg_cycles_refunded: ['Ry', 'Rt'],
    msg_cycles_refunded128: ['Ry', 'Rt'],
    cycles_burn128: ['I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T'],
    canister_self_size: ALL,
    canister_self_copy: ALL,
    subnet_self_size: ALL,
    subnet_self_copy: ALL,
    canister_cycle_balance: ALL,
    canister_cycle_balance128: ALL,
    canister_liquid_cycle_balance128: ALL,
    canister_status: ALL,
    canister_version: ALL,
    is_controller: ALL,
    in_replicated_execution: ALL,
    call_new: CALLS,
    call_on_cleanup: CALLS,
    call_data_append: CALLS,
    call_with_best_effort_response: CALLS,
    call_cycles_add: ['U', 'Ry', 'Rt', 'T'],
    call_cycles_add128: ['U', 'Ry', 'Rt', 'T'],
    call_perform: CALLS,
    stable_size: ALL,
    stable_grow: ALL,
    stable_write: ALL,
    stable_read: ALL,
    stable64_size: ALL,
    stable64_grow: ALL,
    stable64_write: ALL,
    stable64_read: ALL,
    certified_data_set: ['I', 'G', 'U', 'Ry', 'Rt', 'T'],
    data_certificate_present: ALL,
    data_certificate_size: ['NRQ', 'CQ'],
    data_certificate_copy: ['NRQ', 'CQ'],
    root_key_size: ['I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T'],
    root_key_copy: ['I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T'],
    time: ALL,
    global_timer_set: ['I', 'G', 'U', 'Ry', 'Rt', 'C', 'T'],
    performance_counter: ALL,
    cost_call: ALL,
    cost_create_canister: ALL,
    env_var_count: ALL,
    env_var_name_size: ALL,
    env_var_value_size: ALL,
    env_var_value_copy: ALL,
    debug_print: ALL,
    trap: ALL
};

/** A call of each function with valid arguments, leaving the stack empty. */
function callOf(fn: Ic0Name, self: Principal): (p: Prog) => Prog {
    switch (fn) {
        case 'msg_arg_data_copy':
        case 'msg_caller_copy':
        case 'msg_reject_msg_copy':
        case 'msg_method_name_copy':
        case 'canister_self_copy':
        case 'subnet_self_copy':
        case 'data_certificate_copy':
        case 'root_key_copy':
            return (p) => p.ic0(fn, SCRATCH, 0, 0);
        case 'msg_reply_data_append':
        case 'debug_print':
        case 'certified_data_set':
            return (p) => p.ic0(fn, SCRATCH, 0);
        case 'msg_reject':
            return (p) => p.ic0(fn, 'rejected');
        case 'msg_cycles_available128':
        case 'msg_cycles_refunded128':
        case 'canister_cycle_balance128':
        case 'canister_liquid_cycle_balance128':
        case 'cost_create_canister':
            return (p) => p.ic0(fn, SCRATCH);
        case 'msg_cycles_accept':
        case 'stable64_grow':
        case 'stable_grow':
        case 'performance_counter':
        case 'env_var_name_size':
            return (p) => p.ic0(fn, 0).op('drop');
        case 'msg_cycles_accept128':
        case 'cycles_burn128':
        case 'cost_call':
            return (p) => p.ic0(fn, 0, 0, SCRATCH);
        case 'global_timer_set':
            return (p) => p.ic0(fn, 0).op('drop');
        case 'is_controller':
            return (p) => p.ic0(fn, new Uint8Array([4])).op('drop');
        case 'env_var_value_size':
            return (p) => p.ic0(fn, 'A').op('drop');
        case 'env_var_value_copy':
            return (p) => p.ic0(fn, 'A', SCRATCH, 0, 0);
        case 'call_new':
            return (p) => p.callNew(self.toUint8Array(), 'run', null, null);
        case 'call_on_cleanup':
            return (p) => p.ic0(fn, 1, 0);
        case 'call_data_append':
            return (p) => p.ic0(fn, SCRATCH, 0);
        case 'call_with_best_effort_response':
            return (p) => p.ic0(fn, 10);
        case 'call_cycles_add':
            return (p) => p.ic0(fn, 0);
        case 'call_cycles_add128':
            return (p) => p.ic0(fn, 0, 0);
        case 'stable_write':
        case 'stable64_write':
            return (p) => p.ic0(fn, 0, SCRATCH, 0);
        case 'stable_read':
        case 'stable64_read':
            return (p) => p.ic0(fn, SCRATCH, 0, 0);
        case 'trap':
            return (p) => p.trap('expected');
        case 'accept_message':
        case 'msg_reply':
            return (p) => p.ic0(fn);
        default:
            // Functions without arguments: call and drop the result if there is one.
            return (p) => {
                p.ic0(fn);
                return NO_RESULT.has(fn) ? p : p.op('drop');
            };
    }
}

const NO_RESULT = new Set<Ic0Name>(['accept_message', 'msg_reply']);

const CALL_SEQUENCE: Ic0Name[] = ['call_new', 'call_on_cleanup', 'call_data_append', 'call_with_best_effort_response', 'call_cycles_add', 'call_cycles_add128', 'call_perform'];
/** Functions that end or redirect the execution: tested on their own. */
const SPECIAL = new Set<Ic0Name>(['msg_reply', 'msg_reject', 'trap', 'accept_message', ...CALL_SEQUENCE]);

type Outcome = { kind: 'ok' } | { kind: 'error'; errorCode: string | null; message: string };

interface Matrix {
    replica: Replica;
    /** The canister that runs bodies in the context, and a helper it calls. */
    target: Principal;
    helper: Principal;
    run(body: Prog): Promise<Outcome>;
}

async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
    try {
        await promise;
        return { kind: 'ok' };
    } catch (error) {
        if (error instanceof CallRejectedError) return { kind: 'error', errorCode: error.errorCode, message: error.rejectMessage };
        throw error;
    }
}

/** A fresh replica with a target canister for context `ctx` and a helper. */
async function matrix(ctx: Ctx): Promise<Matrix> {
    const replica = await newReplica();
    const env = [{ name: 'A', value: '1' }];
    const make = async (options: { inspectMessage?: boolean } = {}) => {
        const id = await replica.createCanister({ sender: OWNER, environmentVariables: env });
        await replica.installCode({ canisterId: id, wasm: await universalWasm(options), arg: new Uint8Array(0), sender: OWNER });
        return id;
    };
    const target = await make({ inspectMessage: ctx === 'F' });
    const helper = await make();
    const done = bytesOf('done');

    let markers = 0;
    const viaCall = async (body: Prog): Promise<Outcome> => {
        const callee = ctx === 'Rt' ? prog().reject('no') : prog().reply('yes');
        const callback = ctx === 'C' ? prog().trap('callback trapped') : body.reply(done);
        const other = prog().trap(`unexpected ${ctx === 'Rt' ? 'reply' : 'reject'}`);
        const p = prog().callNew(helper.toUint8Array(), 'run', ctx === 'Rt' ? other : callback, ctx === 'Rt' ? callback : other);
        const marker = BigInt(++markers);
        if (ctx === 'C') p.ic0('call_on_cleanup', 0, body.op('global_set', marker));
        p.ic0('call_data_append', callee.build()).ic0('call_perform').op('eq', 0).op('assert');
        const outcome = await outcomeOf(run(replica, target, p));
        if (ctx !== 'C' || outcome.kind === 'ok') return outcome;
        // The callback always traps; the cleanup ran if its marker was committed.
        const cleaned = u64(await query(replica, target, prog().op('global_get').replyI64()));
        return cleaned === marker ? { kind: 'ok' } : outcome;
    };

    return {
        replica,
        target,
        helper,
        async run(body) {
            const id = target;
            switch (ctx) {
                case 'U':
                    return outcomeOf(run(replica, id, body.reply(done)));
                case 'RQ':
                    return outcomeOf(replica.updateCall({ canisterId: id, method: 'query', arg: body.reply(done).build(), sender: OWNER }));
                case 'NRQ':
                    return outcomeOf(query(replica, id, body.reply(done)));
                case 'CQ':
                    return outcomeOf(replica.queryCall({ canisterId: id, method: 'composite', arg: body.reply(done).build(), sender: OWNER }));
                case 'I':
                    return outcomeOf(replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: body.build(), sender: OWNER }));
                case 'G':
                    await run(replica, id, prog().setSlot(Slot.preUpgrade, body).reply());
                    return outcomeOf(replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: new Uint8Array(0), sender: OWNER }));
                case 'Ry':
                case 'Rt':
                case 'C':
                    return viaCall(body);
                case 'F': {
                    // Set the slot through the helper: inter-canister calls are not inspected.
                    const set = prog().setSlot(Slot.inspectMessage, body).reply();
                    await run(replica, helper, prog().callNew(id.toUint8Array(), 'run', prog().reply(), prog().trap('not set')).ic0('call_data_append', set.build()).ic0('call_perform').op('drop'));
                    try {
                        await submit(replica, id, prog().reply());
                        return { kind: 'ok' };
                    } catch (error) {
                        if (error instanceof CallRejectedError) return { kind: 'error', errorCode: error.errorCode, message: error.rejectMessage };
                        throw error;
                    }
                }
                case 'T': {
                    const marker = 7n + BigInt(Math.floor(Math.random() * 1e9));
                    await run(replica, id, prog().setSlot(Slot.globalTimer, body.op('global_set', marker)).ic0('global_timer_set', 1).op('drop').reply());
                    const lastSeen = (await replica.fetchCanisterLogs({ canisterId: id, sender: OWNER })).at(-1)?.idx ?? -1n;
                    await replica.tick();
                    const fired = u64(await query(replica, id, prog().op('global_get').replyI64()));
                    if (fired === marker) return { kind: 'ok' };
                    const records = await replica.fetchCanisterLogs({ canisterId: id, sender: OWNER });
                    const logs = records.filter((r) => r.idx > lastSeen).map((r) => text(r.content));
                    const trap = logs.find((l) => l.startsWith('[TRAP]: '));
                    return { kind: 'error', errorCode: null, message: trap ?? `timer did not run (logs: ${logs.join(' | ')})` };
                }
            }
        }
    };
}

describe('System API availability per context (spec §1.2, §1.4)', () => {
    /** The body that calls every function allowed in `ctx` (except the special ones), with `self` as the callee of calls. */
    function everyAllowed(ctx: Ctx, self: Principal): Prog {
        const p = prog();
        for (const [fn, contexts] of Object.entries(ALLOWED) as Array<[Ic0Name, Ctx[]]>) {
            if (!contexts.includes(ctx) || SPECIAL.has(fn)) continue;
            callOf(fn, self)(p);
        }
        if (ctx === 'F') p.ic0('accept_message');
        // Calls: built everywhere they are allowed; performed except in a composite query,
        // whose calls to other canisters the embedded replica does not support.
        if (ALLOWED.call_new!.includes(ctx)) {
            for (const fn of CALL_SEQUENCE) {
                if (!ALLOWED[fn]!.includes(ctx)) continue;
                if (fn === 'call_perform' && ctx === 'CQ') continue;
                callOf(fn, self)(p);
            }
        }
        return p;
    }

    it.each(ALL)('every function allowed in context %s runs there', async (ctx) => {
        const m = await matrix(ctx);
        expect(await m.run(everyAllowed(ctx, m.target))).toEqual({ kind: 'ok' });
    });

    const forbidden: Array<[Ctx, Ic0Name]> = [];
    for (const ctx of ALL) {
        for (const [fn, contexts] of Object.entries(ALLOWED) as Array<[Ic0Name, Ctx[]]>) {
            if (!contexts.includes(ctx)) forbidden.push([ctx, fn]);
        }
    }

    it.each(forbidden)('in context %s, ic0.%s traps with IC0504', async (ctx, fn) => {
        const m = await matrix(ctx);
        const outcome = await m.run(callOf(fn, m.target)(prog()));
        if (outcome.kind !== 'error') throw new Error(`ic0.${fn} ran in context ${ctx}`);
        const violation = contextViolation(fn, MODE[ctx]);
        if (ctx === 'T') {
            expect(outcome.message).toBe(`[TRAP]: ${violation}`);
            return;
        }
        expect(outcome.errorCode).toBe('IC0504');
        const id = m.target.toText();
        if (ctx === 'C') {
            expect(outcome.message.startsWith(`Error from Canister ${id}: Canister called \`ic0.trap\` with message: 'callback trapped'\n\ncall_on_cleanup also failed:\n\n${violation}.`)).toBe(true);
        } else {
            expect(outcome.message.startsWith(`Error from Canister ${id}: ${violation}.`)).toBe(true);
        }
    });
});

// --------------------------------------------------------------------------- semantics

describe('responding (spec §1.4 "Responding")', () => {
    let replica: Replica;
    let id: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        id = await universal(replica);
    });

    it('replies with the appended bytes', async () => {
        expect(text(await run(replica, id, prog().ic0('msg_reply_data_append', 'ab').ic0('msg_reply_data_append', 'cd').ic0('msg_reply')))).toBe('abcd');
    });

    it('msg_reply twice traps and the first reply is not delivered', async () => {
        await expectReject(run(replica, id, prog().reply('first').ic0('msg_reply')), {
            rejectCode: 5,
            errorCode: 'IC0504',
            matches: /^Error from Canister \S+: Canister violated contract: /
        });
    });

    it('msg_reject after msg_reply traps', async () => {
        await expectReject(run(replica, id, prog().reply('first').reject('second')), { rejectCode: 5, errorCode: 'IC0504' });
    });

    it('msg_reply_data_append after msg_reply traps', async () => {
        await expectReject(run(replica, id, prog().reply('first').ic0('msg_reply_data_append', 'x')), { rejectCode: 5, errorCode: 'IC0504' });
    });

    it('a reply buffer not sent with msg_reply is discarded: the call gets IC0506', async () => {
        await expectReject(run(replica, id, prog().ic0('msg_reply_data_append', 'lost')), {
            rejectCode: 5,
            errorCode: 'IC0506',
            message: `Canister ${id.toText()} did not reply to the call`
        });
    });

    it('a reply buffer not sent by the method does not leak into the reply its callback sends', async () => {
        const helper = await universal(replica);
        const p = prog()
            .ic0('msg_reply_data_append', 'junk')
            .callNew(helper.toUint8Array(), 'run', prog().reply('callback'), null)
            .ic0('call_data_append', prog().reply().build())
            .ic0('call_perform')
            .op('drop');
        expect(text(await run(replica, id, p))).toBe('callback');
    });

    it('msg_reject gives CANISTER_REJECT (4) with the canister text', async () => {
        await expectReject(run(replica, id, prog().ic0('msg_reply_data_append', 'discarded').reject('no thanks')), {
            rejectCode: 4,
            errorCode: 'IC0406',
            message: 'no thanks'
        });
    });

    it('msg_reject with text that is not UTF-8 traps', async () => {
        await expectReject(run(replica, id, prog().ic0('msg_reject', new Uint8Array([0xff, 0xfe]))), { rejectCode: 5, errorCode: 'IC0504' });
    });

    it('a query can reply and reject too', async () => {
        expect(text(await query(replica, id, prog().reply('q')))).toBe('q');
        await expectReject(query(replica, id, prog().reject('nope')), { rejectCode: 4, message: 'nope' });
    });
});

describe('traps (spec §1.4 "Debugging", §2.3)', () => {
    let replica: Replica;
    let id: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        id = await universal(replica);
    });

    it('ic0.trap gives IC0503 with the message', async () => {
        const e = await expectReject(run(replica, id, prog().trap('it broke')), { rejectCode: 5, errorCode: 'IC0503' });
        expect(e.rejectMessage.startsWith(`Error from Canister ${id.toText()}: Canister called \`ic0.trap\` with message: 'it broke'.`)).toBe(true);
    });

    it('ic0.trap with a message that is not UTF-8 still traps with IC0503', async () => {
        await expectReject(run(replica, id, prog().ic0('trap', new Uint8Array([0x61, 0xff, 0x62]))), { rejectCode: 5, errorCode: 'IC0503', matches: /with message: 'a.b'/u });
    });

    it('ic0.trap with the message out of bounds still traps with IC0503', async () => {
        await expectReject(run(replica, id, prog().ic0('trap', 0xfffff000, 0x10000)), { rejectCode: 5, errorCode: 'IC0503' });
    });

    it('`unreachable` gives IC0502 "Canister trapped: unreachable"', async () => {
        const e = await expectReject(run(replica, id, prog().op('unreachable')), { rejectCode: 5, errorCode: 'IC0502' });
        expect(e.rejectMessage.startsWith(`Error from Canister ${id.toText()}: Canister trapped: unreachable.`)).toBe(true);
    });

    it('a trap in a query is a reject too', async () => {
        await expectReject(query(replica, id, prog().trap('q')), { rejectCode: 5, errorCode: 'IC0503' });
    });

    it('debug_print never traps, even out of bounds', async () => {
        const p = prog().ic0('debug_print', 'fine').ic0('debug_print', 0xfffffff0, 0x100).ic0('debug_print', 0x7fffffff, 0x7fffffff).reply('ok');
        expect(text(await run(replica, id, p))).toBe('ok');
        expect(text(await query(replica, id, p))).toBe('ok');
    });

    it('copying a blob out of bounds of the heap traps and changes nothing', async () => {
        await run(replica, id, prog().op('store64', DATA, 1234).reply());
        const oob = prog().op('store64', DATA, 99).ic0('msg_arg_data_copy', 16 * 65536 - 4, 0, 8);
        const failure = await expectReject(run(replica, id, oob), { rejectCode: 5, errorCode: 'IC0504' });
        expect(failure.rejectMessage).toContain('exceeds the slice size');
        expect(u64(await query(replica, id, prog().op('load64', DATA).replyI64()))).toBe(1234n);
    });

    it('copying past the end of the source blob traps with IC0504', async () => {
        await expectReject(run(replica, id, prog().ic0('msg_caller_copy', SCRATCH, 0, 1000)), { rejectCode: 5, errorCode: 'IC0504' });
        await expectReject(run(replica, id, prog().ic0('msg_arg_data_copy', SCRATCH, 0xffffffff, 2)), { rejectCode: 5, errorCode: 'IC0504' });
    });

    it('reads sizes at or above 2^31 as unsigned: certified_data_set of 0xffffffff bytes is too long, not a negative size', async () => {
        const failure = await expectReject(run(replica, id, prog().ic0('certified_data_set', SCRATCH, 0xffffffff)), { rejectCode: 5, errorCode: 'IC0504' });
        expect(failure.rejectMessage).toContain(`4294967295 bytes is more than the maximum of ${MAX_CERTIFIED_DATA_BYTES}`);
    });

    it('a 128-bit output out of bounds traps', async () => {
        await expectReject(run(replica, id, prog().ic0('canister_cycle_balance128', 16 * 65536 - 8)), { rejectCode: 5 });
    });
});

describe('identity, status and version (spec §1.4, §2.9)', () => {
    let replica: Replica;
    let id: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        id = await universal(replica);
    });

    it('msg_caller, canister_self and subnet_self', async () => {
        const p = prog().blob('msg_caller').appendBlob().reply();
        expect(Principal.fromUint8Array(await run(replica, id, p, STRANGER)).toText()).toBe(STRANGER.toText());
        expect(Principal.fromUint8Array(await query(replica, id, p, STRANGER)).toText()).toBe(STRANGER.toText());
        expect(Principal.fromUint8Array(await run(replica, id, prog().blob('canister_self').appendBlob().reply())).toText()).toBe(id.toText());
        const subnet = await run(replica, id, prog().blob('subnet_self').appendBlob().reply());
        expect(Principal.fromUint8Array(subnet).toText()).toBe((await replica.getCanisterSubnetId(id))?.toText());
    });

    it('msg_caller in init is the installer', async () => {
        const canisterId = await replica.createCanister({ sender: OWNER, controllers: [OWNER, STRANGER] });
        await replica.installCode({ canisterId, wasm: await universalWasm(), arg: prog().blob('msg_caller').ic0('certified_data_set').build(), sender: STRANGER });
        expect(Principal.fromUint8Array((await systemState(replica, canisterId)).certifiedData).toText()).toBe(STRANGER.toText());
    });

    it('canister_status is 1 while running', async () => {
        expect(u64(await run(replica, id, prog().ic0('canister_status').replyI64()))).toBe(1n);
    });

    it('is_controller tells controllers from others and traps on an invalid principal', async () => {
        expect(u64(await run(replica, id, prog().ic0('is_controller', OWNER.toUint8Array()).replyI64()))).toBe(1n);
        expect(u64(await run(replica, id, prog().ic0('is_controller', STRANGER.toUint8Array()).replyI64()))).toBe(0n);
        expect(u64(await query(replica, id, prog().ic0('is_controller', OWNER.toUint8Array()).replyI64()))).toBe(1n);
        await expectReject(run(replica, id, prog().ic0('is_controller', new Uint8Array(30)).replyI64()), { rejectCode: 5, errorCode: 'IC0504' });
    });

    it('in_replicated_execution is 1 in updates and replicated queries, 0 in query calls', async () => {
        const p = prog().ic0('in_replicated_execution').replyI64();
        expect(u64(await run(replica, id, p))).toBe(1n);
        expect(u64(await replica.updateCall({ canisterId: id, method: 'query', arg: p.build(), sender: OWNER }))).toBe(1n);
        expect(u64(await query(replica, id, p))).toBe(0n);
    });

    it('canister_version increments on each committed update and not on a query call or a trap', async () => {
        const version = prog().ic0('canister_version').replyI64();
        const v1 = u64(await run(replica, id, version));
        const v2 = u64(await run(replica, id, version));
        expect(v2).toBeGreaterThan(v1);
        const q1 = u64(await query(replica, id, version));
        const q2 = u64(await query(replica, id, version));
        expect(q1).toBe(q2);
        expect(q1).toBeGreaterThan(v2);
        await expectReject(run(replica, id, prog().trap('no')), { rejectCode: 5 });
        expect(u64(await query(replica, id, version))).toBe(q1);
    });

    it('canister_version during an upgrade: pre_upgrade sees the old value and post_upgrade the new one', async () => {
        const canisterId = await universal(replica);
        // pre_upgrade writes its version to stable memory; post_upgrade keeps its own in the global.
        const pre = prog().i64(SCRATCH).ic0('canister_version').op('store64').ic0('stable64_write', 0, SCRATCH, 8);
        await run(replica, canisterId, prog().ic0('stable64_grow', 1).op('drop').setSlot(Slot.preUpgrade, pre).reply());
        const readVersion = async () => u64(await query(replica, canisterId, prog().ic0('canister_version').replyI64()));
        const before = await readVersion();
        await replica.upgradeCanister({
            canisterId,
            wasm: await universalWasm(),
            arg: prog().ic0('canister_version').op('global_set').build(),
            sender: OWNER
        });
        const seenByPre = u64(await query(replica, canisterId, prog().ic0('stable64_read', SCRATCH, 0, 8).ic0('msg_reply_data_append', SCRATCH, 8).ic0('msg_reply')));
        const post = u64(await query(replica, canisterId, prog().op('global_get').replyI64()));
        expect(seenByPre).toBe(before);
        expect(post).toBe(before + 1n);
        expect(await readVersion()).toBe(before + 1n);
    });
});

describe('cycles (spec §1.4 "Cycles")', () => {
    it('balance128 agrees with the legacy 64-bit balance and the liquid balance is below it', async () => {
        const replica = await newReplica();
        const id = await universal(replica, null, { cycles: 10_000_000_000_000n });
        const reply = await run(replica, id, prog().ic0('canister_cycle_balance128', SCRATCH).ic0('canister_liquid_cycle_balance128', SCRATCH + 16).ic0('msg_reply_data_append', SCRATCH, 32).ic0('canister_cycle_balance').appendI64().ic0('msg_reply'));
        const balance = u128(reply, 0);
        const liquid = u128(reply, 16);
        expect(u64(reply, 32)).toBe(balance);
        expect(balance).toBeLessThanOrEqual(10_000_000_000_000n);
        expect(balance).toBeGreaterThan(9_000_000_000_000n);
        expect(liquid).toBeLessThanOrEqual(balance);
    });

    it('cycles_burn128 burns at most the liquid balance and the burn is kept', async () => {
        const replica = await newReplica();
        const id = await universal(replica, null, { cycles: 10_000_000_000_000n });
        const burned = u128(await run(replica, id, prog().ic0('cycles_burn128', 0, 1_000_000_000_000, SCRATCH).ic0('msg_reply_data_append', SCRATCH, 16).ic0('msg_reply')));
        expect(burned).toBe(1_000_000_000_000n);
        expect(await replica.getCyclesBalance(id)).toBeLessThan(9_000_000_000_000n);
        const all = u128(await run(replica, id, prog().ic0('cycles_burn128', 1, 0, SCRATCH).ic0('msg_reply_data_append', SCRATCH, 16).ic0('msg_reply')));
        expect(all).toBeLessThan(9_000_000_000_000n);
        expect(all).toBeGreaterThan(0n);
    });

    it('an ingress call carries no cycles: msg_cycles_available is 0 and accept takes nothing', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const reply = await run(replica, id, prog().ic0('msg_cycles_available').appendI64().ic0('msg_cycles_accept', 1000).appendI64().ic0('msg_reply'));
        expect(u64(reply, 0)).toBe(0n);
        expect(u64(reply, 8)).toBe(0n);
    });
});

describe('stable memory (spec §1.4 "Stable memory")', () => {
    let replica: Replica;
    beforeEach(async () => {
        replica = await newReplica();
    });

    it('stable64 grow, size, write and read', async () => {
        const id = await universal(replica);
        const reply = await run(
            replica,
            id,
            prog()
                .ic0('stable64_size')
                .appendI64()
                .ic0('stable64_grow', 3)
                .appendI64()
                .ic0('stable64_size')
                .appendI64()
                .ic0('stable64_write', 3 * 65536 - 5, 'hello')
                .ic0('stable64_read', SCRATCH, 3 * 65536 - 5, 5)
                .ic0('msg_reply_data_append', SCRATCH, 5)
                .ic0('msg_reply')
        );
        expect(u64(reply, 0)).toBe(0n);
        expect(u64(reply, 8)).toBe(0n);
        expect(u64(reply, 16)).toBe(3n);
        expect(text(reply.subarray(24))).toBe('hello');
        // Committed: a query reads the same bytes.
        expect(text(await query(replica, id, prog().ic0('stable64_read', SCRATCH, 3 * 65536 - 5, 5).ic0('msg_reply_data_append', SCRATCH, 5).ic0('msg_reply')))).toBe('hello');
        expect(new Uint8Array(await replica.getStableMemory(id)).length).toBe(3 * 65536);
    });

    it('stable64 access out of bounds traps', async () => {
        const id = await universal(replica, prog().ic0('stable64_grow', 1).op('drop'));
        await expectReject(run(replica, id, prog().ic0('stable64_write', 65536 - 2, 'abc').reply()), { rejectCode: 5 });
        await expectReject(run(replica, id, prog().ic0('stable64_read', SCRATCH, 65536 - 2, 3).reply()), { rejectCode: 5 });
        await expectReject(run(replica, id, prog().ic0('stable64_read', SCRATCH, 0xffffffffffffffffn, 2).reply()), { rejectCode: 5 });
        // The heap side is checked too.
        await expectReject(run(replica, id, prog().ic0('stable64_read', 16 * 65536 - 2, 0, 8).reply()), { rejectCode: 5 });
        await expectReject(run(replica, id, prog().ic0('stable64_write', 0, 16 * 65536 - 2, 8).reply()), { rejectCode: 5 });
    });

    it('stable64_grow returns -1 past the 500 GiB limit and changes nothing', async () => {
        const id = await universal(replica);
        const reply = await run(replica, id, prog().ic0('stable64_grow', 500n * 16384n + 1n).appendI64().ic0('stable64_size').appendI64().ic0('msg_reply'));
        expect(i64(reply, 0)).toBe(-1n);
        expect(u64(reply, 8)).toBe(0n);
    });

    it('the legacy 32-bit API reads and writes the same memory', async () => {
        const id = await universal(replica);
        const reply = await run(
            replica,
            id,
            prog()
                .ic0('stable_grow', 2)
                .appendI64()
                .ic0('stable_size')
                .appendI64()
                .ic0('stable_write', 10, 'legacy')
                .ic0('stable64_read', SCRATCH, 10, 6)
                .ic0('msg_reply_data_append', SCRATCH, 6)
                .ic0('stable64_write', 100, 'wide')
                .ic0('stable_read', SCRATCH, 100, 4)
                .ic0('msg_reply_data_append', SCRATCH, 4)
                .ic0('msg_reply')
        );
        expect(u64(reply, 0)).toBe(0n);
        expect(u64(reply, 8)).toBe(2n);
        expect(text(reply.subarray(16))).toBe('legacywide');
        await expectReject(run(replica, id, prog().ic0('stable_read', SCRATCH, 2 * 65536 - 1, 2).reply()), { rejectCode: 5 });
    });

    it('stable_grow returns -1 when the result would exceed 65,536 pages', async () => {
        const id = await universal(replica);
        const reply = await run(replica, id, prog().ic0('stable_grow', 65537).appendI64().ic0('stable_size').appendI64().ic0('msg_reply'));
        expect(i64(reply, 0)).toBe(-1n);
        expect(u64(reply, 8)).toBe(0n);
    });

    it('the 32-bit API traps once stable memory is larger than 4 GiB', async () => {
        const id = await universal(replica);
        await run(replica, id, prog().ic0('stable64_grow', 65537).op('drop').reply());
        await expectReject(run(replica, id, prog().ic0('stable_size').replyI64()), { rejectCode: 5, errorCode: 'IC0504' });
        await expectReject(run(replica, id, prog().ic0('stable_read', SCRATCH, 0, 1).reply()), { rejectCode: 5, errorCode: 'IC0504' });
    });
});

describe('certification (spec §1.4 "Certification")', () => {
    it(`certified_data_set takes up to ${MAX_CERTIFIED_DATA_BYTES} bytes and traps above`, async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const full = 'x'.repeat(MAX_CERTIFIED_DATA_BYTES);
        await run(replica, id, prog().ic0('certified_data_set', full).reply());
        expect(text((await systemState(replica, id)).certifiedData)).toBe(full);
        await expectReject(run(replica, id, prog().ic0('certified_data_set', 'y'.repeat(MAX_CERTIFIED_DATA_BYTES + 1)).reply()), { rejectCode: 5, errorCode: 'IC0504' });
        expect(text((await systemState(replica, id)).certifiedData)).toBe(full);
    });

    it('a data certificate is present only in query calls', async () => {
        const certificate = new Uint8Array([1, 2, 3, 4]);
        const replica = await newReplica({ certifyQuery: () => certificate });
        const id = await universal(replica);
        const present = prog().ic0('data_certificate_present').replyI64();
        expect(u64(await query(replica, id, present))).toBe(1n);
        expect(u64(await run(replica, id, present))).toBe(0n);
        expect(u64(await replica.updateCall({ canisterId: id, method: 'query', arg: present.build(), sender: OWNER }))).toBe(0n);
        expect([...(await query(replica, id, prog().blob('data_certificate').appendBlob().reply()))]).toEqual([1, 2, 3, 4]);
    });
});

describe('the in-process replica certifies like the IC', () => {
    it('gives a query a BLS certificate of its certified data and the time, which @dfinity/agent accepts', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        await run(replica, id, prog().ic0('certified_data_set', 'hello').reply());
        await replica.tick();
        const bytes = await query(replica, id, prog().blob('data_certificate').appendBlob().reply());
        const rootKey = await replica.getPubKey((await replica.getCanisterSubnetId(id))!);
        const certificate = await Certificate.create({ certificate: bytes, rootKey, canisterId: id, disableTimeVerification: true });
        const certified = certificate.lookup_path(['canister', id.toUint8Array(), 'certified_data']);
        expect(certified.status).toBe(LookupPathStatus.Found);
        expect(text(certified.status === LookupPathStatus.Found ? new Uint8Array(certified.value) : new Uint8Array(0))).toBe('hello');
        expect(certificate.lookup_path(['time']).status).toBe(LookupPathStatus.Found);
    });

    it('lets a canister read the root key it is certified with (ic0.root_key_*)', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const key = await run(replica, id, prog().blob('root_key').appendBlob().reply());
        expect(Buffer.from(key).equals(Buffer.from(await replica.getPubKey((await replica.getCanisterSubnetId(id))!)))).toBe(true);
        expect(key).toHaveLength(133);
    });
});

describe('time and introspection (spec §1.4 "Time and timers", "Introspection")', () => {
    let replica: Replica;
    let id: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        id = await universal(replica);
    });

    it('time is constant within a message and follows the replica clock', async () => {
        const replica = await newReplica({ time: BigInt(Date.parse('2029-01-01T00:00:00Z')) * 1_000_000n });
        const id = await universal(replica);
        await replica.setTime(new Date('2030-01-01T00:00:00Z'));
        const p = prog().ic0('time').appendI64().ic0('stable64_grow', 1).op('drop').ic0('performance_counter', 0).op('drop').ic0('time').appendI64().ic0('msg_reply');
        const reply = await run(replica, id, p);
        expect(u64(reply, 0)).toBe(u64(reply, 8));
        expect(u64(reply, 0)).toBe(BigInt(Date.parse('2030-01-01T00:00:00Z')) * 1_000_000n);
    });

    it('performance_counter(0) grows within a message; type 1 counts the whole call context; other types trap', async () => {
        const reply = await run(
            replica,
            id,
            prog()
                .ic0('performance_counter', 0)
                .appendI64()
                .ic0('stable64_grow', 1)
                .op('drop')
                .ic0('performance_counter', 0)
                .appendI64()
                .ic0('performance_counter', 1)
                .appendI64()
                .ic0('msg_reply')
        );
        const first = u64(reply, 0);
        const second = u64(reply, 8);
        expect(first).toBeGreaterThan(0n);
        expect(second).toBeGreaterThan(first);
        expect(u64(reply, 16)).toBeGreaterThanOrEqual(second);
        await expectReject(run(replica, id, prog().ic0('performance_counter', 2).replyI64()), { rejectCode: 5, errorCode: 'IC0504' });
    });

    it('performance_counter(1) in a callback includes the instructions of the method before it', async () => {
        const helper = await universal(replica);
        const onReply = prog().ic0('performance_counter', 0).appendI64().ic0('performance_counter', 1).appendI64().ic0('msg_reply');
        const reply = await run(
            replica,
            id,
            prog().callNew(helper.toUint8Array(), 'run', onReply, null).ic0('call_data_append', prog().reply().build()).ic0('call_perform').op('drop')
        );
        expect(u64(reply, 8)).toBeGreaterThan(u64(reply, 0));
    });

    it('msg_deadline is 0 for ingress calls and query calls', async () => {
        expect(u64(await run(replica, id, prog().ic0('msg_deadline').replyI64()))).toBe(0n);
        expect(u64(await query(replica, id, prog().ic0('msg_deadline').replyI64()))).toBe(0n);
    });

    it('environment variables are readable by name and index', async () => {
        const canisterId = await replica.createCanister({ sender: OWNER, environmentVariables: [{ name: 'ZED', value: 'last' }, { name: 'ALPHA', value: 'first' }] });
        await replica.installCode({ canisterId, wasm: await universalWasm(), arg: new Uint8Array(0), sender: OWNER });
        const reply = await run(
            replica,
            canisterId,
            prog()
                .ic0('env_var_count')
                .appendI64()
                .ic0('env_var_name_size', 0)
                .appendI64()
                .ic0('env_var_value_size', 'ZED')
                .appendI64()
                .ic0('env_var_value_copy', 'ZED', SCRATCH, 0, 4)
                .ic0('msg_reply_data_append', SCRATCH, 4)
                .ic0('msg_reply')
        );
        expect(u64(reply, 0)).toBe(2n);
        expect(u64(reply, 8)).toBe(5n); // "ALPHA" sorts first
        expect(u64(reply, 16)).toBe(4n);
        expect(text(reply.subarray(24))).toBe('last');
        await expectReject(run(replica, canisterId, prog().ic0('env_var_value_size', 'NOPE').replyI64()), { rejectCode: 5, errorCode: 'IC0504' });
        await expectReject(run(replica, canisterId, prog().ic0('env_var_name_size', 2).replyI64()), { rejectCode: 5, errorCode: 'IC0504' });
    });
});

describe('inspect_message (spec §1.4, §2.1)', () => {
    it('without a program the canister accepts; a program that does not accept refuses the message; query calls are not inspected', async () => {
        const replica = await newReplica();
        const id = await universal(replica, null, { inspectMessage: true });
        expect(text(await run(replica, id, prog().reply('accepted')))).toBe('accepted');
        await run(replica, id, prog().setSlot(Slot.inspectMessage, prog().blob('msg_method_name').ic0('debug_print')).reply());
        let refusal: unknown = null;
        try {
            await submit(replica, id, prog().reply());
        } catch (error) {
            refusal = error;
        }
        expect(refusal).toBeInstanceOf(CallRejectedError);
        expect((refusal as CallRejectedError).rejectCode).toBe(4);
        expect((refusal as CallRejectedError).errorCode).toBe('IC0406');
        expect(text(await query(replica, id, prog().reply('query')))).toBe('query');
    });

    it('a trap in inspect_message refuses the message with the trap; an accepted message runs', async () => {
        const replica = await newReplica();
        const id = await universal(replica, prog().setSlot(Slot.inspectMessage, prog().ic0('msg_arg_data_size').op('assert').ic0('accept_message')), { inspectMessage: true });
        await expectReject(replica.submitCall({ sender: OWNER, canisterId: id, method: 'run', arg: new Uint8Array(0) }), { rejectCode: 5, errorCode: 'IC0503' });
        const accepted = await submit(replica, id, prog().reply('ran'));
        await replica.tick();
        const s = await status(replica, accepted);
        expect(s?.status === 'replied' && text(s.reply)).toBe('ran');
    });

    it('accept_message twice traps', async () => {
        const replica = await newReplica();
        const id = await universal(replica, prog().setSlot(Slot.inspectMessage, prog().ic0('accept_message').ic0('accept_message')), { inspectMessage: true });
        await expectReject(replica.submitCall({ sender: OWNER, canisterId: id, method: 'run', arg: prog().reply().build() }), { rejectCode: 5, errorCode: 'IC0504' });
    });
});

describe('the Wasm start function (context s, spec §1.2, §2.1)', () => {
    const startModule = (call: string) => `(module
      (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
      (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
      (import "ic0" "stable64_size" (func $size (result i64)))
      (import "ic0" "debug_print" (func $print (param i32 i32)))
      (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
      (import "ic0" "msg_reply" (func $reply))
      (memory 1)
      (global $started (mut i64) (i64.const 0))
      (func $start ${call} (global.set $started (i64.const 1)))
      (start $start)
      (func (export "canister_init") (i64.store (i32.const 0) (i64.add (global.get $started) (i64.mul (call $size) (i64.const 10)))))
      (func (export "canister_query state") (call $append (i32.const 0) (i32.const 8)) (call $reply))
    )`;

    it('runs before canister_init and may use stable memory and debug_print', async () => {
        const replica = await newReplica();
        const canisterId = await replica.createCanister({ sender: OWNER });
        await replica.installCode({ canisterId, wasm: await wat(startModule('(drop (call $grow (i64.const 2))) (call $print (i32.const 0) (i32.const 4))')), arg: new Uint8Array(0), sender: OWNER });
        // init saw the start function's global (1) and its stable memory (2 pages).
        expect(u64(await replica.queryCall({ canisterId, method: 'state', arg: new Uint8Array(0), sender: OWNER }))).toBe(21n);
    });

    it('msg_caller is not available there: the install fails with IC0504', async () => {
        const replica = await newReplica();
        const canisterId = await replica.createCanister({ sender: OWNER });
        const e = await expectReject(replica.installCode({ canisterId, wasm: await wat(startModule('(drop (call $caller_size))')), arg: new Uint8Array(0), sender: OWNER }), {
            rejectCode: 5,
            errorCode: 'IC0504'
        });
        expect(e.rejectMessage.startsWith(`Error from Canister ${canisterId.toText()}: ${contextViolation('msg_caller_size', 'start')}.`)).toBe(true);
    });
});
