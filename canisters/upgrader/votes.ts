/**
 * Votes: a voter of the app's policy approves or rejects the pair (proposal, subject). Each voter
 * votes once. A proposal is approved when approving weights reach the threshold, and rejected as
 * soon as the threshold can no longer be reached.
 */
import type { Principal } from '@dfinity/principal';
import { time } from 'azle';

import { requireApp, saveApp, type StoredApp } from './apps';
import { audit } from './audit';
import { fail } from './errors';
import { launchMember, startExecution } from './executor';
import { addWeight, totalWeight, weightOf } from './policy';
import { startRollout } from './rollouts';
import { isOpen, liveProposal, requireProposal, saveProposal, setStatus } from './proposals';
import { bytesEqual, principalEqual } from './serde';
import type { Proposal, VoteArgs } from './types';

export function vote(caller: Principal, args: VoteArgs): Proposal {
    const app = requireApp(requireProposal(args.proposal_id).app);
    liveProposal(app); // settles expiry first
    const proposal = requireProposal(args.proposal_id);
    if (!isOpen(proposal.status)) throw fail.proposalNotOpen(proposal.id, proposal.status);
    if (app.info.paused) throw fail.paused(app.info.app);
    const weight = weightOf(app.info.policy, caller);
    if (weight === 0) throw fail.notAVoter(caller);
    if (proposal.votes.some((v) => principalEqual(v.voter, caller))) throw fail.alreadyVoted(caller);
    if (!bytesEqual(args.subject, proposal.subject)) throw fail.subjectMismatch(proposal.subject, args.subject);

    proposal.votes.push({ voter: caller, approve: args.approve, weight, at: time() });
    if (args.approve) proposal.approving_weight = addWeight(proposal.approving_weight, weight);
    else proposal.rejecting_weight = addWeight(proposal.rejecting_weight, weight);
    saveProposal(proposal);
    audit({ app: proposal.app, proposalId: proposal.id, event: { voted: { approve: args.approve, weight } }, actor: caller });

    const policy = requireApp(proposal.app).info.policy;
    if (proposal.approving_weight >= policy.threshold) approve(proposal);
    else if (proposal.rejecting_weight > totalWeight(policy) - policy.threshold) setStatus(proposal, { rejected: null });
    return requireProposal(proposal.id);
}

/** An approved upgrade or hand-over goes to the executor; an approved policy change applies at once. */
function approve(proposal: Proposal): void {
    const action = proposal.action;
    if ('upgrade' in action) {
        setStatus(proposal, { executing: null });
        startExecution(proposal, { upgrade: action.upgrade });
        return;
    }
    if ('rollout' in action) {
        setStatus(proposal, { executing: null });
        startRollout(proposal, action.rollout, launchMember);
        return;
    }
    if ('hand_over' in action) {
        setStatus(proposal, { executing: null });
        startExecution(proposal, { hand_over: action.hand_over });
        return;
    }
    if ('change_policy' in action) {
        const app = requireApp(proposal.app);
        applyPolicyChange(app, action.change_policy.policy, action.change_policy.snapshot_policy);
        setStatus(proposal, { executed: { policy_changed: null } });
        return;
    }
    // Restores are never put to a vote (propose refuses them).
    setStatus(proposal, { cancelled: 'restores are recovery operations' });
}

/** Replaces an app's policy and snapshot policy (through an approved proposal or the recovery principal). */
export function applyPolicyChange(app: StoredApp, policy: StoredApp['info']['policy'], snapshotPolicy: StoredApp['info']['snapshot_policy'], actor?: Principal): void {
    app.info.policy = policy;
    app.info.snapshot_policy = snapshotPolicy;
    app.info.policy_version += 1;
    saveApp(app);
    audit({ app: app.info.app, event: { policy_changed: app.info.policy_version }, actor });
}
