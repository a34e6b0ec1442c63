/**
 * Issue 9, item 4: a governed hand-over to a successor upgrader, end to end between two sealed
 * upgraders on the replica. The app goes from {A, recovery} to {A, recovery, B} to {B, recovery},
 * never without the recovery principal and an upgrader; A forgets it and refuses further
 * proposals naming B; the recovery principal registers it at B, which upgrades it.
 */
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import type { AuditEntry } from '../../canisters/upgrader/types';
import { expectedSubject } from '../../src/client/upgrader';
import { alice, bob, carol, castVote, DEFAULT_POLICY, DEFAULT_SNAPSHOTS, err, hex, loadModule, maintainer, ok, recovery, refusedAtInspect, subjectOf, upgradeRequest, uploadModule, waitForOutcome } from './fixture';
import { controllersOf, createHandOverScene, driveWatching, type HandOverScene, moduleHashOf, proposeFromCanister, proposeHandOver, reviewedSubject, sorted } from './hand-over-fixture';

const v2 = loadModule('demo_app_v2');

function events(entries: AuditEntry[]): string[] {
    return entries.map((e) => {
        const [name, value] = Object.entries(e.event)[0] ?? ['?', null];
        if (name === 'step_started' || name === 'status_changed') return `${name}:${Object.keys(value as object)[0] ?? '?'}`;
        return name;
    });
}

describe('hand-over to a successor upgrader', () => {
    let scene: HandOverScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it('moves the app from one sealed upgrader to another, after which the successor governs it', async () => {
        scene = await createHandOverScene();
        const s = scene;
        const { replica, upgrader, successor, app, upgraderId, successorId } = s;
        expect(await replica.getControllers(upgraderId)).toEqual([]);
        expect(await replica.getControllers(successorId)).toEqual([]);

        const id = ok(await proposeHandOver(s));
        const proposal = (await upgrader.get_proposal(id))[0];
        // What voters approve: exactly this successor and the sealed code it runs.
        expect(proposal?.subject).toEqual(reviewedSubject(successorId, s.upgraderHash));
        expect(proposal === undefined ? undefined : expectedSubject(proposal)).toEqual(proposal?.subject);
        ok(await castVote(upgrader, alice, id, reviewedSubject(successorId, s.upgraderHash)));
        ok(await castVote(upgrader, bob, id, reviewedSubject(successorId, s.upgraderHash)));

        const { outcome, sets } = await driveWatching(s, id);
        expect(outcome).toEqual({ handed_over: successorId });
        expect(sets).toEqual([sorted(upgraderId, recovery), sorted(upgraderId, recovery, successorId), sorted(recovery, successorId)]);
        expect(await upgrader.get_execution(app)).toEqual([]);

        // A forgot the app and refuses anything more about it, naming the successor.
        expect(await upgrader.get_app(app)).toEqual([]);
        expect(err(await proposeFromCanister(s, { upgrade: upgradeRequest(v2) }))).toEqual({ HandedOver: { app, successor: successorId } });
        upgrader.setPrincipal(maintainer);
        await refusedAtInspect(upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        upgrader.setPrincipal(recovery);
        await refusedAtInspect(upgrader.pause(app));

        // The audit log tells the story, in the app's history and the registry's.
        const history = events((await upgrader.audit_log({ app: [app], start: 0n, limit: 100 })).entries);
        expect(history.filter((e) => e.startsWith('step_started'))).toEqual([
            'step_started:check',
            'step_started:check_successor',
            'step_started:add_successor',
            'step_started:confirm_successor',
            'step_started:remove_self'
        ]);
        expect(history.slice(-2)).toEqual(['status_changed:executed', 'handed_over']);
        const registry = (await upgrader.audit_log({ app: [], start: 0n, limit: 100 })).entries;
        expect(registry.map((e) => Object.keys(e.event)[0])).toEqual(['registered', 'handed_over']);
        expect(registry[1]?.event).toEqual({ handed_over: successorId });

        // The recovery principal registers the app at B, which upgrades it like A did.
        successor.setPrincipal(recovery);
        ok(await successor.register({ app, policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS, recovery }));
        await uploadModule(successor, app, v2);
        successor.setPrincipal(maintainer);
        const upgrade = ok(await successor.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        ok(await castVote(successor, alice, upgrade, await subjectOf(successor, upgrade)));
        ok(await castVote(successor, bob, upgrade, await subjectOf(successor, upgrade)));
        expect(await waitForOutcome(replica, successor, upgrade)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.count()).toBe(2n);
        expect(await controllersOf(s)).toEqual(sorted(recovery, successorId));
    });

    it('takes an app back after a hand-over only through a new registration, which lifts the refusal', async () => {
        scene = await createHandOverScene();
        const s = scene;
        const id = ok(await proposeHandOver(s));
        const subject = reviewedSubject(s.successorId, s.upgraderHash);
        ok(await castVote(s.upgrader, alice, id, subject));
        ok(await castVote(s.upgrader, bob, id, subject));
        expect((await driveWatching(s, id)).outcome).toEqual({ handed_over: s.successorId });
        // The recovery principal brings the first upgrader back as a controller and registers the app again.
        await s.replica.updateCanisterSettings({ canisterId: s.app, sender: recovery, controllers: [s.upgraderId, recovery] });
        expect(err(await proposeFromCanister(s, { upgrade: upgradeRequest(v2) }))).toEqual({ HandedOver: { app: s.app, successor: s.successorId } });
        s.upgrader.setPrincipal(recovery);
        ok(await s.upgrader.register({ app: s.app, policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS, recovery }));
        // Governed here again: a stranger canister's proposal is refused as for any registered app, not as handed over.
        expect(Object.keys(err(await proposeFromCanister(s, { upgrade: upgradeRequest(v2) })))).toEqual(['Unauthorized']);
        expect((await s.upgrader.get_app(s.app))[0]?.live_proposal).toEqual([]);
    });

    it('binds the vote to the successor and its module: a subject for another successor or module is refused', async () => {
        scene = await createHandOverScene();
        const s = scene;
        const id = ok(await proposeHandOver(s));
        const otherModule = new Uint8Array(32).fill(7);
        expect(Object.keys(err(await castVote(s.upgrader, alice, id, reviewedSubject(s.successorId, otherModule))))).toEqual(['SubjectMismatch']);
        expect(Object.keys(err(await castVote(s.upgrader, alice, id, reviewedSubject(s.upgraderId, s.upgraderHash))))).toEqual(['SubjectMismatch']);
        // Only the app's proposers (and the app) may propose one; one live proposal per app.
        expect(Object.keys(err(await proposeFromCanister(s, { hand_over: { successor: s.successorId, successor_module_hash: s.upgraderHash } })))).toEqual(['Unauthorized']);
        s.upgrader.setPrincipal(maintainer);
        expect(Object.keys(err(await proposeHandOver(s)))).toEqual(['ProposalInProgress']);
    });

    it('refuses, at propose, a successor that is this upgrader, the app, the recovery principal or malformed', async () => {
        scene = await createHandOverScene();
        const s = scene;
        const invalid = async (successor: HandOverScene['app'], hash: Uint8Array = s.upgraderHash): Promise<string[]> => Object.keys(err(await proposeHandOver(s, successor, hash)));
        expect(await invalid(s.upgraderId)).toEqual(['InvalidArgument']);
        expect(await invalid(s.app)).toEqual(['InvalidArgument']);
        expect(await invalid(recovery)).toEqual(['InvalidArgument']);
        expect(await invalid(s.successorId, new Uint8Array(31))).toEqual(['InvalidArgument']);
        // Still nothing live: a valid one goes through.
        expect(typeof ok(await proposeHandOver(s))).toBe('bigint');
        expect(await controllersOf(s)).toEqual(sorted(s.upgraderId, recovery));
    });

    it('waits for its voters like an upgrade: nothing moves before the threshold, and a rejected hand-over changes nothing', async () => {
        scene = await createHandOverScene();
        const s = scene;
        const id = ok(await proposeHandOver(s));
        const subject = reviewedSubject(s.successorId, s.upgraderHash);
        ok(await castVote(s.upgrader, alice, id, subject));
        await s.replica.tick(5);
        expect(Object.keys((await s.upgrader.get_proposal(id))[0]?.status ?? {})).toEqual(['open']);
        ok(await castVote(s.upgrader, bob, id, subject, false));
        ok(await castVote(s.upgrader, carol, id, subject, false));
        await s.replica.tick(5);
        expect(Object.keys((await s.upgrader.get_proposal(id))[0]?.status ?? {})).toEqual(['rejected']);
        expect(await controllersOf(s)).toEqual(sorted(s.upgraderId, recovery));
        expect(await s.upgrader.get_app(s.app)).toHaveLength(1);
    });
});
