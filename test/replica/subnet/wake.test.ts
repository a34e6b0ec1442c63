/**
 * `Subnet.nextWake`: when a round next has work without new messages. The server sleeps
 * until then, so it must agree with the rules that schedule timers and expire deadlines.
 */
import { newReplica, OWNER, run, universal } from '../conformance/support/harness.js';
import { prog } from '../conformance/support/universal.js';

describe('Subnet.nextWake', () => {
    it('is nothing to do on a subnet of plain canisters', async () => {
        const replica = await newReplica();
        await universal(replica);
        expect(replica.subnet.nextWake()).toEqual({ at: null, heartbeat: false });
    });

    it('is the earliest global timer, and nothing once the timer has run', async () => {
        const replica = await newReplica();
        const now = replica.subnet.time;
        const a = await universal(replica, prog().ic0('global_timer_set', now + 5_000_000_000n).op('drop'));
        await universal(replica, prog().ic0('global_timer_set', now + 9_000_000_000n).op('drop'));
        expect(replica.subnet.nextWake()).toEqual({ at: now + 5_000_000_000n, heartbeat: false });
        await run(replica, a, prog().ic0('global_timer_set', 0n).op('drop').reply(), OWNER);
        expect(replica.subnet.nextWake().at).toBe(now + 9_000_000_000n);
        await replica.advanceTime(10_000);
        await replica.tick();
        expect(replica.subnet.nextWake()).toEqual({ at: null, heartbeat: false });
    });

    it('says a heartbeat needs every round while its canister runs', async () => {
        const replica = await newReplica();
        const id = await universal(replica, null, { heartbeat: true });
        expect(replica.subnet.nextWake().heartbeat).toBe(true);
        await replica.stopCanister({ canisterId: id, sender: OWNER });
        expect(replica.subnet.nextWake().heartbeat).toBe(false);
    });
});
