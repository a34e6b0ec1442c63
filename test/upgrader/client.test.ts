/**
 * UpgraderClient unwraps `{ Ok }` and throws one typed error class per `{ Err }` variant. Here it
 * runs over embedded-replica actors (UpgraderClient.fromService); over @dfinity/agent it is the
 * same class built with UpgraderClient.create({ agent, canisterId }).
 */
import type { Principal } from '@dfinity/principal';

import { idlFactory, type UpgraderService } from '../../canisters/upgrader/types';
import {
    AlreadyVotedError,
    AppAlreadyRegisteredError,
    expectedSubject,
    NotControllerError,
    SubjectMismatchError,
    UpgraderClient,
    UpgraderClientError
} from '../../src/client/upgrader';
import type { Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    bob,
    DEFAULT_POLICY,
    DEFAULT_SNAPSHOTS,
    deployApp,
    deployUpgrader,
    hex,
    loadModule,
    maintainer,
    recovery,
    stranger,
    upgradeRequest,
    waitForOutcome
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

describe('UpgraderClient', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let app: Principal;

    /** A client that calls as `who`. */
    function clientAs(who: Principal): UpgraderClient {
        const actor = replica.createActor<UpgraderService>(idlFactory, upgraderId);
        actor.setPrincipal(who);
        return UpgraderClient.fromService(actor);
    }

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        upgraderId = (await deployUpgrader(replica)).id;
        app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
    });

    it('unwraps results and throws typed errors', async () => {
        const asAdmin = clientAs(admin);
        const registration = { app, policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS, recovery };
        const info = await asAdmin.register(registration);
        expect(info.app.toText()).toBe(app.toText());
        const again = asAdmin.register(registration);
        await expect(again).rejects.toBeInstanceOf(AppAlreadyRegisteredError);
        await expect(asAdmin.register(registration)).rejects.toMatchObject({ name: 'AppAlreadyRegisteredError', error: { AppAlreadyRegistered: app } });

        const unmanaged = await deployApp(replica, { name: 'demo_app_v1', upgraderId, upgraderControls: false });
        const refused = await asAdmin.register({ ...registration, app: unmanaged }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(NotControllerError);
        expect(refused).toBeInstanceOf(UpgraderClientError);
        expect((refused as Error).message).toMatch(/Add the upgrader and the recovery principal/);

        // Upload (hashed by the client), propose, vote, and the vote errors.
        const v2 = loadModule('demo_app_v2');
        const progress: number[] = [];
        const module = await clientAs(maintainer).uploadModule({ app, wasm: v2.bytes, onProgress: (sent) => progress.push(sent) });
        expect(hex(module.hash)).toBe(hex(v2.hash));
        expect(progress).toEqual([1, 2, 3, 4]);
        const id = await clientAs(maintainer).proposeUpgrade(app, upgradeRequest(v2));
        const proposal = await clientAs(alice).getProposal(id);
        const subject = proposal === undefined ? undefined : expectedSubject(proposal);
        if (subject === undefined) throw new Error('no upgrade proposal to vote on');

        // A stranger's vote never reaches the method: inspect_message refuses it (IC0406).
        await expect(clientAs(stranger).vote({ proposal_id: id, subject, approve: true })).rejects.toMatchObject({ errorCode: 'IC0406' });
        await expect(clientAs(alice).vote({ proposal_id: id, subject: v2.hash, approve: true })).rejects.toBeInstanceOf(SubjectMismatchError);
        await clientAs(alice).vote({ proposal_id: id, subject, approve: true });
        await expect(clientAs(alice).vote({ proposal_id: id, subject, approve: true })).rejects.toBeInstanceOf(AlreadyVotedError);
        const approved = await clientAs(bob).vote({ proposal_id: id, subject, approve: true });
        expect(approved.status).toEqual({ executing: null });

        const upgrader = replica.createActor<UpgraderService>(idlFactory, upgraderId);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });

        // The audit log, page after page.
        const events: string[] = [];
        for await (const entry of clientAs(stranger).auditEntries(app)) events.push(Object.keys(entry.event)[0] ?? '?');
        expect(events[0]).toBe('registered');
        expect(events.at(-1)).toBe('module_deleted');
        expect(await clientAs(stranger).getModule({ app, hash: v2.hash })).toBeUndefined();
    });
});
