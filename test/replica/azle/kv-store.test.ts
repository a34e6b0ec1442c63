import { CallRejectedError, Replica, RejectCode } from '../../../src/replica/index.js';
import { deployKvStore, KV_STORE_WASM, user } from './fixtures.js';

/** A real Azle canister (state in StableBTreeMaps) on the embedded replica. */
describe('Azle kv_store on the embedded replica', () => {
    let replica: Replica;
    const owner = user(1);

    beforeEach(async () => {
        replica = await Replica.create();
    });
    afterEach(async () => {
        await replica.tearDown();
    });

    it('stores with updates, reads with queries, and sees callers and its installer', async () => {
        const { actor } = await deployKvStore(replica, owner);
        expect(await actor.put('a', '1')).toEqual([]);
        expect(await actor.put('a', '2')).toEqual(['1']);
        expect(await actor.get('a')).toEqual(['2']);
        expect(await actor.len()).toBe(1n);
        expect((await actor.installer()).toText()).toBe(owner.toText());
        actor.setPrincipal(user(7));
        expect((await actor.whoami()).toText()).toBe(user(7).toText());
        // Answered calls the facade has read leave nothing behind.
        expect(replica.subnet.ingress.size).toBe(0);
    });

    it('rolls back a trapping update, including its stable-memory writes', async () => {
        const { actor } = await deployKvStore(replica, owner);
        await actor.put('kept', 'yes');
        const failure = await actor.putThenTrap('lost', 'no').catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(CallRejectedError);
        const rejected = failure as CallRejectedError;
        expect(rejected.rejectCode).toBe(RejectCode.CanisterError);
        expect(rejected.errorCode).toBe('IC0503');
        expect(rejected.rejectMessage).toContain('putThenTrap: trapping after inserting "lost"');
        expect(await actor.get('lost')).toEqual([]);
        expect(await actor.get('kept')).toEqual(['yes']);
        expect(await actor.len()).toBe(1n);
    });

    it('keeps stable state across an upgrade and runs post_upgrade', async () => {
        const { actor, canisterId } = await deployKvStore(replica, owner);
        await actor.put('k', 'v');
        await actor.increment();
        const versionBefore = await actor.canisterVersion();
        await replica.upgradeCanister({ canisterId, wasm: KV_STORE_WASM, sender: owner });
        expect(await actor.get('k')).toEqual(['v']);
        expect(await actor.counter()).toBe(1n);
        expect(await actor.upgrades()).toBe(1n);
        expect(await actor.canisterVersion()).toBeGreaterThan(versionBefore);
    });

    it('wipes stable state on reinstall', async () => {
        const { actor, canisterId } = await deployKvStore(replica, owner);
        await actor.put('k', 'v');
        await replica.reinstallCode({ canisterId, wasm: KV_STORE_WASM, sender: owner });
        expect(await actor.get('k')).toEqual([]);
        expect(await actor.upgrades()).toBe(0n);
    });

    it('refuses management calls from non-controllers', async () => {
        const { canisterId } = await deployKvStore(replica, owner);
        const failure = await replica.stopCanister({ canisterId, sender: user(9) }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(CallRejectedError);
        expect((failure as CallRejectedError).errorCode).toBe('IC0512');
        expect((failure as CallRejectedError).rejectMessage).toContain(`Only the controllers of the canister ${canisterId.toText()} can control it.`);
    });

    it('rejects calls once stopped and serves them again once started', async () => {
        const { actor, canisterId } = await deployKvStore(replica, owner);
        await replica.stopCanister({ canisterId, sender: owner });
        const status = await replica.canisterStatus({ canisterId, sender: owner });
        expect(status.status).toEqual({ stopped: null });
        const failure = await actor.put('x', 'y').catch((e: unknown) => e);
        expect((failure as CallRejectedError).rejectMessage).toBe(`Canister ${canisterId.toText()} is stopped`);
        await replica.startCanister({ canisterId, sender: owner });
        expect(await actor.put('x', 'y')).toEqual([]);
    });

    it('reports the module hash of the installed bytes and counts instructions', async () => {
        const { actor, canisterId } = await deployKvStore(replica, owner);
        const { createHash } = await import('node:crypto');
        const { readFile } = await import('node:fs/promises');
        const expected = createHash('sha256').update(await readFile(KV_STORE_WASM)).digest('hex');
        const status = await replica.canisterStatus({ canisterId, sender: owner });
        expect(Buffer.from(status.moduleHash!).toString('hex')).toBe(expected);
        expect(await actor.performance()).toBeGreaterThan(0n);
    });
});
