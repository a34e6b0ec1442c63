import { Replica } from '../../../src/replica/index.js';
import { deployCaller, deployKvStore, user } from './fixtures.js';

/** Azle canisters calling each other: awaited calls, one-way calls, rejects, cycles, raw_rand. */
describe('Azle inter-canister calls', () => {
    let replica: Replica;
    const owner = user(1);

    beforeEach(async () => {
        replica = await Replica.create();
    });
    afterEach(async () => {
        await replica.tearDown();
    });

    it('awaits replies from another canister', async () => {
        const kv = await deployKvStore(replica, owner);
        const caller = await deployCaller(replica, owner);
        expect(await caller.actor.callPut(kv.canisterId, 'k', 'v')).toEqual([]);
        expect(await caller.actor.callGet(kv.canisterId, 'k')).toEqual(['v']);
    });

    it('delivers one-way calls without the caller waiting for them', async () => {
        const kv = await deployKvStore(replica, owner);
        const caller = await deployCaller(replica, owner);
        await caller.actor.notifyPut(kv.canisterId, 'n', '1');
        await replica.tick(2);
        expect(await kv.actor.get('n')).toEqual(['1']);
    });

    it("sees the callee's trap as a CANISTER_ERROR reject and the callee's state rolled back", async () => {
        const kv = await deployKvStore(replica, owner);
        const caller = await deployCaller(replica, owner);
        const text = await caller.actor.callTrap(kv.canisterId, 't', 'x');
        expect(text).toMatch(/^5: /);
        expect(text).toContain('putThenTrap: trapping after inserting "t"');
        expect(await kv.actor.get('t')).toEqual([]);
    });

    it('sees a missing method as IC0536', async () => {
        const kv = await deployKvStore(replica, owner);
        const caller = await deployCaller(replica, owner);
        const text = await caller.actor.callMissingMethod(kv.canisterId);
        expect(text).toMatch(/^5: /);
        expect(text).toContain("Canister has no update method");
    });

    it('moves attached cycles: the callee keeps what it accepts, the rest is refunded', async () => {
        const kv = await deployKvStore(replica, owner);
        const caller = await deployCaller(replica, owner);
        const kvBefore = await replica.getCyclesBalance(kv.canisterId);
        const refunded = await caller.actor.callWithCycles(kv.canisterId, 1_000_000n);
        expect(refunded).toBe(500_000n);
        const kvAfter = await replica.getCyclesBalance(kv.canisterId);
        // The callee gained the accepted half, less what its own execution cost.
        expect(kvAfter - kvBefore).toBeLessThan(500_000n);
        expect(kvAfter).toBeGreaterThan(kvBefore - 100_000_000n);
    });

    it('gets 32 random bytes from the management canister', async () => {
        const caller = await deployCaller(replica, owner);
        const a = await caller.actor.rawRand();
        const b = await caller.actor.rawRand();
        expect(a).toHaveLength(32);
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    });
});
