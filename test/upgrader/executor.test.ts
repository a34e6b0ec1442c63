/**
 * The executor as a persisted state machine: a lost response leaves the execution at the step
 * whose call was in flight; anyone may `resume` it once the lease has run out, the stale driver
 * is fenced out, and the re-run install notices it already happened.
 */
import type { Principal } from '@dfinity/principal';

import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import type { Step } from '../../canisters/upgrader/types';

type StepName = Step extends infer S ? (S extends Record<infer K, unknown> ? K & string : never) : never;
import { type Actor, Replica } from '../../src/replica/index';
import { type DemoAppV1Service, idlFactory as v1Idl } from '../../canisters/demo_app/v1/types';
import {
    alice,
    bob,
    castVote,
    deployApp,
    deployUpgrader,
    hex,
    loadModule,
    maintainer,
    moduleHashOf,
    ok,
    registerApp,
    stranger,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    waitForOutcome,
    subjectOf
} from './fixture';

describe('executor', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;
    let app: Principal;
    let notes: Actor<DemoAppV1Service>;
    const v2 = loadModule('demo_app_v2');

    beforeEach(async () => {
        replica = await Replica.create();
        const deployed = await deployUpgrader(replica);
        upgraderId = deployed.id;
        upgrader = deployed.upgrader;
        app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        ok(await registerApp(upgrader, app));
        notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
        notes.setPrincipal(alice);
        await notes.add_note('one');
        await uploadModule(upgrader, app, v2);
    });

    afterEach(async () => {
        await replica.tearDown();
    });

    async function approve(): Promise<bigint> {
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        return id;
    }

    /** Ticks until the execution's call for `step` is in flight (its lease is set). */
    async function tickUntilInFlight(step: StepName): Promise<void> {
        for (let i = 0; i < 200; i++) {
            const execution = (await upgrader.get_execution(app))[0];
            if (execution !== undefined && step in execution.step && execution.lease_until > 0n) return;
            await replica.tick();
        }
        throw new Error(`the execution never reached ${step}`);
    }

    /** Drops every response on its way to the upgrader: its callbacks will never run. */
    function loseResponsesToUpgrader(): number {
        const subnet = replica.subnet;
        const before = subnet.queue.length;
        subnet.queue = subnet.queue.filter((m) => !(m.kind === 'response' && m.receiver.toText() === upgraderId.toText()));
        return before - subnet.queue.length;
    }

    it('resumes after a lost install response: the stale driver is fenced out and the install is not repeated', async () => {
        const id = await approve();
        await tickUntilInFlight('install');
        await replica.tick(); // the management canister installs v2 and answers...
        expect(loseResponsesToUpgrader()).toBe(1); // ...but the answer never arrives
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));

        // Nothing moves on its own, and while the lease holds nobody may take over.
        await replica.tick(5);
        upgrader.setPrincipal(stranger);
        expect(ok(await upgrader.resume(app))).toEqual({ in_flight: { install: null } });
        expect((await upgrader.get_proposal(id))[0]?.status).toEqual({ executing: null });

        // Once the lease has run out, anyone may resume it.
        await replica.advanceTime(11 * 60 * 1000);
        await replica.tick();
        expect(ok(await upgrader.resume(app))).toEqual({ finished: { upgraded: null } });

        const execution = await upgrader.get_execution(app);
        expect(execution).toEqual([]);
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');
        expect(await upgraded.migration()).toEqual({ schema_version: 2n, migrated: 1n, remaining_v1: 0n });
        // The install step ran twice, but the second run saw v2 installed and did not install again.
        const entries = (await upgrader.audit_log({ app: [app], start: 0n, limit: 100 })).entries;
        const installs = entries.filter((e) => 'step_started' in e.event && 'install' in e.event.step_started);
        expect(installs.length).toBe(2);
        // The canister's history shows one code deployment since it was installed: v2, once.
        const history = replica.subnet.canister(app)?.history ?? [];
        const deployments = history.filter((change) => change.details.kind === 'code_deployment');
        expect(deployments.length).toBe(2); // v1's install, then v2's upgrade
    });

    it('answers idle when nothing is executing, and in_flight while a driver holds the execution', async () => {
        upgrader.setPrincipal(stranger);
        expect(ok(await upgrader.resume(app))).toEqual({ idle: [] });
        const id = await approve();
        await tickUntilInFlight('stop');
        upgrader.setPrincipal(stranger);
        const answer = ok(await upgrader.resume(app));
        expect(Object.keys(answer)).toEqual(['in_flight']);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(ok(await upgrader.resume(app))).toEqual({ idle: [] });
    });
});
