/**
 * The PocketIC REST API of the replica server, driven by the genuine @dfinity/pic 0.23
 * client: `PocketIc.create(url)` against the server, then setupCanister, createActor,
 * upgradeCanister, stop/start, time and ticks, cycles, stable memory, topology, and
 * `makeLive` with an HttpAgent on the gateway it starts.
 */
import { HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal as AgentPrincipal } from '@dfinity/principal';
import { Principal } from '@icp-sdk/core/principal';
import { PocketIc } from '@dfinity/pic';
import { ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { EMPTY_ARG, KV_WASM, KV_WASM_GZ, KvStore, kvActor, kvStoreIdl } from './support.js';

type PicIdl = Parameters<PocketIc['createActor']>[0];
const picIdl = kvStoreIdl as unknown as PicIdl;

let server: ReplicaServer;
let pic: PocketIc;
const alice = Principal.fromUint8Array(new Uint8Array([0xa1, 0x1c, 0xe0, 0x02]));

async function setup(wasm = KV_WASM_GZ): Promise<{ canisterId: Principal; actor: KvStore }> {
    const fixture = await pic.setupCanister({ idlFactory: picIdl, wasm, arg: EMPTY_ARG, sender: alice, controllers: [alice] });
    return { canisterId: fixture.canisterId, actor: fixture.actor as unknown as KvStore };
}

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

beforeEach(async () => {
    pic = await PocketIc.create(server.url);
});

afterEach(async () => {
    await pic.tearDown();
});

describe('PocketIC REST API with @dfinity/pic', () => {
    it('sets up a canister (the first id is PocketIC\'s) and calls it through createActor', async () => {
        const { canisterId, actor } = await setup();
        expect(canisterId.toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
        expect(await actor.put('k', 'v')).toEqual([]);
        expect(await actor.get('k')).toEqual(['v']);
        expect((await actor.whoami()).toText()).toBe(Principal.anonymous().toText());
        const asAlice = pic.createActor(picIdl, canisterId);
        asAlice.setPrincipal(alice);
        expect((await (asAlice as unknown as KvStore).whoami()).toText()).toBe(alice.toText());
        expect((await pic.getControllers(canisterId)).map((p) => p.toText())).toEqual([alice.toText()]);
        expect((await pic.getCanisterSubnetId(canisterId))?.toText()).toBe((await pic.getApplicationSubnets())[0]!.id.toText());
        expect((await pic.getDefaultEffectiveCanisterId()).toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
    });

    it('installs the raw 3.5 MB module through the chunk store and upgrades keeping stable state', async () => {
        const { canisterId, actor } = await setup(KV_WASM);
        await actor.put('kept', 'yes');
        expect(await actor.upgrades()).toBe(0n);
        await pic.upgradeCanister({ canisterId, wasm: KV_WASM_GZ, arg: EMPTY_ARG, sender: alice });
        expect(await actor.upgrades()).toBe(1n);
        expect(await actor.get('kept')).toEqual(['yes']);
        const status = await pic.canisterStatus({ canisterId, sender: alice });
        expect('running' in status.status).toBe(true);
    });

    it('stops and starts a canister', async () => {
        const { canisterId, actor } = await setup();
        await pic.stopCanister({ canisterId, sender: alice });
        await expect(actor.increment()).rejects.toThrow(/is stopped/);
        await pic.startCanister({ canisterId, sender: alice });
        expect(await actor.increment()).toBe(1n);
        await expect(pic.stopCanister({ canisterId })).rejects.toThrow(/Only the controllers/);
    });

    it('moves time with setTime, advanceTime and tick as PocketIC does', async () => {
        const { actor } = await setup();
        const start = await pic.getTime();
        expect(Math.abs(start - Date.now())).toBeLessThan(60_000);
        await pic.advanceTime(60_000);
        expect(await pic.getTime()).toBe(start + 60_000);
        // Queries see the new time only after a round.
        expect(Number((await actor.timeNow()) / 1_000_000n)).toBeLessThan(start + 60_000);
        await pic.tick();
        expect(Number((await actor.timeNow()) / 1_000_000n)).toBe(start + 60_000);
        await pic.setTime(start + 3_600_000);
        await pic.tick(2);
        expect(Number((await actor.timeNow()) / 1_000_000n)).toBe(start + 3_600_000);
        await expect(pic.setTime(start)).rejects.toThrow(/SettingTimeIntoPast/);
        await pic.setCertifiedTime(start + 7_200_000);
        expect(Number((await actor.timeNow()) / 1_000_000n)).toBe(start + 7_200_000);
    });

    it('reads and adds cycles, and gets and sets stable memory', async () => {
        const { canisterId, actor } = await setup();
        const before = await pic.getCyclesBalance(canisterId);
        expect(typeof before).toBe('bigint');
        const after = await pic.addCycles(canisterId, 1_000_000n);
        expect(after).toBe(before + 1_000_000n);
        await actor.put('in stable', 'memory');
        const stable = await pic.getStableMemory(canisterId);
        expect(stable.length % 65_536).toBe(0);
        await pic.setStableMemory(canisterId, stable);
        const again = await pic.getStableMemory(canisterId);
        expect(again.length).toBe(stable.length);
        expect(Buffer.compare(again, stable)).toBe(0);
        expect(await actor.get('in stable')).toEqual(['memory']);
    });

    it('submits deferred calls that run on tick or await', async () => {
        const { canisterId } = await setup();
        const deferred = pic.createDeferredActor(picIdl, canisterId) as unknown as { increment(): Promise<() => Promise<bigint>> };
        const first = await deferred.increment();
        const second = await deferred.increment();
        await pic.tick();
        expect(await first()).toBe(1n);
        expect(await second()).toBe(2n);
    });

    it('serves the instance over the IC HTTP interface after makeLive', async () => {
        const { canisterId, actor } = await setup();
        await actor.put('before', 'live');
        const port = await pic.makeLive();
        const agent = await HttpAgent.create({ host: `http://127.0.0.1:${port}`, shouldFetchRootKey: true });
        const live = kvActor(agent, AgentPrincipal.fromText(canisterId.toText()));
        expect(await live.get('before')).toEqual(['live']);
        expect(await live.put('during', 'live')).toEqual([]);
        expect(await live.get('during')).toEqual(['live']);
        const timeNs = await live.timeNow();
        expect(Math.abs(Number(timeNs / 1_000_000n) - Date.now())).toBeLessThan(10_000);
        await pic.stopLive();
        expect(await actor.get('during')).toEqual(['live']);
    });

    it('reports errors as PocketIC does', async () => {
        await expect(pic.getCyclesBalance(Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai'))).rejects.toThrow(/CanisterNotFound/);
        const missing = pic.createActor(picIdl, Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai')) as unknown as KvStore;
        await expect(missing.increment()).rejects.toThrow(/Canister rrkah-fqaaa-aaaaa-aaaaq-cai not found/);
        await expect(PocketIc.create(server.url, { nns: { state: { type: 'new' } } } as never)).rejects.toThrow(/single application subnet/);
        void IDL;
    });
});
