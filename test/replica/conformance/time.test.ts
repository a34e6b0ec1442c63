/**
 * Time and timers (interface spec §1.4 "Time and timers", §2.1 system tasks) and the
 * replica's clock controls (setTime / advanceTime / getTime as in PocketIC).
 */
import { Replica, SettingTimeIntoPastError } from '../../../src/replica/index.js';
import { OWNER, Principal, logTexts, newReplica, query, run, systemState, u64, universal } from './support/harness.js';
import { Slot, prog, universalWasm } from './support/universal.js';

const NS_PER_MS = 1_000_000n;
const time = async (replica: Replica, id: Principal) => u64(await run(replica, id, prog().ic0('time').replyI64()));
const counter = async (replica: Replica, id: Principal) => u64(await query(replica, id, prog().op('global_get').replyI64()));
/** A system-task program that counts its runs in the global. */
const count = prog().op('global_get').op('add', 1).op('global_set');

describe('the replica clock', () => {
    it('setTime sets the time of the next round; getTime reads it back in milliseconds', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const at = new Date('2032-02-29T12:00:00.123Z');
        await replica.setTime(at);
        expect(await replica.getTime()).toBe(at.getTime());
        expect(await time(replica, id)).toBe(BigInt(at.getTime()) * NS_PER_MS);
    });

    it('advanceTime moves the clock forward by a number of milliseconds', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const start = await replica.getTime();
        await replica.advanceTime(90_000);
        expect(await replica.getTime()).toBe(start + 90_000);
        expect(await time(replica, id)).toBe(BigInt(start + 90_000) * NS_PER_MS);
    });

    it('setting the time into the past throws SettingTimeIntoPast', async () => {
        const replica = await newReplica();
        const now = await replica.getTime();
        await expect(replica.setTime(now - 1)).rejects.toThrow(SettingTimeIntoPastError);
        await expect(replica.setTime(now - 1)).rejects.toThrow(/SettingTimeIntoPast/);
        expect(await replica.getTime()).toBe(now);
        await replica.setTime(now);
        expect(await replica.getTime()).toBe(now);
    });

    it('query calls see the time of the last round until the next tick', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        await replica.tick();
        const before = u64(await query(replica, id, prog().ic0('time').replyI64()));
        await replica.advanceTime(5_000);
        expect(u64(await query(replica, id, prog().ic0('time').replyI64()))).toBe(before);
        await replica.tick();
        expect(u64(await query(replica, id, prog().ic0('time').replyI64()))).toBe(before + 5_000n * NS_PER_MS);
    });

    it('time is monotonic for a canister across messages and upgrades', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const t1 = await time(replica, id);
        const t2 = await time(replica, id);
        await replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: new Uint8Array(0), sender: OWNER });
        const t3 = await time(replica, id);
        expect(t2).toBeGreaterThanOrEqual(t1);
        expect(t3).toBeGreaterThanOrEqual(t2);
    });
});

describe('the global timer', () => {
    let replica: Replica;
    let id: Principal;
    let now: bigint;
    beforeEach(async () => {
        replica = await newReplica({ time: 2_000_000_000_000_000_000n });
        id = await universal(replica, prog().setSlot(Slot.globalTimer, count));
        now = BigInt(await replica.getTime()) * NS_PER_MS;
    });

    it('fires canister_global_timer once, in the first round at or after its time', async () => {
        await run(replica, id, prog().ic0('global_timer_set', now + 10_000n * NS_PER_MS).op('drop').reply());
        await replica.tick(3);
        expect(await counter(replica, id)).toBe(0n);
        await replica.advanceTime(9_999);
        await replica.tick();
        expect(await counter(replica, id)).toBe(0n);
        await replica.advanceTime(1);
        await replica.tick();
        expect(await counter(replica, id)).toBe(1n);
        await replica.advanceTime(60_000);
        await replica.tick(3);
        expect(await counter(replica, id)).toBe(1n);
        expect((await systemState(replica, id)).globalTimer).toBe(0n);
    });

    it('global_timer_set returns the previous value; 0 deactivates the timer', async () => {
        const t = now + 1_000n * NS_PER_MS;
        const reply = await run(replica, id, prog().ic0('global_timer_set', t).appendI64().ic0('global_timer_set', t + 1n).appendI64().ic0('msg_reply'));
        expect(u64(reply, 0)).toBe(0n);
        expect(u64(reply, 8)).toBe(t);
        expect(u64(await run(replica, id, prog().ic0('global_timer_set', 0).replyI64()))).toBe(t + 1n);
        await replica.advanceTime(5_000);
        await replica.tick(2);
        expect(await counter(replica, id)).toBe(0n);
    });

    it('a timer in the past fires in the next round', async () => {
        await run(replica, id, prog().ic0('global_timer_set', 1).op('drop').reply());
        await replica.tick();
        expect(await counter(replica, id)).toBe(1n);
    });

    it('runs as the management canister, and may set itself again', async () => {
        const periodic = prog().blob('msg_caller').op('swap').op('drop').op('global_set').ic0('time').op('add', 1_000_000_000).ic0('global_timer_set').op('drop');
        await run(replica, id, prog().op('global_set', 99).setSlot(Slot.globalTimer, periodic).ic0('global_timer_set', 1).op('drop').reply());
        await replica.tick();
        expect(await counter(replica, id)).toBe(0n); // the length of msg_caller: aaaaa-aa is empty
        expect((await systemState(replica, id)).globalTimer).toBe(BigInt(await replica.getTime()) * NS_PER_MS + 1_000_000_000n);
    });

    it('does not fire while the canister is stopped; fires once it runs again', async () => {
        await run(replica, id, prog().ic0('global_timer_set', now + 1n).op('drop').reply());
        await replica.stopCanister({ canisterId: id, sender: OWNER });
        await replica.advanceTime(1_000);
        await replica.tick(2);
        expect((await systemState(replica, id)).globalTimer).toBe(now + 1n);
        await replica.startCanister({ canisterId: id, sender: OWNER });
        await replica.tick();
        expect(await counter(replica, id)).toBe(1n);
    });

    it('a timer handler that traps commits nothing', async () => {
        await run(replica, id, prog().setSlot(Slot.globalTimer, prog().op('global_set', 42).trap('timer failed')).ic0('global_timer_set', 1).op('drop').reply());
        await replica.tick(2);
        expect(await counter(replica, id)).toBe(0n);
        expect((await logTexts(replica, id)).some((l) => l.includes("'timer failed'"))).toBe(true);
    });
});

describe('heartbeat', () => {
    it('canister_heartbeat runs once per round', async () => {
        const replica = await newReplica();
        const id = await universal(replica, prog().setSlot(Slot.heartbeat, count), { heartbeat: true });
        const before = await counter(replica, id);
        await replica.tick(5);
        expect(await counter(replica, id)).toBe(before + 5n);
    });
});
