/**
 * Governance: who may propose and vote, and what votes do. Every test starts from a fresh
 * replica with the upgrader, demo app v1 registered (voters alice, bob, carol with weight 1,
 * threshold 2) and demo app v2 uploaded.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { PolicyChange } from '../../canisters/upgrader/types';
import type { Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    type AwaitingAppService,
    awaitingAppIdl,
    bob,
    carol,
    castVote,
    DEFAULT_POLICY,
    DEFAULT_SNAPSHOTS,
    deployApp,
    deployGovernedApp,
    err,
    getProposal,
    hex,
    loadModule,
    maintainer,
    type Module,
    moduleHashOf,
    ok,
    policyOf,
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

describe('governance', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;
    let app: Principal;
    let v1Hash: string | null;
    const v2: Module = loadModule('demo_app_v2');

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ upgraderId, upgrader, app } = await deployGovernedApp(replica));
        await uploadModule(upgrader, app, v2);
        v1Hash = await moduleHashOf(replica, app);
    });

    async function proposeV2(): Promise<bigint> {
        upgrader.setPrincipal(maintainer);
        return ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
    }

    it('rejects a proposal once the threshold can no longer be reached, leaving the app untouched', async () => {
        const id = await proposeV2();
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id), false));
        expect((await getProposal(upgrader, id)).status).toEqual({ open: null });
        const rejected = ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id), false));
        expect(rejected.status).toEqual({ rejected: null });
        expect(rejected.rejecting_weight).toBe(2);

        expect(err(await castVote(upgrader, carol, id, await subjectOf(upgrader, id)))).toEqual({ ProposalNotOpen: { id, status: { rejected: null } } });
        await replica.tick(3);
        expect(await upgrader.get_execution(app)).toEqual([]);
        expect(await moduleHashOf(replica, app)).toBe(v1Hash);
        // The app's slot is free again.
        expect((await upgrader.get_app(app))[0]?.live_proposal).toEqual([]);
        expect(await proposeV2()).toBe(id + 1n);
    });

    it('expires an open proposal after the policy lifetime; late votes are refused', async () => {
        const id = await proposeV2();
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        await replica.advanceTime(Number(DEFAULT_POLICY.proposal_lifetime_seconds) * 1000 + 1_000);
        await replica.tick();

        expect((await getProposal(upgrader, id)).status).toEqual({ expired: null });
        expect((await upgrader.get_app(app))[0]?.live_proposal).toEqual([]);
        expect(err(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)))).toEqual({ ProposalNotOpen: { id, status: { expired: null } } });
        expect(await moduleHashOf(replica, app)).toBe(v1Hash);
        // A new proposal may replace the expired one.
        expect(await proposeV2()).toBe(id + 1n);
    });

    it('refuses votes from principals that are not voters: strangers, maintainers, the app itself', async () => {
        const id = await proposeV2();
        // As ingress each is refused at inspect (authorization.test.ts has the method answer canister callers).
        for (const who of [stranger, maintainer, recovery, admin, app]) await refusedAtInspect(castVote(upgrader, who, id, await subjectOf(upgrader, id)));
        const proposal = await getProposal(upgrader, id);
        expect(proposal.votes).toEqual([]);
        expect(proposal.status).toEqual({ open: null });
    });

    it('counts one vote per voter: a second vote, even a changed one, is refused', async () => {
        const id = await proposeV2();
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        expect(err(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)))).toEqual({ AlreadyVoted: alice });
        expect(err(await castVote(upgrader, alice, id, await subjectOf(upgrader, id), false))).toEqual({ AlreadyVoted: alice });
        const proposal = await getProposal(upgrader, id);
        expect(proposal.approving_weight).toBe(1);
        expect(proposal.rejecting_weight).toBe(0);
        expect(proposal.status).toEqual({ open: null });
    });

    it('binds a vote to the whole upgrade: a vote naming only the module hash, or another module, is refused', async () => {
        const id = await proposeV2();
        const expected = await subjectOf(upgrader, id);
        const other = sha256(new TextEncoder().encode('some other module'));
        expect(err(await castVote(upgrader, alice, id, other))).toEqual({ SubjectMismatch: { expected, given: other } });
        // The module hash alone (what votes bound before) no longer approves anything.
        expect(err(await castVote(upgrader, alice, id, v2.hash))).toEqual({ SubjectMismatch: { expected, given: v2.hash } });
        expect((await getProposal(upgrader, id)).votes).toEqual([]);
    });

    it('keeps one live proposal per app: concurrent proposals are refused until it ends', async () => {
        const id = await proposeV2();
        upgrader.setPrincipal(maintainer);
        expect(err(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }))).toEqual({ ProposalInProgress: id });
        // The app itself asking at the same time is refused too.
        upgrader.setPrincipal(app);
        expect(err(await upgrader.request_upgrade(upgradeRequest(v2)))).toEqual({ ProposalInProgress: id });

        // While it executes, the slot stays taken.
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        upgrader.setPrincipal(maintainer);
        expect(err(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }))).toEqual({ ProposalInProgress: id });
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        // Afterwards the app is free; v2's module was reclaimed after its install.
        expect(err(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }))).toEqual({ ModuleNotFound: v2.hash });
    });

    it('refuses one app proposing, uploading or voting for another app', async () => {
        const other = await deployApp(replica, { name: 'awaiting_app', upgraderId });
        ok(await registerApp(upgrader, other));
        const otherActor = replica.createActor<AwaitingAppService>(awaitingAppIdl, other);
        // A real inter-canister call from the other app to `propose` for our app.
        expect(err(await otherActor.propose_for_other(app, upgradeRequest(v2)))).toEqual({
            Unauthorized: 'only the app itself and its proposers (see get_app) may propose'
        });
        // request_upgrade has no target: it always names the caller, so the other app can only
        // propose for itself (and has no module of its own uploaded here).
        upgrader.setPrincipal(other);
        expect(err(await upgrader.request_upgrade(upgradeRequest(v2)))).toEqual({ ModuleNotFound: v2.hash });
        await refusedAtInspect(upgrader.create_module({ app, hash: sha256(new Uint8Array([1])), size: 1n }));
        const id = await proposeV2();
        await refusedAtInspect(castVote(upgrader, other, id, await subjectOf(upgrader, id)));
        expect(await moduleHashOf(replica, app)).toBe(v1Hash);
    });

    it('lets the app propose only its own upgrade, never a policy change', async () => {
        const change = { policy: policyOf([[alice, 1]], 1, { proposers: [app] }), snapshot_policy: DEFAULT_SNAPSHOTS };
        upgrader.setPrincipal(app);
        expect(err(await upgrader.propose({ app, action: { change_policy: change } }))).toEqual({
            Unauthorized: "only the app's proposers may propose a policy change (the app may propose only its own upgrade; its recovery principal calls set_policy)"
        });
        expect((await upgrader.get_app(app))[0]?.live_proposal).toEqual([]);
        // Its own upgrade it may propose, through propose as through request_upgrade.
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        expect((await getProposal(upgrader, id)).proposer.toText()).toBe(app.toText());
        // A maintainer proposes policy changes; the recovery principal sets them directly.
        upgrader.setPrincipal(recovery);
        expect(ok(await upgrader.set_policy({ app, change: { policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS } })).policy_version).toBe(2);
        upgrader.setPrincipal(maintainer);
        expect(typeof ok(await upgrader.propose({ app, action: { change_policy: change } }))).toBe('bigint');
    });

    it('changes the policy only through an approved proposal (or the recovery principal)', async () => {
        const change = { policy: policyOf([[alice, 2], [bob, 1]], 2), snapshot_policy: DEFAULT_SNAPSHOTS };
        // Maintainers cannot set it directly.
        upgrader.setPrincipal(maintainer);
        await refusedAtInspect(upgrader.set_policy({ app, change }));

        const id = ok(await upgrader.propose({ app, action: { change_policy: change } }));
        const subject = (await getProposal(upgrader, id)).subject;
        expect(hex(subject)).toBe(hex(sha256(new Uint8Array(IDL.encode([PolicyChange], [change])))));
        ok(await castVote(upgrader, alice, id, subject));
        const applied = ok(await castVote(upgrader, carol, id, subject));
        expect(applied.status).toEqual({ executed: { policy_changed: null } });

        const info = (await upgrader.get_app(app))[0];
        expect(info?.policy_version).toBe(2);
        expect(info?.policy.voters.map((v) => [v.principal.toText(), v.weight])).toEqual([
            [alice.toText(), 2],
            [bob.toText(), 1]
        ]);
        // Under the new policy alice alone reaches the threshold; carol is no longer a voter.
        const next = await proposeV2();
        await refusedAtInspect(castVote(upgrader, carol, next, await subjectOf(upgrader, next)));
        expect(ok(await castVote(upgrader, alice, next, await subjectOf(upgrader, next))).status).toEqual({ executing: null });
        expect(await waitForOutcome(replica, upgrader, next)).toEqual({ upgraded: null });
    });

    it('lets the proposer or the recovery principal cancel an open proposal, nobody else', async () => {
        const id = await proposeV2();
        upgrader.setPrincipal(stranger);
        await refusedAtInspect(upgrader.cancel_proposal(id));
        upgrader.setPrincipal(maintainer);
        expect(ok(await upgrader.cancel_proposal(id)).status).toEqual({ cancelled: `cancelled by ${maintainer.toText()}` });
        expect(err(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)))).toEqual({ ProposalNotOpen: { id, status: { cancelled: `cancelled by ${maintainer.toText()}` } } });
        expect((await upgrader.get_app(app))[0]?.live_proposal).toEqual([]);
    });
});
