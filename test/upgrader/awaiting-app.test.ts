/**
 * An app that asks for its own upgrade with a regular, awaited call instead of app_lib's
 * one-way call. The danger (seed 003) is a callback left open across the upgrade: its response
 * would run in the new module, or the app could never stop. The upgrader defuses it:
 *
 * - `request_upgrade` replies in the same message and awaits nothing, so the app's callback
 *   runs at once, on the old module, before any stop is attempted;
 * - `resume` called by the app itself is never driven inside the app's call: it is handed to a
 *   timer and answered at once (`scheduled`);
 * - if an app still holds a call open when the upgrade starts, the stop times out and the app
 *   is started again ("stuck stopping", see failures.test.ts).
 */
import type { Principal } from '@dfinity/principal';

import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import type { Actor, Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    type AwaitingAppService,
    awaitingAppIdl,
    bob,
    castVote,
    deployGovernedApp,
    getProposal,
    hex,
    loadModule,
    moduleHashOf,
    ok,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    waitForOutcome,
    subjectOf
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

describe('an app that awaits its upgrade request', () => {
    let replica: Replica;
    let upgrader: Upgrader;
    let app: Principal;
    let awaiting: Actor<AwaitingAppService>;

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ upgrader, app } = await deployGovernedApp(replica, 'awaiting_app'));
        awaiting = replica.createActor<AwaitingAppService>(awaitingAppIdl, app);
        awaiting.setPrincipal(alice);
        await awaiting.add_note('written before the upgrade');
    });

    it('gets its reply on the old module at once, and is upgraded safely afterwards', async () => {
        const v2 = loadModule('demo_app_v2');
        await uploadModule(upgrader, app, v2);

        awaiting.setPrincipal(admin);
        const id = ok(await awaiting.request_upgrade_awaited(upgradeRequest(v2)));
        // The continuation after the await already ran, in the old module: no callback is left.
        expect(await awaiting.awaited_reply()).toEqual([id]);
        expect((await getProposal(upgrader, id)).proposer.toText()).toBe(app.toText());

        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        // Worse: the app awaits `resume`, i.e. waits on its own upgrade from inside a call. The
        // upgrader refuses to drive the upgrade inside that call and schedules it instead.
        const resumed = ok(await awaiting.resume_awaited());
        expect(Object.keys(resumed)).toEqual(['scheduled']);

        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');
        expect((await upgraded.get_note(0n))[0]?.body).toBe('written before the upgrade');
    });
});
