/**
 * Instruction metering and limits (reference: IC instruction costs; interface spec §4
 * "Instructions"): counts are deterministic and follow the IC's cost table, and each kind
 * of execution has its own limit, whose breach traps with IC0522 and rolls back.
 */
import { Replica, ReplicaOptions } from '../../../src/replica/index.js';
import { OWNER, Principal, expectReject, newReplica, re, u64 } from './support/harness.js';
import { wat } from './support/wat.js';

/**
 * `count` measures a countdown loop between two performance_counter(0) reads. By the IC's
 * cost table (instrumentation.rs), with costs charged at the start of each basic block:
 *   loop head  (local.get, i32.eqz, br_if)                    1 + 1 + 2 = 4, run n + 1 times
 *   loop body  (local.get, i32.const, i32.sub, local.set, br) 1 + 1 + 1 + 1 + 2 = 6, run n times
 *   tail after the block, charged before the second read:
 *     i32.const, i32.const, call, local.get, i64.sub, i64.store   1 + 1 + 5 + 1 + 1 + 1 = 10
 *     i32.const, i32.const, call (append), call (reply)           1 + 1 + 5 + 5         = 12
 *   System API overhead of the second performance_counter call                         200
 * so the difference is 4(n + 1) + 6n + 22 + 200 = 10n + 226.
 */
const LOOP_WAT = `(module
  (import "ic0" "performance_counter" (func $pc (param i32) (result i64)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (global $g (mut i64) (i64.const 0))
  (func $count (local $n i32) (local $a i64)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 0)))
    (local.set $a (call $pc (i32.const 0)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i64.store (i32.const 8) (i64.sub (call $pc (i32.const 0)) (local.get $a)))
    (call $append (i32.const 8) (i32.const 8))
    (call $reply))
  (func $arg (result i32)
    (if (result i32) (i32.ge_u (call $arg_size) (i32.const 4))
      (then (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4)) (i32.load (i32.const 0)))
      (else (i32.const 0))))
  (func $spin (param $n i32)
    (loop $l (if (local.get $n) (then (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))))
  (func (export "canister_update count") (call $count))
  (func (export "canister_query count_query") (call $count))
  (func (export "canister_update write_then_spin")
    (i64.store (i32.const 16) (i64.const 42))
    (global.set $g (i64.const 42))
    (call $spin (call $arg))
    (call $append (i32.const 16) (i32.const 8))
    (call $reply))
  (func (export "canister_query read")
    (i64.store (i32.const 24) (global.get $g))
    (call $append (i32.const 16) (i32.const 16))
    (call $reply))
  (func (export "canister_query spin_query") (call $spin (call $arg)) (call $reply))
  (func (export "canister_init") (local $n i32)
    (local.set $n (call $arg))
    (global.set $g (i64.extend_i32_u (local.get $n)))
    (call $spin (local.get $n)))
  (func (export "canister_pre_upgrade") (call $spin (i32.wrap_i64 (global.get $g))))
  (func (export "canister_post_upgrade") (local $n i32)
    (local.set $n (call $arg))
    (global.set $g (i64.extend_i32_u (local.get $n)))
    (call $spin (local.get $n)))
)`;

function u32(n: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
}

async function loopCanister(options: ReplicaOptions = {}, initSpins = 0): Promise<{ replica: Replica; id: Principal }> {
    const replica = await newReplica(options);
    const id = await replica.createCanister({ sender: OWNER });
    await replica.installCode({ canisterId: id, wasm: await wat(LOOP_WAT), arg: u32(initSpins), sender: OWNER });
    return { replica, id };
}

const count = (replica: Replica, id: Principal, n: number) => replica.updateCall({ canisterId: id, method: 'count', arg: u32(n), sender: OWNER }).then((r) => u64(r));

describe('instruction counting', () => {
    let replica: Replica;
    let id: Principal;
    beforeEach(async () => {
        ({ replica, id } = await loopCanister());
    });

    it('is deterministic: the same loop counts the same twice, in updates and queries', async () => {
        const first = await count(replica, id, 1000);
        const second = await count(replica, id, 1000);
        expect(second).toBe(first);
        const viaQuery = u64(await replica.queryCall({ canisterId: id, method: 'count_query', arg: u32(1000), sender: OWNER }));
        expect(viaQuery).toBe(first);
    });

    it.each([0, 1, 2, 10, 1000, 12345])('a loop of %i iterations costs 10n + 226 by the IC cost table', async (n) => {
        expect(await count(replica, id, n)).toBe(10n * BigInt(n) + 226n);
    });
});

describe('instruction limits (IC0522)', () => {
    const LIMIT = 1_000_000n;
    const exceeded = (limit: bigint) => re(`Canister exceeded the limit of ${limit} instructions for single message execution.`);

    it('an update over the update limit traps with IC0522 and rolls back its writes', async () => {
        const { replica, id } = await loopCanister({ instructionLimits: { update: LIMIT } });
        await expectReject(replica.updateCall({ canisterId: id, method: 'write_then_spin', arg: u32(200_000), sender: OWNER }), {
            rejectCode: 5,
            errorCode: 'IC0522',
            matches: exceeded(LIMIT)
        });
        const state = await replica.queryCall({ canisterId: id, method: 'read', sender: OWNER });
        expect(u64(state, 0)).toBe(0n);
        expect(u64(state, 8)).toBe(0n);
        // Under the limit the same method commits.
        await replica.updateCall({ canisterId: id, method: 'write_then_spin', arg: u32(1000), sender: OWNER });
        const after = await replica.queryCall({ canisterId: id, method: 'read', sender: OWNER });
        expect(u64(after, 0)).toBe(42n);
        expect(u64(after, 8)).toBe(42n);
    });

    it('the update limit does not apply to query calls', async () => {
        const { replica, id } = await loopCanister({ instructionLimits: { update: LIMIT } });
        await replica.queryCall({ canisterId: id, method: 'spin_query', arg: u32(200_000), sender: OWNER });
    });

    it('a query call over the query limit traps with IC0522; updates keep their own limit', async () => {
        const { replica, id } = await loopCanister({ instructionLimits: { query: LIMIT } });
        await expectReject(replica.queryCall({ canisterId: id, method: 'spin_query', arg: u32(200_000), sender: OWNER }), {
            rejectCode: 5,
            errorCode: 'IC0522',
            matches: exceeded(LIMIT)
        });
        await replica.queryCall({ canisterId: id, method: 'spin_query', arg: u32(1000), sender: OWNER });
        await replica.updateCall({ canisterId: id, method: 'write_then_spin', arg: u32(200_000), sender: OWNER });
    });

    it('install over the install limit fails with IC0522 and leaves the canister empty', async () => {
        const replica = await newReplica({ instructionLimits: { install: LIMIT } });
        const id = await replica.createCanister({ sender: OWNER });
        await expectReject(replica.installCode({ canisterId: id, wasm: await wat(LOOP_WAT), arg: u32(200_000), sender: OWNER }), {
            rejectCode: 5,
            errorCode: 'IC0522',
            matches: exceeded(LIMIT)
        });
        expect((await replica.canisterStatus({ canisterId: id, sender: OWNER })).moduleHash).toBeNull();
        // The install limit is not the update limit: an install under it works.
        await replica.installCode({ canisterId: id, wasm: await wat(LOOP_WAT), arg: u32(1000), sender: OWNER });
    });

    it('an upgrade counts pre_upgrade and post_upgrade against one install limit', async () => {
        // init spins 60,000 times (about 540 K instructions) and pre_upgrade repeats that.
        const { replica, id } = await loopCanister({ instructionLimits: { install: LIMIT } }, 60_000);
        const wasm = await wat(LOOP_WAT);
        // Each half is under the limit; together they are over it.
        await expectReject(replica.upgradeCanister({ canisterId: id, wasm, arg: u32(60_000), sender: OWNER }), {
            rejectCode: 5,
            errorCode: 'IC0522',
            matches: exceeded(LIMIT)
        });
        await replica.upgradeCanister({ canisterId: id, wasm, arg: u32(1000), sender: OWNER });
    });
});
