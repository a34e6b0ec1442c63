/**
 * The one rule for what a committed execution changes (src/replica/subnet/effects.ts), seen
 * through every path that applies it: a round's message, a cleanup, and each step of an
 * install or upgrade. With the 'free' cost schedule no fee blurs the cycle figures.
 */
import { expectReject, newReplica, OWNER, Principal, run, universal } from '../conformance/support/harness.js';
import { prog, SCRATCH, Slot, universalWasm } from '../conformance/support/universal.js';
import type { Replica } from '../../../src/replica/index.js';

const START = 10_000_000_000_000n;
const burn = (amount: bigint) => prog().ic0('cycles_burn128', 0, amount, SCRATCH);

async function freeReplica(): Promise<Replica> {
    return newReplica({ costSchedule: 'free' });
}

function versionOf(replica: Replica, id: Principal): bigint {
    return replica.subnet.canister(id)!.version;
}

describe('effects of a committed execution: one cycle rule on every path (spec §2.3)', () => {
    it('an update keeps what it burned and bumps the version once', async () => {
        const replica = await freeReplica();
        const id = await universal(replica, null, { cycles: START });
        const version = versionOf(replica, id);
        await run(replica, id, burn(1_000n).reply());
        expect(await replica.getCyclesBalance(id)).toBe(START - 1_000n);
        expect(versionOf(replica, id)).toBe(version + 1n);
    });

    it('canister_init keeps what it burned; the install bumps the version once, whatever its steps', async () => {
        const replica = await freeReplica();
        const id = await universal(replica, burn(2_000n), { cycles: START });
        expect(await replica.getCyclesBalance(id)).toBe(START - 2_000n);
        expect(versionOf(replica, id)).toBe(1n);
    });

    it('an upgrade keeps what pre_upgrade and post_upgrade each burned, applied in order', async () => {
        const replica = await freeReplica();
        const id = await universal(replica, null, { cycles: START });
        await run(replica, id, prog().setSlot(Slot.preUpgrade, burn(300n)).reply());
        const version = versionOf(replica, id);
        await replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: burn(4_000n).build(), sender: OWNER });
        expect(await replica.getCyclesBalance(id)).toBe(START - 300n - 4_000n);
        expect(versionOf(replica, id)).toBe(version + 1n);
    });

    it('a failed upgrade keeps none of its burns', async () => {
        const replica = await freeReplica();
        const id = await universal(replica, null, { cycles: START });
        await run(replica, id, prog().setSlot(Slot.preUpgrade, burn(300n)).reply());
        const version = versionOf(replica, id);
        await expect(replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: burn(4_000n).trap('post_upgrade failed').build(), sender: OWNER })).rejects.toThrow(
            /post_upgrade failed/
        );
        expect(await replica.getCyclesBalance(id)).toBe(START);
        expect(versionOf(replica, id)).toBe(version);
    });

    it('a cleanup keeps what it burned and leaves the version to the messages', async () => {
        const replica = await freeReplica();
        const caller = await universal(replica, null, { cycles: START });
        const callee = await universal(replica);
        const version = versionOf(replica, caller);
        const call = prog().call({ callee, arg: prog().reply(), onReply: burn(50n).trap('callback failed'), onCleanup: burn(700n) });
        await expectReject(run(replica, caller, call), { rejectCode: 5, errorCode: 'IC0503', matches: /'callback failed'/ });
        // The callback's burn went with its trap; the cleanup's stays.
        expect(await replica.getCyclesBalance(caller)).toBe(START - 700n);
        // Only the update that made the call counts; neither the trapped callback nor the cleanup does.
        expect(versionOf(replica, caller)).toBe(version + 1n);
    });
});
