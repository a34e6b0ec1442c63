/**
 * The recovery principal: pause and resume, restore a snapshot, change the policy directly,
 * eject the upgrader, and then upgrade the app alone with plain management calls.
 */
import type { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../../canisters/demo_app/v1/types';
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import type { Actor, Replica } from '../../src/replica/index';
import { wasmPath } from '../../scripts/paths';
import {
    admin,
    alice,
    bob,
    castVote,
    DEFAULT_SNAPSHOTS,
    deployApp,
    deployGovernedApp,
    err,
    hex,
    KEEP_CONFIG,
    loadModule,
    maintainer,
    type Module,
    moduleHashOf,
    ok,
    policyOf,
    recovery,
    registerApp,
    stranger,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    waitForOutcome,
    refusedAtInspect,
    subjectOf
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

describe('recovery principal', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;
    let app: Principal;
    let notes: Actor<DemoAppV1Service>;
    const v2: Module = loadModule('demo_app_v2');

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ upgraderId, upgrader, app } = await deployGovernedApp(replica));
        notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
        notes.setPrincipal(alice);
        await notes.add_note('kept across everything');
    });

    it('is the only one who may pause, resume, change the policy or eject', async () => {
        // As ingress, anyone else is refused at inspect (authorization.test.ts covers canister callers).
        for (const who of [stranger, maintainer, alice, admin]) {
            upgrader.setPrincipal(who);
            await refusedAtInspect(upgrader.pause(app));
            await refusedAtInspect(upgrader.unpause(app));
            await refusedAtInspect(upgrader.eject(app));
            await refusedAtInspect(upgrader.set_policy({ app, change: { policy: policyOf([[who, 1]], 1), snapshot_policy: DEFAULT_SNAPSHOTS } }));
            await refusedAtInspect(upgrader.restore_snapshot({ app, snapshot_id: [] }));
        }
        expect(await upgrader.get_app(app)).toMatchObject([{ paused: false, policy_version: 1 }]);
    });

    it('pauses upgrades: proposals and votes are refused until resumed', async () => {
        await uploadModule(upgrader, app, v2);
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        upgrader.setPrincipal(recovery);
        ok(await upgrader.pause(app));

        expect(err(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)))).toEqual({ Paused: app });
        upgrader.setPrincipal(maintainer);
        expect(err(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }))).toEqual({ Paused: app });

        upgrader.setPrincipal(recovery);
        ok(await upgrader.unpause(app));
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
    });

    it('sets a new policy directly, superseding an open proposal', async () => {
        await uploadModule(upgrader, app, v2);
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        upgrader.setPrincipal(recovery);
        const info = ok(await upgrader.set_policy({ app, change: { policy: policyOf([[bob, 1]], 1), snapshot_policy: { keep: 1, required: true, rehearse: false } } }));
        expect(info.policy_version).toBe(2);
        expect(info.snapshot_policy).toEqual({ keep: 1, required: true, rehearse: false });
        expect((await upgrader.get_proposal(id))[0]?.status).toEqual({ cancelled: 'superseded: the recovery principal changed the policy' });
        // The new policy applies: snapshots are now required.
        upgrader.setPrincipal(maintainer);
        expect(Object.keys(err(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2, { take_snapshot: false }) } })))).toEqual(['InvalidArgument']);
    });

    it('restores the snapshot the upgrader took before an upgrade', async () => {
        await uploadModule(upgrader, app, v2);
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');

        // The team wants v1 back, as it was just before the upgrade.
        upgrader.setPrincipal(recovery);
        const restore = ok(await upgrader.restore_snapshot({ app, snapshot_id: [] }));
        expect(await waitForOutcome(replica, upgrader, restore)).toEqual({ restored: null });
        expect(await notes.version()).toBe('v1');
        expect((await notes.get_note(0n))[0]?.text).toBe('kept across everything');
        expect((await replica.canisterStatus({ canisterId: app, sender: admin })).status).toEqual({ running: null });
    });

    it('ejects the upgrader; then the recovery principal upgrades the app alone', async () => {
        upgrader.setPrincipal(recovery);
        ok(await upgrader.eject(app));
        const controllers = (await replica.getControllers(app)).map((p) => p.toText());
        expect(controllers).not.toContain(upgraderId.toText());
        expect(controllers).toContain(recovery.toText());
        expect(await upgrader.get_app(app)).toEqual([]);
        const ejected = await upgrader.audit_log({ app: [app], start: 0n, limit: 100 });
        expect(ejected.entries.some((e) => 'ejected' in e.event)).toBe(true);

        // The upgrader can no longer act on the app: registering again fails its controller check.
        expect(Object.keys(err(await registerApp(upgrader, app)))).toEqual(['NotController']);

        // The recovery principal is a controller: plain management calls, no upgrader involved.
        await replica.stopCanister({ canisterId: app, sender: recovery });
        await replica.upgradeCanister({ canisterId: app, wasm: wasmPath('demo_app_v2'), arg: KEEP_CONFIG, sender: recovery });
        await replica.startCanister({ canisterId: app, sender: recovery });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');
        expect((await upgraded.get_note(0n))[0]?.body).toBe('kept across everything');
    });

    it('hands the app back to the recovery principal even when it was removed out of band and the upgrader is the only controller', async () => {
        await replica.updateCanisterSettings({ canisterId: app, sender: admin, controllers: [upgraderId] });
        upgrader.setPrincipal(recovery);
        ok(await upgrader.eject(app));
        expect((await replica.getControllers(app)).map((p) => p.toText())).toEqual([recovery.toText()]);
        expect(await upgrader.get_app(app)).toEqual([]);
        // The recovery principal can act on the app alone.
        await replica.stopCanister({ canisterId: app, sender: recovery });
        await replica.startCanister({ canisterId: app, sender: recovery });
    });

    it('adds the recovery principal back and keeps the app\'s other controllers', async () => {
        await replica.updateCanisterSettings({ canisterId: app, sender: admin, controllers: [admin, upgraderId] });
        upgrader.setPrincipal(recovery);
        ok(await upgrader.eject(app));
        expect((await replica.getControllers(app)).map((p) => p.toText()).sort()).toEqual([admin.toText(), recovery.toText()].sort());
    });

    it('forgets an app the upgrader verifiably no longer controls, or that no longer exists, without touching it', async () => {
        await replica.updateCanisterSettings({ canisterId: app, sender: admin, controllers: [admin, recovery] });
        upgrader.setPrincipal(recovery);
        ok(await upgrader.eject(app));
        expect(await upgrader.get_app(app)).toEqual([]);
        expect((await replica.getControllers(app)).map((p) => p.toText()).sort()).toEqual([admin.toText(), recovery.toText()].sort());

        const gone = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        ok(await registerApp(upgrader, gone));
        await replica.stopCanister({ canisterId: gone, sender: admin });
        await replica.callManagement('delete_canister', { canister_id: gone }, admin);
        upgrader.setPrincipal(recovery);
        ok(await upgrader.eject(gone));
        expect(await upgrader.get_app(gone)).toEqual([]);
    });

    it('refuses to eject while an execution is in progress', async () => {
        await uploadModule(upgrader, app, v2);
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        upgrader.setPrincipal(recovery);
        expect(err(await upgrader.eject(app))).toEqual({ ProposalInProgress: id });
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        ok(await upgrader.eject(app));
    });
});
