/**
 * Inter-canister calls (interface spec §1.4 "Inter-canister calls", §1.5, §2.2–§2.5):
 * (Over 400 lines on purpose: one spec section, its cases in the order of the section.)
 * replies, rejects, callbacks by table index, cleanup, system rejects, cycles and
 * bounded-wait calls.
 */
import { Replica } from '../../../src/replica/index.js';
import {
    OWNER,
    Principal,
    expectReject,
    forwardedReject,
    newReplica,
    query,
    run,
    logTexts,
    settled,
    status,
    statusOf,
    submit,
    submitManagement,
    systemState,
    text,
    u128,
    u64,
    universal
} from './support/harness.js';
import { DATA, SCRATCH, forwardReject, forwardReply, prog } from './support/universal.js';
import { wat } from './support/wat.js';
import { MAX_CALL_TIMEOUT_SECONDS } from '../../../src/replica/constants.js';

const global = async (replica: Replica, id: Principal) => u64(await query(replica, id, prog().op('global_get').replyI64()));

describe('replies and rejects', () => {
    let replica: Replica;
    let a: Principal;
    let b: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        a = await universal(replica);
        b = await universal(replica);
    });

    it('the reply callback gets the callee reply as its argument; msg_reject_code is 0 there', async () => {
        const onReply = prog().ic0('msg_reject_code').appendI64().blob('msg_arg_data').appendBlob().ic0('msg_reply');
        const reply = await run(replica, a, prog().call({ callee: b, arg: prog().reply('pong'), onReply, onReject: forwardReject() }));
        expect(u64(reply)).toBe(0n);
        expect(text(reply.subarray(8))).toBe('pong');
    });

    it('msg_reject in the callee reaches the reject callback as CANISTER_REJECT (4) with its text', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, arg: prog().reject('not today'), onReply: forwardReply(), onReject: forwardReject() }));
        expect(forwardedReject(reply)).toEqual({ code: 4, message: 'not today' });
    });

    it('a trap in the callee reaches the caller as CANISTER_ERROR (5) with the trap text', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, arg: prog().trap('callee broke'), onReply: forwardReply(), onReject: forwardReject() }));
        const { code, message } = forwardedReject(reply);
        expect(code).toBe(5);
        expect(message.startsWith(`Error from Canister ${b.toText()}: Canister called \`ic0.trap\` with message: 'callee broke'.`)).toBe(true);
    });

    it('a callee that returns without replying is rejected with CANISTER_ERROR (5); an ingress caller sees IC0506', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, arg: prog(), onReply: forwardReply(), onReject: forwardReject() }));
        expect(forwardedReject(reply).code).toBe(5);
        await expectReject(run(replica, b, prog()), { rejectCode: 5, errorCode: 'IC0506', message: `Canister ${b.toText()} did not reply to the call` });
    });

    it('the callee sees the calling canister as msg_caller, and so do the caller callbacks see their own caller', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, arg: prog().blob('msg_caller').appendBlob().ic0('msg_reply'), onReply: prog().blob('msg_arg_data').appendBlob().blob('msg_caller').appendBlob().ic0('msg_reply') }));
        const len = a.toUint8Array().length;
        expect(Principal.fromUint8Array(reply.subarray(0, len)).toText()).toBe(a.toText());
        expect(Principal.fromUint8Array(reply.subarray(len)).toText()).toBe(OWNER.toText());
    });

    it('a query method can be called by another canister (as a replicated query)', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, method: 'query', arg: prog().ic0('in_replicated_execution').replyI64(), onReply: forwardReply(), onReject: forwardReject() }));
        expect(u64(reply)).toBe(1n);
    });

    it('calls from one execution start in the order they were performed', async () => {
        const c = await universal(replica);
        // g = 10 g + d, with additions only: 2g, 4g, 8g, then 8g + 2g.
        const digit = (d: number) => prog().op('global_get').op('dup').op('add').op('dup').op('dup').op('add').op('dup').op('add').op('add').op('add', d).op('global_set').reply();
        const p = prog().call({ callee: c, arg: digit(1) }).call({ callee: c, arg: digit(2) }).call({ callee: c, arg: digit(3) }).reply();
        await run(replica, a, p);
        await replica.tick(3);
        expect(await global(replica, c)).toBe(123n);
    });
});

describe('callbacks by function-table index, with env', () => {
    /** A caller whose callbacks are table entries 5 (reply) and 6 (reject); entry 7 has the wrong type. */
    const CALLER = `(module
      (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
      (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
      (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
      (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
      (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
      (import "ic0" "call_perform" (func $call_perform (result i32)))
      (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
      (import "ic0" "msg_reply" (func $reply))
      (memory 1)
      (table 8 funcref)
      (elem (i32.const 5) $on_reply $on_reject $wrong_type)
      (data (i32.const 100) "run")
      ;; argument: [callee length][callee][reply index (4 bytes)][payload for the callee]
      (func $call (local $n i32) (local $len i32)
        (local.set $n (call $arg_size))
        (call $arg_copy (i32.const 1000) (i32.const 0) (local.get $n))
        (local.set $len (i32.load8_u (i32.const 1000)))
        (call $call_new (i32.const 1001) (local.get $len) (i32.const 100) (i32.const 3)
          (i32.load (i32.add (i32.const 1001) (local.get $len))) (i32.const 0xC0FFEE)
          (i32.const 6) (i32.const 0xBADF00D))
        (call $call_data_append (i32.add (i32.const 1005) (local.get $len)) (i32.sub (local.get $n) (i32.add (i32.const 5) (local.get $len))))
        (drop (call $call_perform)))
      (func $on_reply (param $env i32) (local $n i32)
        (i32.store8 (i32.const 2000) (i32.const 82))
        (i32.store (i32.const 2001) (local.get $env))
        (local.set $n (call $arg_size))
        (call $arg_copy (i32.const 2005) (i32.const 0) (local.get $n))
        (call $append (i32.const 2000) (i32.add (i32.const 5) (local.get $n)))
        (call $reply))
      (func $on_reject (param $env i32)
        (i32.store8 (i32.const 2000) (i32.const 74))
        (i32.store (i32.const 2001) (local.get $env))
        (i32.store (i32.const 2005) (call $reject_code))
        (call $append (i32.const 2000) (i32.const 9))
        (call $reply))
      (func $wrong_type (result i32)
        (i32.store8 (i32.const 2000) (i32.const 87))
        (call $append (i32.const 2000) (i32.const 1))
        (call $reply)
        (i32.const 0))
      (func (export "canister_update call") (call $call))
    )`;

    let replica: Replica;
    let caller: Principal;
    let callee: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        caller = await replica.createCanister({ sender: OWNER });
        await replica.installCode({ canisterId: caller, wasm: await wat(CALLER), arg: new Uint8Array(0), sender: OWNER });
        callee = await universal(replica);
    });

    const argument = (replyIndex: number, payload: Uint8Array) => {
        const id = callee.toUint8Array();
        const index = new Uint8Array(4);
        new DataView(index.buffer).setUint32(0, replyIndex, true);
        return new Uint8Array([id.length, ...id, ...index, ...payload]);
    };
    const callWith = (replyIndex: number, payload: Uint8Array) => replica.updateCall({ canisterId: caller, method: 'call', arg: argument(replyIndex, payload), sender: OWNER });

    it('the reply callback is table[reply_fun](reply_env)', async () => {
        const reply = await callWith(5, prog().reply('data').build());
        expect(text(reply.subarray(0, 1))).toBe('R');
        expect(new DataView(reply.buffer, reply.byteOffset).getUint32(1, true)).toBe(0xc0ffee);
        expect(text(reply.subarray(5))).toBe('data');
    });

    it('the reject callback is table[reject_fun](reject_env)', async () => {
        const reply = await callWith(5, prog().reject('no').build());
        expect(text(reply.subarray(0, 1))).toBe('J');
        expect(new DataView(reply.buffer, reply.byteOffset).getUint32(1, true)).toBe(0xbadf00d);
        expect(new DataView(reply.buffer, reply.byteOffset).getUint32(5, true)).toBe(4);
    });

    it('a callback index outside the table traps (IC0513) and the caller context is rejected', async () => {
        await expectReject(callWith(100, prog().reply('data').build()), { rejectCode: 5, errorCode: 'IC0513' });
    });

    it('a table entry of the wrong type traps instead of running', async () => {
        await expectReject(callWith(7, prog().reply('data').build()), { rejectCode: 5 });
    });
});

describe('traps in callbacks and cleanup (spec §1.5)', () => {
    let replica: Replica;
    let a: Principal;
    let b: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        a = await universal(replica, prog().ic0('stable64_grow', 1).op('drop'));
        b = await universal(replica);
    });

    const observe = prog()
        .op('load64', DATA)
        .appendI64()
        .op('load64', DATA + 8)
        .appendI64()
        .op('load64', DATA + 16)
        .appendI64()
        .op('global_get')
        .appendI64()
        .ic0('stable64_read', SCRATCH, 0, 12)
        .ic0('msg_reply_data_append', SCRATCH, 12)
        .ic0('msg_reply');

    it('a callback trap without cleanup rejects the caller context with the trap and keeps nothing', async () => {
        const onReply = prog().op('store64', DATA, 11).op('global_set', 11).trap('callback failed');
        const e = await expectReject(run(replica, a, prog().call({ callee: b, arg: prog().reply(), onReply })), { rejectCode: 5, errorCode: 'IC0503' });
        expect(e.rejectMessage.startsWith(`Error from Canister ${a.toText()}: Canister called \`ic0.trap\` with message: 'callback failed'.`)).toBe(true);
        const state = await query(replica, a, observe);
        expect(u64(state, 0)).toBe(0n);
        expect(u64(state, 24)).toBe(0n);
    });

    it('when a callback traps, cleanup runs from the pre-callback state and its changes persist; the callback changes do not', async () => {
        const onReply = prog()
            .op('store64', DATA, 11)
            .op('global_set', 11)
            .ic0('stable64_write', 0, 'callback')
            .ic0('certified_data_set', 'from callback')
            .trap('callback failed');
        // The cleanup sees the pre-callback heap (DATA is still 0) and records that it did.
        // The timer it sets is far in the future (2116), so it is still set when the test reads it rounds later.
        const onCleanup = prog().op('load64', DATA).op('eq', 0).op('assert').op('store64', DATA + 8, 22).ic0('stable64_write', 8, 'cln!').ic0('global_timer_set', 1n << 62n).op('drop');
        await expectReject(run(replica, a, prog().call({ callee: b, arg: prog().reply(), onReply, onCleanup })), {
            rejectCode: 5,
            errorCode: 'IC0503',
            matches: /'callback failed'/
        });
        const state = await query(replica, a, observe);
        expect(u64(state, 0)).toBe(0n);
        expect(u64(state, 8)).toBe(22n);
        expect(u64(state, 24)).toBe(0n);
        expect([...state.subarray(32, 40)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
        expect(text(state.subarray(40))).toBe('cln!');
        const system = await systemState(replica, a);
        expect(system.globalTimer).toBe(1n << 62n);
        expect(text(system.certifiedData)).toBe('');
    });

    it('cleanup also runs when the reject callback traps, and msg_reject_code is the reject code there', async () => {
        const onCleanup = prog().i64(DATA + 16).ic0('msg_reject_code').op('store64');
        await expectReject(run(replica, a, prog().call({ callee: b, arg: prog().reject('no'), onReject: prog().trap('reject callback failed'), onCleanup })), {
            rejectCode: 5,
            matches: /'reject callback failed'/
        });
        expect(u64(await query(replica, a, observe), 16)).toBe(4n);
    });

    it('when cleanup traps too, nothing is committed and the reject carries both errors', async () => {
        const before = await query(replica, a, observe);
        const onCleanup = prog().op('store64', DATA + 8, 33).trap('cleanup failed');
        const e = await expectReject(run(replica, a, prog().call({ callee: b, arg: prog().reply(), onReply: prog().trap('callback failed'), onCleanup })), { rejectCode: 5 });
        expect(
            e.rejectMessage.startsWith(
                `Error from Canister ${a.toText()}: Canister called \`ic0.trap\` with message: 'callback failed'\n\ncall_on_cleanup also failed:\n\nCanister called \`ic0.trap\` with message: 'cleanup failed'.`
            )
        ).toBe(true);
        expect([...(await query(replica, a, observe))]).toEqual([...before]);
    });

    it('a trapped callback leaves the call context open: another callback can still reply', async () => {
        const p = prog().call({ callee: b, arg: prog().reply(), onReply: prog().trap('first') }).call({ callee: b, arg: prog().reply('second'), onReply: forwardReply() });
        expect(text(await run(replica, a, p))).toBe('second');
    });

    it('a callback cannot answer a context that is already answered', async () => {
        const p = prog().call({ callee: b, arg: prog().reply(), onReply: prog().reply('late') }).reply('early');
        const id = await submit(replica, a, p);
        await replica.tick(4);
        expect(text(await settled(replica, id))).toBe('early');
        // The callback's msg_reply trapped: its effects are gone, and it is logged.
        const logs = await logTexts(replica, a);
        expect(logs.some((l) => l.startsWith('[TRAP]: Canister violated contract:'))).toBe(true);
    });
});

describe('system rejects of calls (spec §2.5, §2.6)', () => {
    let replica: Replica;
    let a: Principal;
    let b: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        a = await universal(replica);
        b = await universal(replica);
    });

    it('a call to a canister that does not exist: DESTINATION_INVALID (3), IC0301 for ingress', async () => {
        const missing = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
        const reply = await run(replica, a, prog().call({ callee: missing, onReply: forwardReply(), onReject: forwardReject() }));
        expect(forwardedReject(reply)).toEqual({ code: 3, message: `Canister ${missing.toText()} not found` });
        await expectReject(replica.updateCall({ canisterId: missing, method: 'run', arg: new Uint8Array(0), sender: OWNER }), {
            rejectCode: 3,
            errorCode: 'IC0301',
            message: `Canister ${missing.toText()} not found`
        });
    });

    it('a call to a method that does not exist: CANISTER_ERROR (5), IC0536', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, method: 'nope', onReply: forwardReply(), onReject: forwardReject() }));
        const { code, message } = forwardedReject(reply);
        expect(code).toBe(5);
        expect(message.startsWith(`Error from Canister ${b.toText()}: Canister has no update method 'nope'.`)).toBe(true);
        const e = await expectReject(replica.updateCall({ canisterId: b, method: 'nope', arg: new Uint8Array(0), sender: OWNER }), { rejectCode: 5, errorCode: 'IC0536' });
        expect(e.rejectMessage.startsWith(`Error from Canister ${b.toText()}: Canister has no update method 'nope'.`)).toBe(true);
        await expectReject(replica.queryCall({ canisterId: b, method: 'nope', arg: new Uint8Array(0), sender: OWNER }), { rejectCode: 5, errorCode: 'IC0536', matches: /Canister has no query method 'nope'/ });
    });

    it('a composite query method cannot be called by an update call: IC0527', async () => {
        await expectReject(replica.updateCall({ canisterId: b, method: 'composite', arg: prog().reply().build(), sender: OWNER }), { rejectCode: 5, errorCode: 'IC0527' });
        const reply = await run(replica, a, prog().call({ callee: b, method: 'composite', arg: prog().reply(), onReply: forwardReply(), onReject: forwardReject() }));
        expect(forwardedReject(reply).code).toBe(5);
        // As a query call it runs.
        expect(text(await replica.queryCall({ canisterId: b, method: 'composite', arg: prog().reply('cq').build(), sender: OWNER }))).toBe('cq');
    });

    it('a call to an empty canister: CANISTER_ERROR (5), IC0537', async () => {
        const empty = await replica.createCanister({ sender: OWNER });
        const reply = await run(replica, a, prog().call({ callee: empty, onReply: forwardReply(), onReject: forwardReject() }));
        expect(forwardedReject(reply).code).toBe(5);
        await expectReject(replica.updateCall({ canisterId: empty, method: 'run', arg: new Uint8Array(0), sender: OWNER }), { rejectCode: 5, errorCode: 'IC0537' });
    });

    it('a call to a stopped canister: CANISTER_ERROR (5), IC0508', async () => {
        const c = await universal(replica);
        await replica.stopCanister({ canisterId: c, sender: OWNER });
        const reply = await run(replica, a, prog().call({ callee: c, onReply: forwardReply(), onReject: forwardReject() }));
        expect(forwardedReject(reply)).toEqual({ code: 5, message: `Canister ${c.toText()} is stopped` });
        await expectReject(run(replica, c, prog().reply()), { rejectCode: 5, errorCode: 'IC0508', message: `Canister ${c.toText()} is stopped` });
        await expectReject(query(replica, c, prog().reply()), { rejectCode: 5, errorCode: 'IC0508' });
    });

    it('a call to a stopping canister: CANISTER_ERROR (5), IC0509', async () => {
        const c = await universal(replica);
        const d = await universal(replica);
        // c holds a call context open (its call to d is answered two rounds later) while it is asked to stop.
        const open = await submit(replica, c, prog().call({ callee: d, arg: prog().reply('late'), onReply: forwardReply() }));
        const stop = await submitManagement(replica, 'stop_canister', { canister_id: c });
        const calling = await submit(replica, a, prog().call({ callee: c, onReply: forwardReply(), onReject: forwardReject() }));
        await replica.tick();
        expect(await statusOf(replica, c)).toBe('stopping');
        await expect(submit(replica, c, prog().reply())).rejects.toThrow(`Canister ${c.toText()} is stopping`);
        await replica.tick(3);
        expect(forwardedReject(await settled(replica, calling))).toEqual({ code: 5, message: `Canister ${c.toText()} is stopping` });
        expect(text(await settled(replica, open))).toBe('late');
        await settled(replica, stop);
        expect(await statusOf(replica, c)).toBe('stopped');
    });
});

describe('cycles attached to calls (spec §1.4 "Cycles", §2.2)', () => {
    let replica: Replica;
    let a: Principal;
    let b: Principal;
    const START = 1_000_000_000_000n;
    beforeEach(async () => {
        // No fees, so balances can be checked to the cycle.
        replica = await newReplica({ costSchedule: 'free' });
        a = await universal(replica, null, { cycles: START });
        b = await universal(replica, null, { cycles: START });
    });

    const calleeAccepting = (amount: bigint) =>
        prog()
            .ic0('msg_cycles_available128', SCRATCH)
            .ic0('msg_cycles_accept128', 0, amount, SCRATCH + 16)
            .ic0('msg_cycles_available128', SCRATCH + 32)
            .ic0('msg_reply_data_append', SCRATCH, 48);
    const refunded = () => prog().ic0('msg_cycles_refunded128', SCRATCH + 64);

    it('the callee accepts part; the rest is refunded to the caller; balances add up', async () => {
        const onReply = refunded().blob('msg_arg_data').appendBlob().ic0('msg_reply_data_append', SCRATCH + 64, 16).ic0('msg_reply');
        const reply = await run(replica, a, prog().call({ callee: b, arg: calleeAccepting(400_000n).ic0('msg_reply'), cycles: 1_000_000n, onReply, onReject: forwardReject() }));
        expect(u128(reply, 0)).toBe(1_000_000n); // available before accepting
        expect(u128(reply, 16)).toBe(400_000n); // accepted
        expect(u128(reply, 32)).toBe(600_000n); // available after
        expect(u128(reply, 48)).toBe(600_000n); // refunded to the caller
        expect(await replica.getCyclesBalance(a)).toBe(START - 400_000n);
        expect(await replica.getCyclesBalance(b)).toBe(START + 400_000n);
    });

    it('accepting more than is available takes what is available', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, arg: calleeAccepting(5_000_000n).ic0('msg_reply'), cycles: 1_000_000n, onReply: forwardReply() }));
        expect(u128(reply, 16)).toBe(1_000_000n);
        expect(u128(reply, 32)).toBe(0n);
        expect(await replica.getCyclesBalance(b)).toBe(START + 1_000_000n);
    });

    it('a reject keeps what the callee accepted and refunds the rest', async () => {
        const onReject = refunded().ic0('msg_reply_data_append', SCRATCH + 64, 16).ic0('msg_reply');
        const reply = await run(replica, a, prog().call({ callee: b, arg: calleeAccepting(300_000n).reject('no'), cycles: 1_000_000n, onReject }));
        expect(u128(reply)).toBe(700_000n);
        expect(await replica.getCyclesBalance(a)).toBe(START - 300_000n);
        expect(await replica.getCyclesBalance(b)).toBe(START + 300_000n);
    });

    it('a callee trap undoes its accept: everything is refunded', async () => {
        const onReject = refunded().ic0('msg_reply_data_append', SCRATCH + 64, 16).ic0('msg_reply');
        const reply = await run(replica, a, prog().call({ callee: b, arg: calleeAccepting(300_000n).trap('no'), cycles: 1_000_000n, onReject }));
        expect(u128(reply)).toBe(1_000_000n);
        expect(await replica.getCyclesBalance(a)).toBe(START);
        expect(await replica.getCyclesBalance(b)).toBe(START);
    });

    it('cycles sent to a canister that does not exist come back', async () => {
        const onReject = refunded().ic0('msg_reply_data_append', SCRATCH + 64, 16).ic0('msg_reply');
        const reply = await run(replica, a, prog().call({ callee: Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai'), cycles: 1_000_000n, onReject }));
        expect(u128(reply)).toBe(1_000_000n);
        expect(await replica.getCyclesBalance(a)).toBe(START);
    });

    it('attaching more than the liquid balance traps', async () => {
        await expectReject(run(replica, a, prog().call({ callee: b, cycles: START + 1n })), { rejectCode: 5, errorCode: 'IC0504' });
        expect(await replica.getCyclesBalance(a)).toBe(START);
    });

    it('the balance seen by the caller drops by the cycles it attaches, within the same execution', async () => {
        const p = prog()
            .ic0('canister_cycle_balance128', SCRATCH)
            .callNew(b.toUint8Array(), 'run', null, null)
            .ic0('call_cycles_add128', 0, 250_000)
            .ic0('canister_cycle_balance128', SCRATCH + 16)
            .ic0('msg_reply_data_append', SCRATCH, 32)
            .ic0('msg_reply');
        const reply = await run(replica, a, p);
        expect(u128(reply, 0) - u128(reply, 16)).toBe(250_000n);
        // The call was never performed: nothing was spent.
        expect(await replica.getCyclesBalance(a)).toBe(START);
    });

    it('after msg_reply no cycles are available any more: the rest is refunded with the reply', async () => {
        const callee = prog().reply('done').ic0('msg_cycles_available').op('global_set');
        const onReply = refunded().ic0('msg_reply_data_append', SCRATCH + 64, 16).ic0('msg_reply');
        expect(u128(await run(replica, a, prog().call({ callee: b, arg: callee, cycles: 1_000_000n, onReply })))).toBe(1_000_000n);
        expect(await global(replica, b)).toBe(0n);
    });

    it('a callback sees the cycles still available on its call context and may accept them', async () => {
        // a sends 1,000,000 to b; b calls c, and only in its callback accepts 300,000 and replies.
        const c = await universal(replica, null, { cycles: START });
        const inCallback = prog().ic0('msg_cycles_available').appendI64().ic0('msg_cycles_accept', 300_000).appendI64().ic0('msg_reply');
        const bProgram = prog().call({ callee: c, arg: prog().reply(), onReply: inCallback });
        const onReply = refunded().blob('msg_arg_data').appendBlob().ic0('msg_reply_data_append', SCRATCH + 64, 16).ic0('msg_reply');
        const reply = await run(replica, a, prog().call({ callee: b, arg: bProgram, cycles: 1_000_000n, onReply }));
        expect(u64(reply, 0)).toBe(1_000_000n);
        expect(u64(reply, 8)).toBe(300_000n);
        expect(u128(reply, 16)).toBe(700_000n);
        expect(await replica.getCyclesBalance(a)).toBe(START - 300_000n);
        expect(await replica.getCyclesBalance(b)).toBe(START + 300_000n);
    });

    it('cycles attached to a call that is discarded by a new call_new return to the balance', async () => {
        const p = prog()
            .callNew(b.toUint8Array(), 'run', null, null)
            .ic0('call_cycles_add128', 0, 500_000)
            .call({ callee: b, arg: prog().reply(), onReply: prog().ic0('canister_cycle_balance128', SCRATCH).ic0('msg_reply_data_append', SCRATCH, 16).ic0('msg_reply') });
        expect(u128(await run(replica, a, p))).toBe(START);
    });
});

describe('bounded-wait calls (spec §1.4 call_with_best_effort_response, §2.5)', () => {
    let replica: Replica;
    let a: Principal;
    let b: Principal;
    let c: Principal;
    const T0 = Date.parse('2031-05-01T00:00:00Z');
    beforeEach(async () => {
        replica = await newReplica({ time: BigInt(T0) * 1_000_000n });
        a = await universal(replica);
        b = await universal(replica);
        c = await universal(replica);
    });

    it('a callee that does not answer before the deadline gives SYS_UNKNOWN (6); its late reply runs no callback', async () => {
        // b answers only after its own call to c comes back, several rounds later.
        const slow = prog().call({ callee: c, arg: prog().reply('late'), onReply: forwardReply() });
        const onReply = prog().op('global_set', 99).blob('msg_arg_data').appendBlob().ic0('msg_reply');
        const id = await submit(replica, a, prog().call({ callee: b, arg: slow, timeoutSeconds: 5, onReply, onReject: forwardReject() }));
        await replica.tick(2);
        expect((await status(replica, id))?.status).not.toBe('replied');
        await replica.advanceTime(6_000);
        await replica.tick();
        const { code } = forwardedReject(await settled(replica, id));
        expect(code).toBe(6);
        await replica.tick(5);
        expect(await global(replica, a)).toBe(0n);
        // No call context is left open: a stop completes in the round it is handled.
        const stop = await submitManagement(replica, 'stop_canister', { canister_id: a });
        await replica.tick();
        await settled(replica, stop);
        expect(await statusOf(replica, a)).toBe('stopped');
    });

    it('a bounded call answered in time gets its reply', async () => {
        const reply = await run(replica, a, prog().call({ callee: b, arg: prog().reply('quick'), timeoutSeconds: 5, onReply: forwardReply(), onReject: forwardReject() }));
        expect(text(reply)).toBe('quick');
    });

    it('msg_deadline in the callee is the caller time plus the timeout; 0 for unbounded calls', async () => {
        const deadline = prog().ic0('msg_deadline').replyI64();
        const bounded = await run(replica, a, prog().call({ callee: b, arg: deadline, timeoutSeconds: 7, onReply: forwardReply() }));
        expect(u64(bounded)).toBe(BigInt(T0) * 1_000_000n + 7_000_000_000n);
        const unbounded = await run(replica, a, prog().call({ callee: b, arg: deadline, onReply: forwardReply() }));
        expect(u64(unbounded)).toBe(0n);
    });

    it(`the timeout is capped at ${MAX_CALL_TIMEOUT_SECONDS} seconds`, async () => {
        const reply = await run(replica, a, prog().call({ callee: b, arg: prog().ic0('msg_deadline').replyI64(), timeoutSeconds: 100_000, onReply: forwardReply() }));
        expect(u64(reply)).toBe(BigInt(T0) * 1_000_000n + BigInt(MAX_CALL_TIMEOUT_SECONDS) * 1_000_000_000n);
    });

    it('call_with_best_effort_response twice on one call, or with no call under construction, traps', async () => {
        await expectReject(run(replica, a, prog().callNew(b.toUint8Array(), 'run', null, null).ic0('call_with_best_effort_response', 5).ic0('call_with_best_effort_response', 5)), { rejectCode: 5, errorCode: 'IC0504' });
        await expectReject(run(replica, a, prog().ic0('call_with_best_effort_response', 5)), { rejectCode: 5, errorCode: 'IC0504' });
    });
});

describe('call_* misuse (spec §1.4 "Inter-canister calls")', () => {
    it('call_* functions trap without a call under construction, and after call_perform; call_on_cleanup twice traps', async () => {
        const replica = await newReplica();
        const a = await universal(replica);
        const b = await universal(replica);
        for (const p of [
            prog().ic0('call_data_append', 'x'),
            prog().ic0('call_perform'),
            prog().ic0('call_on_cleanup', 1, 0),
            prog().ic0('call_cycles_add', 0),
            prog().call({ callee: b }).ic0('call_data_append', 'x'),
            prog().callNew(b.toUint8Array(), 'run', null, null).ic0('call_on_cleanup', 1, 0).ic0('call_on_cleanup', 1, 0)
        ]) {
            await expectReject(run(replica, a, p.reply()), { rejectCode: 5, errorCode: 'IC0504' });
        }
    });
});
