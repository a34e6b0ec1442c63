/**
 * What each failure of an upgrade leads to. In every case the app ends up running, on the
 * version it should run, with its data.
 */
import type { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../../canisters/demo_app/v1/types';
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import type { Actor, Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    type AwaitingAppService,
    awaitingAppIdl,
    bob,
    castVote,
    deployApp,
    deployUpgrader,
    err,
    getProposal,
    hex,
    loadModule,
    maintainer,
    type Module,
    moduleHashOf,
    ok,
    recovery,
    registerApp,
    sha256,
    stranger,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    waitForOutcome,
    refusedAtInspect,
    subjectOf
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

describe('upgrade failures', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ id: upgraderId, upgrader } = await deployUpgrader(replica));
    });

    /** Deploys `name` as a registered app holding two notes. */
    async function appWithNotes(name: string): Promise<{ app: Principal; notes: Actor<DemoAppV1Service>; hash: string | null }> {
        const app = await deployApp(replica, { name, upgraderId });
        ok(await registerApp(upgrader, app));
        const notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
        notes.setPrincipal(alice);
        await notes.add_note('first note');
        await notes.add_note('second note');
        return { app, notes, hash: await moduleHashOf(replica, app) };
    }

    /** Proposes `module` for `app` as the maintainer and has alice and bob approve it. */
    async function approveUpgrade(app: Principal, module: Module, claimedHash: Uint8Array = module.hash, options = {}): Promise<bigint> {
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: { ...upgradeRequest(module, options), module_hash: claimedHash } } }));
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        return id;
    }

    async function expectRunning(app: Principal): Promise<void> {
        expect((await replica.canisterStatus({ canisterId: app, sender: admin })).status).toEqual({ running: null });
    }

    it('refuses a module whose bytes do not hash to its name: the IC rejects the install, the app keeps running v1', async () => {
        const { app, notes, hash } = await appWithNotes('demo_app_v1');
        const v2 = loadModule('demo_app_v2');
        const claimed = sha256(new TextEncoder().encode('not the hash of demo_app_v2'));
        await uploadModule(upgrader, app, v2, { claimedHash: claimed });
        const id = await approveUpgrade(app, v2, claimed);

        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(Object.keys(outcome)).toEqual(['install_failed']);
        expect(JSON.stringify(outcome)).toMatch(/does not match/);

        expect(await moduleHashOf(replica, app)).toBe(hash);
        await expectRunning(app);
        expect(await notes.version()).toBe('v1');
        expect(await notes.count()).toBe(2n);
        // The module is marked as refused and cannot be proposed again.
        expect((await upgrader.get_module({ app, hash: claimed }))[0]?.rejected).toBe(true);
        upgrader.setPrincipal(maintainer);
        expect(err(await upgrader.propose({ app, action: { upgrade: { ...upgradeRequest(v2), module_hash: claimed } } }))).toEqual({ ModuleRejected: claimed });
    });

    it('survives a trapping pre_upgrade: the app keeps its old version and data; the recovery principal then upgrades with skip_pre_upgrade', async () => {
        const { app, notes, hash } = await appWithNotes('trap_pre_upgrade');
        const v2 = loadModule('demo_app_v2');
        await uploadModule(upgrader, app, v2);
        const id = await approveUpgrade(app, v2);

        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(JSON.stringify(outcome)).toMatch(/install_failed.*pre_upgrade always traps/);
        expect(await moduleHashOf(replica, app)).toBe(hash);
        await expectRunning(app);
        expect(await notes.version()).toBe('trap_pre_upgrade');
        expect(await notes.count()).toBe(2n);
        // The failed module stays in the store for the recovery path.
        expect((await upgrader.get_module({ app, hash: v2.hash }))[0]?.complete).toBe(true);

        // Only the recovery principal may run an emergency upgrade (others are refused at inspect).
        const escape = { app, request: upgradeRequest(v2, { skip_pre_upgrade: true }) };
        upgrader.setPrincipal(stranger);
        await refusedAtInspect(upgrader.emergency_upgrade(escape));
        upgrader.setPrincipal(maintainer);
        await refusedAtInspect(upgrader.emergency_upgrade(escape));

        upgrader.setPrincipal(recovery);
        const emergency = ok(await upgrader.emergency_upgrade(escape));
        expect((await getProposal(upgrader, emergency)).emergency).toBe(true);
        expect(await waitForOutcome(replica, upgrader, emergency)).toEqual({ upgraded: null });

        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        await expectRunning(app);
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');
        expect(await upgraded.count()).toBe(2n);
        expect((await upgraded.get_note(1n))[0]?.body).toBe('second note');
    });

    it('survives a trapping post_upgrade: the app is unchanged and running', async () => {
        const { app, notes, hash } = await appWithNotes('demo_app_v1');
        const broken = loadModule('trap_post_upgrade');
        await uploadModule(upgrader, app, broken);
        const id = await approveUpgrade(app, broken);

        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(JSON.stringify(outcome)).toMatch(/install_failed.*post_upgrade always traps/);
        expect(await moduleHashOf(replica, app)).toBe(hash);
        await expectRunning(app);
        expect(await notes.version()).toBe('v1');
        expect(await notes.count()).toBe(2n);
        expect((await notes.get_note(0n))[0]?.text).toBe('first note');
        // The app takes writes again.
        notes.setPrincipal(bob);
        expect(await notes.add_note('after the failed upgrade')).toBe(2n);
    });

    it('rolls back from the snapshot when verification fails after the install', async () => {
        const { app, notes, hash } = await appWithNotes('demo_app_v1');
        const broken = loadModule('broken_v2');
        await uploadModule(upgrader, app, broken);
        const id = await approveUpgrade(app, broken);

        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(outcome).toEqual({ rolled_back: 'health check health answered false' });
        // v1's module and both notes are back, and the app runs.
        expect(await moduleHashOf(replica, app)).toBe(hash);
        await expectRunning(app);
        expect(await notes.version()).toBe('v1');
        expect(await notes.count()).toBe(2n);

        const steps = (await upgrader.audit_log({ app: [app], start: 0n, limit: 100 })).entries
            .map((e) => e.event)
            .flatMap((e) => ('step_started' in e ? [Object.keys(e.step_started)[0]] : []));
        expect(steps).toEqual([
            'check',
            'clear_chunk_store',
            ...['upload_chunk', 'upload_chunk', 'upload_chunk', 'upload_chunk'],
            'stop',
            'snapshot',
            'install',
            'start',
            'verify',
            'health_check',
            'rollback_stop',
            'rollback_load',
            'rollback_start',
            'cleanup'
        ]);
    });

    it('starts the app again and reports "stuck stopping" when it does not stop in time', async () => {
        const app = await deployApp(replica, { name: 'awaiting_app', upgraderId });
        ok(await registerApp(upgrader, app));
        const hash = await moduleHashOf(replica, app);
        const v2 = loadModule('demo_app_v2');
        await uploadModule(upgrader, app, v2);

        // The app keeps a call context open (a long chain of awaited calls)...
        const holder = replica.createDeferredActor<AwaitingAppService>(awaitingAppIdl, app);
        holder.setPrincipal(alice);
        await holder.hold(1_000_000);
        const id = await approveUpgrade(app, v2);
        // ...so the stop stays pending until the IC's stop timeout.
        for (let i = 0; i < 100; i++) {
            const execution = (await upgrader.get_execution(app))[0];
            if (execution !== undefined && 'stop' in execution.step && execution.lease_until > 0n) break;
            await replica.tick();
        }
        expect((await replica.canisterStatus({ canisterId: app, sender: admin })).status).toEqual({ stopping: null });
        await replica.advanceTime(5 * 60 * 1000 + 1000);

        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(Object.keys(outcome)).toEqual(['stuck_stopping']);
        expect(JSON.stringify(outcome)).toMatch(/timed out/i);
        expect(await moduleHashOf(replica, app)).toBe(hash);
        await expectRunning(app);
    });
});
