/**
 * Proposals: "upgrade app X to module H with argument A", or "change X's policy". At most one
 * proposal is live (open or executing) per app; an open proposal expires after the policy's
 * lifetime. Proposals are kept up to MAX_PROPOSALS_KEPT (the oldest finished ones are dropped).
 */
import type { Principal } from '@dfinity/principal';
import { StableBTreeMap, time } from 'azle';

import { findApp, mayPropose, requireApp, saveApp, type StoredApp } from './apps';
import { audit } from './audit';
import { fail } from './errors';
import { MAX_ARG_BYTES, MAX_PROPOSALS_KEPT, NANOS_PER_SECOND } from './limits';
import { MemoryId } from './memory';
import { getCounter, MetaKey, setCounter } from './meta';
import { requireInstallable } from './modules';
import { policyChangeSubject, validatePolicyChange } from './policy';
import { proposalRecord } from './records';
import { u64Key } from './serde';
import type { Proposal, ProposalAction, ProposalStatus, ProposeArgs, UpgradeRequest } from './types';

const proposals = new StableBTreeMap<bigint, Proposal>(MemoryId.proposals, u64Key, proposalRecord);

export function findProposal(id: bigint): Proposal | undefined {
    return proposals.get(id);
}

export function requireProposal(id: bigint): Proposal {
    const found = proposals.get(id);
    if (found === undefined) throw fail.proposalNotFound(id);
    return found;
}

export function saveProposal(proposal: Proposal): void {
    proposals.insert(proposal.id, proposal);
}

export function isOpen(status: ProposalStatus): boolean {
    return 'open' in status;
}

/** Open or executing: the app's one slot is taken. */
export function isLive(status: ProposalStatus): boolean {
    return 'open' in status || 'executing' in status;
}

/** The status as of now: an open proposal past its expiry reads as expired (queries cannot write). */
export function effectiveStatus(proposal: Proposal, now: bigint = time()): ProposalStatus {
    return isOpen(proposal.status) && now >= proposal.expires_at ? { expired: null } : proposal.status;
}

/** A proposal as queries show it (with its effective status). */
export function viewProposal(proposal: Proposal): Proposal {
    return { ...proposal, status: effectiveStatus(proposal) };
}

/**
 * The app's live proposal, after settling expiry: an open proposal past its lifetime is marked
 * expired here (and the app's slot freed), so expiry needs no timer.
 */
export function liveProposal(app: StoredApp): Proposal | undefined {
    const id = app.info.live_proposal[0];
    if (id === undefined) return undefined;
    const proposal = proposals.get(id);
    if (proposal !== undefined && isOpen(proposal.status) && time() >= proposal.expires_at) {
        setStatus(proposal, { expired: null });
        return undefined;
    }
    if (proposal === undefined || !isLive(proposal.status)) {
        clearLiveSlot(app.info.app, id);
        return undefined;
    }
    return proposal;
}

/**
 * Changes a proposal's status and logs it. A status that ends the proposal frees the app's
 * live slot.
 */
export function setStatus(proposal: Proposal, status: ProposalStatus, actor?: Principal): void {
    proposal.status = status;
    saveProposal(proposal);
    if (!isLive(status)) clearLiveSlot(proposal.app, proposal.id);
    audit({ app: proposal.app, proposalId: proposal.id, event: { status_changed: status }, actor });
}

function clearLiveSlot(appId: Principal, id: bigint): void {
    const app = findApp(appId);
    if (app === undefined || app.info.live_proposal[0] !== id) return;
    app.info.live_proposal = [];
    saveApp(app);
}

/** Throws unless `request` can upgrade `app`: a complete module, a bounded argument, snapshot rules. */
export function validateUpgrade(app: StoredApp, request: UpgradeRequest, emergency: boolean): void {
    requireInstallable(app.info.app, request.module_hash);
    if (request.arg.length > MAX_ARG_BYTES) throw fail.invalid(`the upgrade argument may be at most ${MAX_ARG_BYTES} bytes, not ${request.arg.length}`);
    const snapshots = app.info.snapshot_policy;
    if (request.options.take_snapshot && snapshots.keep === 0) throw fail.invalid('this app keeps no snapshots (snapshot_policy.keep is 0), so take_snapshot must be false');
    if (!emergency && snapshots.required && !request.options.take_snapshot) throw fail.invalid("this app's snapshot policy requires take_snapshot");
}

function subjectOf(action: ProposalAction): Uint8Array {
    if ('upgrade' in action) return action.upgrade.module_hash;
    if ('change_policy' in action) return policyChangeSubject(action.change_policy);
    return action.restore_snapshot;
}

export type NewProposal = {
    app: StoredApp;
    proposer: Principal;
    action: ProposalAction;
    emergency: boolean;
    status: ProposalStatus;
};

/** Stores a new proposal, takes the app's live slot, and drops the oldest finished proposals past the cap. */
export function createProposal(fresh: NewProposal): Proposal {
    const id = getCounter(MetaKey.nextProposalId) + 1n;
    setCounter(MetaKey.nextProposalId, id);
    const now = time();
    const proposal: Proposal = {
        id,
        app: fresh.app.info.app,
        proposer: fresh.proposer,
        action: fresh.action,
        subject: subjectOf(fresh.action),
        emergency: fresh.emergency,
        created_at: now,
        expires_at: now + fresh.app.info.policy.proposal_lifetime_seconds * NANOS_PER_SECOND,
        votes: [],
        approving_weight: 0,
        rejecting_weight: 0,
        status: fresh.status
    };
    saveProposal(proposal);
    const app = fresh.app;
    app.info.live_proposal = [id];
    saveApp(app);
    audit({ app: proposal.app, proposalId: id, event: { proposed: null }, actor: fresh.proposer });
    dropOldest();
    return proposal;
}

/** Drops up to two of the oldest proposals past the cap, stopping at a live one. */
function dropOldest(): void {
    for (let i = 0; i < 2; i++) {
        const first = getCounter(MetaKey.firstProposalId);
        const kept = getCounter(MetaKey.nextProposalId) - first;
        if (kept <= BigInt(MAX_PROPOSALS_KEPT)) return;
        const oldest = proposals.get(first);
        if (oldest !== undefined && isLive(oldest.status)) return;
        proposals.remove(first);
        setCounter(MetaKey.firstProposalId, first + 1n);
    }
}

/** Throws ProposalInProgress when the app's slot is taken. */
export function requireFreeSlot(app: StoredApp): void {
    const live = liveProposal(app);
    if (live !== undefined) throw fail.proposalInProgress(live.id);
}

/**
 * `propose`: the app itself or one of its maintainers proposes an upgrade or a policy change.
 * Restores are for the recovery principal only (`restore_snapshot`).
 */
export function propose(caller: Principal, args: ProposeArgs): bigint {
    const app = requireApp(args.app);
    if (!mayPropose(app, caller)) throw fail.unauthorized(`${caller.toText()} may not propose for ${args.app.toText()}: only the app itself and its proposers may`);
    if (app.info.paused) throw fail.paused(args.app);
    const action = args.action;
    if ('restore_snapshot' in action) throw fail.invalid('restoring a snapshot is a recovery operation: the recovery principal calls restore_snapshot');
    if ('upgrade' in action) validateUpgrade(app, action.upgrade, false);
    else validatePolicyChange(action.change_policy);
    requireFreeSlot(app);
    return createProposal({ app: requireApp(args.app), proposer: caller, action, emergency: false, status: { open: null } }).id;
}

/** `request_upgrade`: the app (the caller) proposes its own upgrade, usually with a one-way call. */
export function requestUpgrade(caller: Principal, request: UpgradeRequest): bigint {
    return propose(caller, { app: caller, action: { upgrade: request } });
}

/** Cancels an open proposal: its proposer or the app's recovery principal may. */
export function cancelProposal(caller: Principal, id: bigint): Proposal {
    const proposal = requireProposal(id);
    const app = requireApp(proposal.app);
    liveProposal(app);
    const current = requireProposal(id);
    if (!isOpen(current.status)) throw fail.proposalNotOpen(id, current.status);
    const allowed = current.proposer.compareTo(caller) === 'eq' || app.info.recovery.compareTo(caller) === 'eq';
    if (!allowed) throw fail.unauthorized('only the proposer or the recovery principal may cancel a proposal');
    setStatus(current, { cancelled: `cancelled by ${caller.toText()}` }, caller);
    return current;
}
