/**
 * Anyone can download a stored module (issue 9, item 3): get_module_chunk returns chunk `index`
 * of a complete module to any caller, with typed errors for a module that is not there, not
 * complete, or an index past its end; its message is bounded before decoding; its work is one
 * chunk whatever the module's size; and it is answered only to queries, so the upgrader never pays
 * for a download.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { MAX_ARGUMENT_BYTES } from '../../canisters/upgrader/bounds';
import { ModuleChunkRef, ResultChunk, type UpgraderError } from '../../canisters/upgrader/types';
import { Replica } from '../../src/replica/index';
import {
    admin,
    CHUNK_BYTES,
    deployUpgrader,
    err,
    loadModule,
    maintainer,
    type Module,
    ok,
    recovery,
    refusedAtInspect,
    registerApp,
    sha256,
    stranger,
    type Upgrader,
    uploadModule
} from './fixture';
import { deployRelay, relayCall } from './relay';

/** A module of `chunks` chunks (the last one shorter), distinct per seed. */
function syntheticModule(name: string, chunks: number): Module {
    const bytes = new Uint8Array((chunks - 1) * CHUNK_BYTES + 1_000);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096 + name.length) & 0xff;
    bytes.set(new TextEncoder().encode(name));
    return { name, bytes, hash: sha256(bytes) };
}

async function download(upgrader: Upgrader, app: Principal, module: Module, chunks: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (let index = 0; index < chunks; index++) parts.push(ok(await upgrader.get_module_chunk({ app, hash: module.hash, index })));
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
        whole.set(part, at);
        at += part.length;
    }
    return whole;
}

describe('downloading a stored module', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;
    let app: Principal;
    /** Instructions of the upgrader's last get_module_chunk of each kind (NRQ: a query; RQ: called as an update). */
    const lastInstructions = new Map<string, bigint>();

    beforeEach(async () => {
        replica = await Replica.create({
            onExecution: (e) => {
                if (upgraderId !== undefined && e.canisterId.compareTo(upgraderId) === 'eq' && e.entry.endsWith('get_module_chunk')) lastInstructions.set(e.kind, e.instructions);
            }
        });
        ({ id: upgraderId, upgrader } = await deployUpgrader(replica));
        app = await replica.createCanister({ sender: admin, controllers: [admin, upgraderId, recovery] });
        ok(await registerApp(upgrader, app));
    });

    afterEach(async () => {
        await replica.tearDown();
        lastInstructions.clear();
    });

    it('gives anyone, anonymous included, every chunk of a complete module, which hash to its name', async () => {
        const v2 = loadModule('demo_app_v2');
        const info = await uploadModule(upgrader, app, v2);
        expect(info.chunks_expected).toBeGreaterThan(1);
        for (const who of [stranger, Principal.anonymous()]) {
            upgrader.setPrincipal(who);
            const bytes = await download(upgrader, app, v2, info.chunks_expected);
            expect(bytes.length).toBe(v2.bytes.length);
            expect(sha256(bytes)).toEqual(v2.hash);
        }
    });

    it('answers a missing module, an incomplete one and an index past the end with typed errors', async () => {
        const two = syntheticModule('two chunks', 2);
        upgrader.setPrincipal(maintainer);
        ok(await upgrader.create_module({ app, hash: two.hash, size: BigInt(two.bytes.length) }));
        ok(await upgrader.upload_module_chunk({ app, hash: two.hash, index: 0, chunk: two.bytes.subarray(0, CHUNK_BYTES) }));

        upgrader.setPrincipal(stranger);
        const unknown = sha256(new TextEncoder().encode('never uploaded'));
        expect(err(await upgrader.get_module_chunk({ app, hash: unknown, index: 0 }))).toEqual({ ModuleNotFound: unknown });
        expect(err(await upgrader.get_module_chunk({ app, hash: two.hash, index: 0 }))).toEqual({ ModuleIncomplete: { hash: two.hash, received: 1, expected: 2 } });

        upgrader.setPrincipal(maintainer);
        ok(await upgrader.upload_module_chunk({ app, hash: two.hash, index: 1, chunk: two.bytes.subarray(CHUNK_BYTES) }));
        upgrader.setPrincipal(stranger);
        expect(ok(await upgrader.get_module_chunk({ app, hash: two.hash, index: 1 }))).toEqual(two.bytes.subarray(CHUNK_BYTES));
        for (const index of [2, 0xffff_ffff]) {
            expect(err(await upgrader.get_module_chunk({ app, hash: two.hash, index }))).toEqual({ InvalidArgument: `chunk index ${index} is out of range: the module has 2 chunks, 0 to 1` });
        }
        expect(err(await upgrader.get_module_chunk({ app, hash: two.hash.subarray(1), index: 0 }))).toEqual({ InvalidArgument: 'the module hash must be 32 bytes (SHA-256), not 31' });
        // Another app's module of the same hash does not exist for this one.
        const otherApp = await replica.createCanister({ sender: admin, controllers: [admin, upgraderId, recovery] });
        expect(Object.keys(err(await upgrader.get_module_chunk({ app: otherApp, hash: two.hash, index: 0 })))).toEqual(['ModuleNotFound']);
    });

    it('refuses a message over its bound before decoding it, and an undecodable one, with InvalidArgument', async () => {
        const ask = async (arg: Uint8Array): Promise<UpgraderError> => {
            const reply = await replica.queryCall({ canisterId: upgraderId, method: 'get_module_chunk', arg, sender: stranger });
            return err(IDL.decode([ResultChunk], reply)[0] as { Ok: Uint8Array } | { Err: UpgraderError });
        };
        const huge = new Uint8Array(IDL.encode([ModuleChunkRef], [{ app, hash: new Uint8Array(250_000), index: 0 }]));
        expect(await ask(huge)).toEqual({ InvalidArgument: `the argument is ${huge.length} bytes; this method accepts at most ${MAX_ARGUMENT_BYTES.get_module_chunk}` });
        expect(Object.keys(await ask(new TextEncoder().encode('not Candid')))).toEqual(['InvalidArgument']);
    });

    it('costs one chunk read whatever the module size and index, and answers only queries', async () => {
        const small = syntheticModule('two chunks', 2);
        const largest = syntheticModule('largest', 32);
        await uploadModule(upgrader, app, small);
        await uploadModule(upgrader, app, largest);
        upgrader.setPrincipal(stranger);
        const cost = async (module: Module, index: number): Promise<bigint> => {
            ok(await upgrader.get_module_chunk({ app, hash: module.hash, index }));
            const instructions = lastInstructions.get('NRQ');
            if (instructions === undefined) throw new Error('the replica reported no query execution');
            return instructions;
        };

        // Full 1 MiB chunks: the first of a 2-chunk module, and the first, a middle and the last full one of a 32-chunk module.
        const fullChunk = await cost(small, 0);
        for (const index of [0, 15, 30]) {
            const instructions = await cost(largest, index);
            expect({ index, ratio: Math.round((10 * Number(instructions)) / Number(fullChunk)) / 10 }).toEqual({ index, ratio: 1 });
        }
        // A 1,000-byte chunk costs far less: the work follows the chunk, not the module.
        const shortChunk = await cost(largest, 31);
        expect(shortChunk * 4n).toBeLessThan(fullChunk);
        // Far under a query's 5 B instructions.
        expect(fullChunk).toBeLessThan(500_000_000n);
        console.log(`get_module_chunk: ${fullChunk} instructions for a 1 MiB chunk, ${shortChunk} for a 1,000-byte one`);

        // Never in replicated mode, where the upgrader would pay: not as ingress (inspect refuses it),
        // not from a canister (the method refuses it before reading anything).
        const arg = new Uint8Array(IDL.encode([ModuleChunkRef], [{ app, hash: largest.hash, index: 0 }]));
        await refusedAtInspect(replica.updateCall({ canisterId: upgraderId, method: 'get_module_chunk', arg, sender: stranger }));
        const reader = await deployRelay(replica, admin, [admin], 0);
        const outcome = await relayCall(replica, reader, upgraderId, 'get_module_chunk', arg);
        if (!('reply' in outcome)) throw new Error(`get_module_chunk was rejected: ${outcome.reject.message}`);
        const refusal = err(IDL.decode([ResultChunk], outcome.reply)[0] as { Ok: Uint8Array } | { Err: UpgraderError });
        expect(Object.keys(refusal)).toEqual(['Unauthorized']);
        expect(lastInstructions.get('RQ')).toBeLessThan(5_000_000n);
    });
});
