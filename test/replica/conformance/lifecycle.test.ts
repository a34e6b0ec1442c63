/**
 * Canister lifecycle (interface spec §2.6, §2.7, §3.3): stopping and stopped, stop
 * timeouts and cancellation, upgrades and uninstalls with outstanding calls, deletion.
 */
import {
    OWNER,
    Principal,
    expectReject,
    newReplica,
    outcome,
    query,
    run,
    settled,
    statusOf,
    submit,
    submitManagement,
    versionOf,
    text,
    u64,
    universal
} from './support/harness.js';
import { forever, prog, universalWasm } from './support/universal.js';
import { wat } from './support/wat.js';

/**
 * A caller module whose `call` method calls `run` on the callee named in its argument, with
 * both callbacks at table index 1 and env 7. The function at index 1 differs per version:
 * it records env in a global and replies its label (4 bytes) followed by env.
 */
function versionWat(label: string, atIndex1: 'answer' | 'previous' = 'answer'): string {
    const answer = (name: string, text: string) => `(func ${name} (param $env i32)
        (global.set $g (local.get $env))
        (i32.store (i32.const 300) (local.get $env))
        (i32.store (i32.const 200) (i32.const 0x${Buffer.from(text.padEnd(4, '_').slice(0, 4)).readUInt32LE(0).toString(16)}))
        (call $append (i32.const 200) (i32.const 4))
        (call $append (i32.const 300) (i32.const 4))
        (call $reply))`;
    return `(module
      (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
      (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
      (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
      (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
      (import "ic0" "call_perform" (func $call_perform (result i32)))
      (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
      (import "ic0" "msg_reply" (func $reply))
      (memory 1)
      (global $g (mut i32) (i32.const 0))
      (table 4 funcref)
      (elem (i32.const 1) ${atIndex1 === 'answer' ? '$answer $previous' : '$previous $answer'})
      (data (i32.const 100) "run")
      ${answer('$answer', label)}
      ${answer('$previous', 'prev')}
      (func (export "canister_update call") (local $n i32) (local $len i32)
        (local.set $n (call $arg_size))
        (call $arg_copy (i32.const 1000) (i32.const 0) (local.get $n))
        (local.set $len (i32.load8_u (i32.const 1000)))
        (call $call_new (i32.const 1001) (local.get $len) (i32.const 100) (i32.const 3) (i32.const 1) (i32.const 7) (i32.const 1) (i32.const 7))
        (call $call_data_append (i32.add (i32.const 1001) (local.get $len)) (i32.sub (local.get $n) (i32.add (i32.const 1) (local.get $len))))
        (drop (call $call_perform)))
      (func (export "canister_query get")
        (i32.store (i32.const 300) (global.get $g))
        (call $append (i32.const 300) (i32.const 4))
        (call $reply))
    )`;
}

function callArg(callee: Principal, payload: Uint8Array): Uint8Array {
    const id = callee.toUint8Array();
    return new Uint8Array([id.length, ...id, ...payload]);
}

describe('stopping and stopped (spec §2.6)', () => {
    it('a canister with an open call context stays stopping until the response arrives, then stops', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        const d = await universal(replica);
        const parked = await submit(replica, b, prog().call({ callee: d, arg: forever(), onReply: prog().reply('replied'), onReject: prog().reply('released') }));
        await replica.tick();
        const v0 = await versionOf(replica, b);
        const stop = await submitManagement(replica, 'stop_canister', { canister_id: b });
        await replica.tick(5);
        expect(await statusOf(replica, b)).toBe('stopping');
        expect(await outcome(replica, stop)).toBeNull();
        expect((await replica.canisterStatus({ canisterId: b, sender: OWNER })).status).toEqual({ stopping: null });
        const v1 = await versionOf(replica, b);
        expect(v1).toBeGreaterThan(v0);
        expect(u64(await run(replica, d, prog().ic0('canister_status').replyI64()))).toBe(1n);

        // Ending d's chain answers b's call; b's callback runs although b is stopping.
        await replica.callManagement('uninstall_code', { canister_id: d, sender_canister_version: [] }, OWNER);
        await replica.tick(3);
        expect(text(await settled(replica, parked))).toBe('released');
        await settled(replica, stop);
        expect(await statusOf(replica, b)).toBe('stopped');
        expect(await versionOf(replica, b)).toBeGreaterThan(v1);
        expect((await replica.canisterStatus({ canisterId: b, sender: OWNER })).status).toEqual({ stopped: null });
    });

    it('a canister sees canister_status 2 in callbacks while it is stopping', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        const c = await universal(replica);
        const open = await submit(replica, b, prog().call({ callee: c, arg: prog().reply(), onReply: prog().ic0('canister_status').replyI64() }));
        await submitManagement(replica, 'stop_canister', { canister_id: b });
        await replica.tick(4);
        expect(u64(await settled(replica, open))).toBe(2n);
        expect(await statusOf(replica, b)).toBe('stopped');
    });

    it('stopping a stopped canister replies at once; stop on a canister without open contexts stops it in the same round', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        await replica.stopCanister({ canisterId: b, sender: OWNER });
        expect(await statusOf(replica, b)).toBe('stopped');
        await replica.stopCanister({ canisterId: b, sender: OWNER });
        expect(await statusOf(replica, b)).toBe('stopped');
    });

    it('calls to stopping and stopped canisters are rejected (IC0509, IC0508); start makes it run again', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        const d = await universal(replica);
        await submit(replica, b, prog().call({ callee: d, arg: forever(), onReject: prog().reply() }));
        await replica.tick();
        await submitManagement(replica, 'stop_canister', { canister_id: b });
        await replica.tick();
        await expectReject(run(replica, b, prog().reply()), { rejectCode: 5, errorCode: 'IC0509', message: `Canister ${b.toText()} is stopping` });
        await expectReject(query(replica, b, prog().reply()), { rejectCode: 5, errorCode: 'IC0509' });
        await replica.callManagement('uninstall_code', { canister_id: d, sender_canister_version: [] }, OWNER);
        await replica.tick(3);
        expect(await statusOf(replica, b)).toBe('stopped');
        await expectReject(run(replica, b, prog().reply()), { rejectCode: 5, errorCode: 'IC0508', message: `Canister ${b.toText()} is stopped` });
        await replica.startCanister({ canisterId: b, sender: OWNER });
        expect(text(await run(replica, b, prog().reply('again')))).toBe('again');
    });

    it('a stop that waits longer than the stop timeout is rejected with IC0206; the canister stays stopping', async () => {
        const replica = await newReplica({ stopTimeoutNs: 10_000_000_000n });
        const b = await universal(replica);
        const d = await universal(replica);
        await submit(replica, b, prog().call({ callee: d, arg: forever(), onReject: prog().reply() }));
        await replica.tick();
        const stop = await submitManagement(replica, 'stop_canister', { canister_id: b });
        await replica.tick();
        await replica.advanceTime(9_000);
        await replica.tick();
        expect(await outcome(replica, stop)).toBeNull();
        await replica.advanceTime(2_000);
        await replica.tick();
        await expectReject(settled(replica, stop), { rejectCode: 2, errorCode: 'IC0206' });
        expect(await statusOf(replica, b)).toBe('stopping');
        // Once the call is answered, the canister stops (no stop call is waiting any more).
        await replica.callManagement('uninstall_code', { canister_id: d, sender_canister_version: [] }, OWNER);
        await replica.tick(3);
        expect(await statusOf(replica, b)).toBe('stopped');
    });

    it('start on a stopping canister runs it again and rejects the pending stops with IC0511', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        const d = await universal(replica);
        await submit(replica, b, prog().call({ callee: d, arg: forever(), onReject: prog().reply() }));
        await replica.tick();
        const stop1 = await submitManagement(replica, 'stop_canister', { canister_id: b });
        const stop2 = await submitManagement(replica, 'stop_canister', { canister_id: b });
        await replica.tick();
        expect(await statusOf(replica, b)).toBe('stopping');
        await replica.startCanister({ canisterId: b, sender: OWNER });
        expect(await statusOf(replica, b)).toBe('running');
        await expectReject(settled(replica, stop1), { rejectCode: 5, errorCode: 'IC0511' });
        await expectReject(settled(replica, stop2), { rejectCode: 5, errorCode: 'IC0511' });
        expect(text(await run(replica, b, prog().reply('running')))).toBe('running');
    });
});

describe('upgrades and uninstalls with outstanding calls (spec §2.7)', () => {
    it('after an upgrade, the response runs the function at the callback table index in the new module', async () => {
        const replica = await newReplica();
        const a = await replica.createCanister({ sender: OWNER });
        await replica.installCode({ canisterId: a, wasm: await wat(versionWat('old')), arg: new Uint8Array(0), sender: OWNER });
        const c = await universal(replica);
        // The call goes out in the first round; the upgrade happens in the same round, before the response.
        const call = await replica.submitCall({ sender: OWNER, canisterId: a, method: 'call', arg: callArg(c, prog().reply('x').build()) });
        const newModule = await wat(versionWat('new'));
        const upgrade = await submitManagement(replica, 'install_code', {
            mode: { upgrade: [] },
            canister_id: a,
            wasm_module: newModule,
            arg: new Uint8Array(0),
            sender_canister_version: []
        });
        await replica.tick();
        await settled(replica, upgrade);
        expect(await outcome(replica, call)).toBeNull();
        await replica.tick(3);
        const reply = await settled(replica, call);
        expect(text(reply.subarray(0, 4))).toBe('new_');
        expect(new DataView(reply.buffer, reply.byteOffset).getUint32(4, true)).toBe(7);
    });

    it('the new module may hold a different function at that index: whatever is there runs', async () => {
        const replica = await newReplica();
        const a = await replica.createCanister({ sender: OWNER });
        await replica.installCode({ canisterId: a, wasm: await wat(versionWat('old')), arg: new Uint8Array(0), sender: OWNER });
        const c = await universal(replica);
        const call = await replica.submitCall({ sender: OWNER, canisterId: a, method: 'call', arg: callArg(c, prog().reply('x').build()) });
        // In the new module index 1 holds `$previous` (and `$answer` moved to index 2).
        await submitManagement(replica, 'install_code', { mode: { upgrade: [] }, canister_id: a, wasm_module: await wat(versionWat('v2', 'previous')), arg: new Uint8Array(0), sender_canister_version: [] });
        await replica.tick(4);
        expect(text((await settled(replica, call)).subarray(0, 4))).toBe('prev');
    });

    it('uninstall rejects open call contexts with "Canister has been uninstalled." and a later response runs no callback', async () => {
        const replica = await newReplica();
        const a = await replica.createCanister({ sender: OWNER });
        const module = await wat(versionWat('old'));
        await replica.installCode({ canisterId: a, wasm: module, arg: new Uint8Array(0), sender: OWNER });
        const c = await universal(replica);
        const call = await replica.submitCall({ sender: OWNER, canisterId: a, method: 'call', arg: callArg(c, prog().reply('x').build()) });
        const uninstall = await submitManagement(replica, 'uninstall_code', { canister_id: a, sender_canister_version: [] });
        // Reinstalled in the same round: the old response must not reach the new code.
        const reinstall = await submitManagement(replica, 'install_code', { mode: { install: null }, canister_id: a, wasm_module: module, arg: new Uint8Array(0), sender_canister_version: [] });
        await replica.tick();
        await settled(replica, uninstall);
        await settled(replica, reinstall);
        await expectReject(settled(replica, call), { rejectCode: 4, message: 'Canister has been uninstalled.' });
        await replica.tick(4);
        const g = await replica.queryCall({ canisterId: a, method: 'get', arg: new Uint8Array(0), sender: OWNER });
        expect(new DataView(g.buffer, g.byteOffset).getUint32(0, true)).toBe(0);
    });

    it('the cycles refunded with a response to a deleted context still reach the balance', async () => {
        const START = 1_000_000_000_000n;
        const replica = await newReplica({ costSchedule: 'free' });
        const a = await universal(replica, null, { cycles: START });
        const d = await universal(replica, null, { cycles: START });
        await submit(replica, a, prog().call({ callee: d, arg: forever(), cycles: 1_000_000n, onReject: prog().reply() }));
        await replica.tick(2);
        expect(await replica.getCyclesBalance(a)).toBe(START - 1_000_000n);
        await replica.callManagement('uninstall_code', { canister_id: a, sender_canister_version: [] }, OWNER);
        await replica.callManagement('uninstall_code', { canister_id: d, sender_canister_version: [] }, OWNER);
        await replica.tick(3);
        expect(await replica.getCyclesBalance(a)).toBe(START);
        // No call context is left open: a stop completes in the round it is handled.
        const stop = await submitManagement(replica, 'stop_canister', { canister_id: a });
        await replica.tick();
        await settled(replica, stop);
        expect(await statusOf(replica, a)).toBe('stopped');
    });

    it('a stopped canister can be upgraded and stays stopped', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        await replica.stopCanister({ canisterId: b, sender: OWNER });
        await replica.upgradeCanister({ canisterId: b, wasm: await universalWasm(), arg: new Uint8Array(0), sender: OWNER });
        expect(await statusOf(replica, b)).toBe('stopped');
        await replica.startCanister({ canisterId: b, sender: OWNER });
        expect(text(await run(replica, b, prog().reply('upgraded while stopped')))).toBe('upgraded while stopped');
    });

    it('contexts deleted by uninstall still keep the canister stopping until their responses arrive', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        const d = await universal(replica);
        const parked = await submit(replica, b, prog().call({ callee: d, arg: forever(), onReject: prog().reply() }));
        await replica.tick();
        await replica.callManagement('uninstall_code', { canister_id: b, sender_canister_version: [] }, OWNER);
        await expectReject(settled(replica, parked), { rejectCode: 4, message: 'Canister has been uninstalled.' });
        const stop = await submitManagement(replica, 'stop_canister', { canister_id: b });
        await replica.tick(3);
        expect(await statusOf(replica, b)).toBe('stopping');
        await replica.callManagement('uninstall_code', { canister_id: d, sender_canister_version: [] }, OWNER);
        await replica.tick(3);
        await settled(replica, stop);
        expect(await statusOf(replica, b)).toBe('stopped');
    });
});

describe('delete_canister (spec §3.3)', () => {
    it('requires a stopped canister (IC0510); afterwards the canister is gone and its id is not reused', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        await expectReject(replica.callManagement('delete_canister', { canister_id: b }, OWNER), {
            rejectCode: 5,
            errorCode: 'IC0510',
            message: `Canister ${b.toText()} must be stopped before it is deleted.`
        });
        await replica.stopCanister({ canisterId: b, sender: OWNER });
        await replica.callManagement('delete_canister', { canister_id: b }, OWNER);
        await expectReject(run(replica, b, prog().reply()), { rejectCode: 3, errorCode: 'IC0301' });
        await expectReject(replica.canisterStatus({ canisterId: b, sender: OWNER }), { rejectCode: 3, errorCode: 'IC0301' });
        const next = await replica.createCanister({ sender: OWNER });
        expect(next.toText()).not.toBe(b.toText());
    });

    it('a stopping canister cannot be deleted either', async () => {
        const replica = await newReplica();
        const b = await universal(replica);
        const d = await universal(replica);
        await submit(replica, b, prog().call({ callee: d, arg: forever(), onReject: prog().reply() }));
        await replica.tick();
        await submitManagement(replica, 'stop_canister', { canister_id: b });
        await replica.tick();
        await expectReject(replica.callManagement('delete_canister', { canister_id: b }, OWNER), { rejectCode: 5, errorCode: 'IC0510' });
    });
});
