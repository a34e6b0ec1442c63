/**
 * Registration and the module store: who may register an app and under which conditions, what
 * a policy must look like, and how uploads are checked, bounded and reclaimed.
 */
import type { Principal } from '@dfinity/principal';

import { MAX_APPS, MAX_AUDIT_ENTRIES_PER_APP, MAX_MODULE_BYTES, MAX_SNAPSHOTS_KEPT, MAX_VOTERS, MODULE_TTL_SECONDS } from '../../canisters/upgrader/limits';
import { Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    bob,
    CHUNK_BYTES,
    DEFAULT_POLICY,
    deployApp,
    deployGovernedApp,
    deployUpgrader,
    err,
    loadModule,
    maintainer,
    type Module,
    ok,
    policyOf,
    recovery,
    registerApp,
    sha256,
    stranger,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    refusedAtInspect
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

describe('registration', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ id: upgraderId, upgrader } = await deployUpgrader(replica));
    });

    it('registers an app that the upgrader and the recovery principal both control', async () => {
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        const info = ok(await registerApp(upgrader, app));
        expect(info).toMatchObject({ paused: false, live_proposal: [], snapshots: [], policy_version: 1 });
        expect(info.registered_by.toText()).toBe(admin.toText());
        expect(err(await registerApp(upgrader, app))).toEqual({ AppAlreadyRegistered: app });
    });

    it('refuses when the upgrader is not a controller (canister_status is rejected)', async () => {
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId, upgraderControls: false });
        const error = err(await registerApp(upgrader, app));
        expect(Object.keys(error)).toEqual(['NotController']);
        expect(JSON.stringify(error)).toContain('must be a controller');
        expect(await upgrader.get_app(app)).toEqual([]);
    });

    it('refuses when the recovery principal is not a controller', async () => {
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId, recoveryControls: false });
        expect(err(await registerApp(upgrader, app))).toEqual({
            NotController: 'the recovery principal is not a controller of the app'
        });
    });

    it('refuses callers that neither control the app nor are the app', async () => {
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        expect(Object.keys(err(await registerApp(upgrader, app, { as: stranger })))).toEqual(['Unauthorized']);
        expect(Object.keys(err(await registerApp(upgrader, upgraderId)))).toEqual(['InvalidArgument']);
    });

    it('validates the policy', async () => {
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        const invalid = [
            policyOf([], 1),
            policyOf([[alice, 1]], 2),
            policyOf([[alice, 1]], 0),
            policyOf([[alice, 1], [alice, 1]], 1),
            policyOf([[alice, 0]], 1),
            { ...DEFAULT_POLICY, proposal_lifetime_seconds: 1n },
            { ...DEFAULT_POLICY, health_check: [''] as [string] }
        ];
        for (const policy of invalid) {
            expect(Object.keys(err(await registerApp(upgrader, app, { policy })))).toEqual(['InvalidArgument']);
        }
        expect(Object.keys(err(await registerApp(upgrader, app, { snapshots: { keep: 0, required: true, rehearse: false } })))).toEqual(['InvalidArgument']);
        expect(Object.keys(err(await registerApp(upgrader, app, { snapshots: { keep: 11, required: false, rehearse: false } })))).toEqual(['InvalidArgument']);
        ok(await registerApp(upgrader, app));
    });
});

describe('module store', () => {
    let replica: Replica;
    let upgrader: Upgrader;
    let app: Principal;
    const v2: Module = loadModule('demo_app_v2');

    beforeEach(async () => {
        replica = await Replica.create();
        ({ upgrader, app } = await deployGovernedApp(replica));
    });

    afterEach(async () => {
        await replica.tearDown();
    });

    const fakeModule = (seed: string, size = 100): { hash: Uint8Array; size: bigint } => ({ hash: sha256(new TextEncoder().encode(seed)), size: BigInt(size) });

    it('accepts uploads only from the app, its proposers and its recovery principal', async () => {
        upgrader.setPrincipal(stranger);
        await refusedAtInspect(upgrader.create_module({ app, ...fakeModule('a') }));
        upgrader.setPrincipal(alice); // a voter, not a proposer
        await refusedAtInspect(upgrader.create_module({ app, ...fakeModule('a') }));
        for (const who of [maintainer, recovery]) {
            upgrader.setPrincipal(who);
            ok(await upgrader.create_module({ app, ...fakeModule(who.toText()) }));
        }
    });

    it('checks hashes, sizes, chunk indexes and chunk lengths, and who sends chunks', async () => {
        upgrader.setPrincipal(maintainer);
        expect(Object.keys(err(await upgrader.create_module({ app, hash: new Uint8Array(31), size: 10n })))).toEqual(['InvalidArgument']);
        expect(Object.keys(err(await upgrader.create_module({ app, ...fakeModule('x', 0) })))).toEqual(['InvalidArgument']);
        expect(Object.keys(err(await upgrader.create_module({ app, hash: fakeModule('x').hash, size: MAX_MODULE_BYTES + BigInt(CHUNK_BYTES) })))).toEqual(['InvalidArgument']);

        const { hash } = fakeModule('two chunks');
        const size = CHUNK_BYTES + 10;
        const created = ok(await upgrader.create_module({ app, hash, size: BigInt(size) }));
        expect(created).toMatchObject({ chunks_expected: 2, chunks_received: 0, complete: false });
        expect(Object.keys(err(await upgrader.upload_module_chunk({ app, hash, index: 2, chunk: new Uint8Array(10) })))).toEqual(['InvalidArgument']);
        expect(Object.keys(err(await upgrader.upload_module_chunk({ app, hash, index: 1, chunk: new Uint8Array(11) })))).toEqual(['InvalidArgument']);
        expect(Object.keys(err(await upgrader.upload_module_chunk({ app, hash, index: 0, chunk: new Uint8Array(10) })))).toEqual(['InvalidArgument']);
        upgrader.setPrincipal(recovery);
        await refusedAtInspect(upgrader.upload_module_chunk({ app, hash, index: 1, chunk: new Uint8Array(10) }));

        upgrader.setPrincipal(maintainer);
        ok(await upgrader.upload_module_chunk({ app, hash, index: 1, chunk: new Uint8Array(10) }));
        // Proposing an incomplete module is refused.
        expect(err(await upgrader.propose({ app, action: { upgrade: { ...upgradeRequest(v2), module_hash: hash } } }))).toEqual({
            ModuleIncomplete: { hash, received: 1, expected: 2 }
        });
        // Re-sending a chunk replaces it without counting twice.
        ok(await upgrader.upload_module_chunk({ app, hash, index: 1, chunk: new Uint8Array(10) }));
        const done = ok(await upgrader.upload_module_chunk({ app, hash, index: 0, chunk: new Uint8Array(CHUNK_BYTES) }));
        expect(done).toMatchObject({ chunks_received: 2, complete: true });
        // Unknown modules cannot be proposed.
        const unknown = fakeModule('never uploaded').hash;
        expect(err(await upgrader.propose({ app, action: { upgrade: { ...upgradeRequest(v2), module_hash: unknown } } }))).toEqual({ ModuleNotFound: unknown });
    });

    it('bounds modules per app, and frees a slot when a module is deleted', async () => {
        const limits = await upgrader.limits();
        expect(limits.max_modules_per_app).toBe(4);
        upgrader.setPrincipal(maintainer);
        for (let i = 0; i < 4; i++) ok(await upgrader.create_module({ app, ...fakeModule(`m${i}`) }));
        expect(Object.keys(err(await upgrader.create_module({ app, ...fakeModule('m4') })))).toEqual(['QuotaExceeded']);

        upgrader.setPrincipal(stranger);
        await refusedAtInspect(upgrader.delete_module({ app, hash: fakeModule('m0').hash }));
        upgrader.setPrincipal(maintainer);
        ok(await upgrader.delete_module({ app, hash: fakeModule('m0').hash }));
        expect(await upgrader.get_module({ app, hash: fakeModule('m0').hash })).toEqual([]);
        ok(await upgrader.create_module({ app, ...fakeModule('m4') }));
    });

    it("bounds each app's bytes against its own quota, whatever other apps hold", async () => {
        const upgraderId = (await replica.getControllers(app)).find((p) => p.toText() !== admin.toText() && p.toText() !== recovery.toText());
        if (upgraderId === undefined) throw new Error('no upgrader among the controllers');
        const other = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        ok(await registerApp(upgrader, other));
        const limits = await upgrader.limits();
        const half = limits.max_app_store_bytes / 2n;
        expect(half).toBe(MAX_MODULE_BYTES);
        upgrader.setPrincipal(maintainer);
        // The other app fills its quota: two modules of half of it each.
        ok(await upgrader.create_module({ app: other, ...fakeModule('b0', Number(half)) }));
        ok(await upgrader.create_module({ app: other, ...fakeModule('b1', Number(half)) }));
        expect(err(await upgrader.create_module({ app: other, ...fakeModule('b2') }))).toEqual({
            QuotaExceeded: `${other.toText()} holds ${limits.max_app_store_bytes} bytes of modules; 100 more would pass its quota of ${limits.max_app_store_bytes}; delete one first`
        });
        // This app's quota is untouched, for the same uploader too.
        ok(await upgrader.create_module({ app, ...fakeModule('a0', Number(half)) }));
        ok(await upgrader.create_module({ app, ...fakeModule('a1', Number(half)) }));
    });

    it('refuses to delete the module of a live proposal, and reclaims stale modules after their TTL', async () => {
        await uploadModule(upgrader, app, v2);
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        expect(err(await upgrader.delete_module({ app, hash: v2.hash }))).toEqual({ ModuleInUse: id });

        ok(await upgrader.create_module({ app, ...fakeModule('stale') }));
        await replica.advanceTime(Number(MODULE_TTL_SECONDS + 24n * 3600n) * 1000); // a day past the TTL
        await replica.tick();
        // The sweep runs on the next creation: the stale module goes, and so does v2, whose
        // proposal expired meanwhile.
        ok(await upgrader.create_module({ app, ...fakeModule('fresh') }));
        expect(await upgrader.get_module({ app, hash: fakeModule('stale').hash })).toEqual([]);
        expect(await upgrader.get_module({ app, hash: v2.hash })).toEqual([]);
        expect((await upgrader.get_module({ app, hash: fakeModule('fresh').hash })).length).toBe(1);
        const events = (await upgrader.audit_log({ app: [app], start: 0n, limit: 100 })).entries.map((e) => Object.keys(e.event)[0]);
        expect(events.filter((e) => e === 'module_deleted').length).toBe(2);
    });

    it('lets voters see the limits it enforces', async () => {
        upgrader.setPrincipal(bob);
        expect(await upgrader.limits()).toMatchObject({
            chunk_bytes: CHUNK_BYTES,
            max_voters: MAX_VOTERS,
            max_snapshots_kept: MAX_SNAPSHOTS_KEPT,
            max_apps: MAX_APPS,
            max_audit_entries_per_app: MAX_AUDIT_ENTRIES_PER_APP,
            registration_fee: 0n,
            storage_fee_per_mib: 0n
        });
    });
});
