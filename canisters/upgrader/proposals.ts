/**
 * Proposals: "upgrade app X from module F to module H with argument A and options O", or
 * "change X's policy". At most one proposal is live (open or executing) per app; an open
 * proposal expires after the policy's lifetime. An upgrade's votes bind (H, SHA-256(A), O, the
 * downgrade flag, F) (vote-subject.ts), and its execution first checks that the app still runs
 * F (`checkPrecondition`). Beyond MAX_PROPOSALS_KEPT, each new proposal prunes the oldest
 * finished ones, settling the expiry of open ones as it goes; live proposals are kept.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf, StableBTreeMap, time } from 'azle';

import { findApp, hasRun, mayProposePolicy, mayProposeUpgrade, noteRunning, requireApp, saveApp, type StoredApp } from './apps';
import { isGroupPrincipal } from './group-id';
import { audit } from './audit';
import { fail } from './errors';
import { MAX_ARG_BYTES, NANOS_PER_SECOND, PRUNE_BATCH } from './limits';
import { MemoryId } from './memory';
import { getCounter, MetaKey, setCounter } from './meta';
import { requireInstallable } from './modules';
import { policyChangeSubject, validatePolicyChange } from './policy';
import { proposalRecord } from './records';
import { bytesEqual, principalEqual, toHex, u64Key } from './serde';
import type { Execution, HandOver, Proposal, ProposalAction, ProposalStatus, ProposeArgs, UpgradeRequest } from './types';
import { validateRollout } from './rollout-plan';
import { argHash, handOverSubject, rolloutSubject, upgradeSubject } from './vote-subject';

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
function isLive(status: ProposalStatus): boolean {
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
    // A verified upgrade: the app now runs the module (and ran the one before).
    if ('executed' in status && 'upgraded' in status.executed && 'upgrade' in proposal.action) noteRunning(proposal.app, [proposal.action.upgrade.module_hash]);
    audit({ app: proposal.app, proposalId: proposal.id, event: { status_changed: status }, actor });
}

function clearLiveSlot(appId: Principal, id: bigint): void {
    const app = findApp(appId);
    if (app === undefined || app.info.live_proposal[0] !== id) return;
    app.info.live_proposal = [];
    saveApp(app);
}

/**
 * Throws unless `request` can upgrade `app`: a bounded argument, a complete module, snapshot
 * rules, and a downgrade (a module the app was seen running before) only when the request says so.
 */
export function validateUpgrade(app: StoredApp, request: UpgradeRequest, emergency: boolean): void {
    if (request.arg.length > MAX_ARG_BYTES) throw fail.invalid(`the upgrade argument may be at most ${MAX_ARG_BYTES} bytes, not ${request.arg.length}`);
    requireInstallable(app.info.app, request.module_hash);
    if (!request.downgrade && hasRun(app, request.module_hash)) {
        throw fail.invalid(`${app.info.app.toText()} ran module ${toHex(request.module_hash)} before: going back to it is a downgrade; set downgrade to true so voters see it`);
    }
    const snapshots = app.info.snapshot_policy;
    if (request.options.take_snapshot && snapshots.keep === 0) throw fail.invalid('this app keeps no snapshots (snapshot_policy.keep is 0), so take_snapshot must be false');
    if (!emergency && snapshots.required && !request.options.take_snapshot) throw fail.invalid("this app's snapshot policy requires take_snapshot");
}

type Binding = Pick<Proposal, 'subject' | 'arg_hash' | 'from_module' | 'downgrade'>;

/** What an upgrade (of one app, or of a group's members) binds besides its members: module, argument, options, downgrade. */
function upgradeParts(app: StoredApp, request: UpgradeRequest): { moduleHash: Uint8Array; argHash: Uint8Array; options: UpgradeRequest['options']; downgrade: boolean } {
    return { moduleHash: request.module_hash, argHash: argHash(request.arg), options: request.options, downgrade: request.downgrade || hasRun(app, request.module_hash) };
}

/** What the proposal binds: for an upgrade, the module the app runs now and the vote subject over all of it. */
function bindingOf(app: StoredApp, action: ProposalAction): Binding {
    if ('upgrade' in action) {
        const parts = upgradeParts(app, action.upgrade);
        return { subject: upgradeSubject({ ...parts, fromModule: app.running }), arg_hash: parts.argHash, from_module: app.running, downgrade: parts.downgrade };
    }
    if ('rollout' in action) {
        const parts = upgradeParts(app, action.rollout.upgrade);
        const members = action.rollout.members[0];
        const subject = rolloutSubject({ upgrade: parts, members: members === undefined ? [] : [members.map((member) => member.toUint8Array())], plan: action.rollout.plan });
        return { subject, arg_hash: parts.argHash, from_module: [], downgrade: parts.downgrade };
    }
    if ('hand_over' in action) {
        const subject = handOverSubject({ successor: action.hand_over.successor.toUint8Array(), successorModuleHash: action.hand_over.successor_module_hash });
        return { subject, arg_hash: new Uint8Array(0), from_module: [], downgrade: false };
    }
    const subject = 'change_policy' in action ? policyChangeSubject(action.change_policy) : action.restore_snapshot;
    return { subject, arg_hash: new Uint8Array(0), from_module: [], downgrade: false };
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
        ...bindingOf(fresh.app, fresh.action),
        emergency: fresh.emergency,
        created_at: now,
        expires_at: now + fresh.app.info.policy.proposal_lifetime_seconds * NANOS_PER_SECOND,
        votes: [],
        approving_weight: 0,
        rejecting_weight: 0,
        status: fresh.status,
        rehearsal: []
    };
    saveProposal(proposal);
    const app = fresh.app;
    app.info.live_proposal = [id];
    saveApp(app);
    audit({ app: proposal.app, proposalId: id, event: { proposed: null }, actor: fresh.proposer });
    prune();
    return proposal;
}

/**
 * While more than max_proposals_kept (MAX_PROPOSALS_KEPT unless the install lowered it) proposals
 * are stored, each new proposal runs one bounded pass over them, in id order (oldest first):
 *
 * - from `pruneCursor`, up to PRUNE_BATCH proposals: an open one past its expiry is settled as
 *   expired, every finished one is dropped, and live ones (at most one per app) are stepped
 *   over, so an abandoned proposal blocks nothing;
 * - the live ones stepped over (before the cursor) are looked at again one per pass, in turn
 *   (`pruneRevisit`), so an abandoned one is settled and dropped once it has expired, without
 *   anyone touching its app.
 */
function prune(batch: number = PRUNE_BATCH): void {
    const kept = Number(getCounter(MetaKey.maxProposalsKept));
    if (proposals.len() <= kept) return;
    let cursor = Number(getCounter(MetaKey.pruneCursor));
    let revisit = Number(getCounter(MetaKey.pruneRevisit));
    if (cursor > proposals.len()) cursor = proposals.len();
    if (cursor > 0) {
        if (revisit >= cursor) revisit = 0;
        if (settleOrDrop(revisit)) cursor -= 1;
        else revisit += 1;
    }
    for (let examined = 0; examined < batch && proposals.len() > kept; examined++) {
        if (cursor >= proposals.len()) cursor = 0;
        if (!settleOrDrop(cursor)) cursor += 1;
    }
    setCounter(MetaKey.pruneCursor, BigInt(cursor));
    setCounter(MetaKey.pruneRevisit, BigInt(revisit));
}

/** The proposal at `index` (in id order): settles its expiry, drops it if finished; returns whether it was dropped. */
function settleOrDrop(index: number): boolean {
    const id = proposals.keys(index, 1)[0];
    const proposal = id === undefined ? undefined : proposals.get(id);
    if (id === undefined || proposal === undefined) return false;
    if (isOpen(proposal.status) && time() >= proposal.expires_at) setStatus(proposal, { expired: null });
    if (isLive(proposal.status)) return false;
    proposals.remove(id);
    return true;
}

/**
 * The precondition of an execution, at its check step, given the module the app runs now: a
 * voted upgrade runs only on the module the app ran when it was proposed (`from_module`).
 * Returns why it fails, or undefined. Also records what the app runs, for later proposals.
 * Emergency upgrades and restores have no precondition: they are the recovery principal's.
 */
export function checkPrecondition(execution: Execution, current: Uint8Array | undefined): string | undefined {
    noteRunning(execution.app, current === undefined ? [] : [current]);
    const proposal = findProposal(execution.proposal_id);
    // A rollout binds no member's module (members may run different ones); a member already on it is left alone.
    if (proposal !== undefined && 'rollout' in proposal.action) {
        const target = proposal.action.rollout.upgrade.module_hash;
        return current !== undefined && bytesEqual(current, target) ? `the member already runs module ${toHex(target)}` : undefined;
    }
    if (proposal === undefined || proposal.emergency || !('upgrade' in proposal.action)) return undefined;
    const expected = proposal.from_module[0];
    if (expected === undefined && current === undefined) return undefined;
    if (expected !== undefined && current !== undefined && bytesEqual(expected, current)) return undefined;
    const name = (hash: Uint8Array | undefined): string => (hash === undefined ? 'no module' : `module ${toHex(hash)}`);
    return `the app runs ${name(current)}, not the ${name(expected)} it ran when proposal ${proposal.id} was made; the app was not touched: propose again`;
}

/**
 * Throws unless `handOver` can name a successor of this upgrader for `app`: another canister
 * than this upgrader, the app and the recovery principal. Whether it is sealed and runs the named
 * module is checked when it executes (canister_info, check_successor), after the votes.
 */
function validateHandOver(app: StoredApp, handOver: HandOver): void {
    const successor = handOver.successor;
    if (successor.isAnonymous()) throw fail.invalid('the successor cannot be the anonymous principal');
    if (principalEqual(successor, canisterSelf())) throw fail.invalid('the successor must be another upgrader, not this one');
    if (principalEqual(successor, app.info.app)) throw fail.invalid('the successor cannot be the app itself');
    if (principalEqual(successor, app.info.recovery)) throw fail.invalid("the successor cannot be the app's recovery principal: name the successor upgrader canister");
}

/** Throws ProposalInProgress when the app's slot is taken. */
function requireFreeSlot(app: StoredApp): void {
    const live = liveProposal(app);
    if (live !== undefined) throw fail.proposalInProgress(live.id);
}

/**
 * `propose`: the app itself or one of its maintainers proposes the app's upgrade or its hand-over
 * to a successor upgrader; only maintainers propose a policy change. Restores are for the recovery principal only
 * (`restore_snapshot`).
 */
export function propose(caller: Principal, args: ProposeArgs): bigint {
    const app = requireApp(args.app);
    const action = args.action;
    // Refusals name no principal: writing one as text costs ~0.7 M instructions (see bounds.ts).
    if (!mayProposeUpgrade(app, caller)) throw fail.unauthorized('only the app itself and its proposers (see get_app) may propose');
    if ('change_policy' in action && !mayProposePolicy(app, caller)) {
        throw fail.unauthorized("only the app's proposers may propose a policy change (the app may propose only its own upgrade; its recovery principal calls set_policy)");
    }
    if (app.info.paused) throw fail.paused(args.app);
    if ('restore_snapshot' in action) throw fail.invalid('restoring a snapshot is a recovery operation: the recovery principal calls restore_snapshot');
    refuseOutsideGroupRules(app, action);
    if ('upgrade' in action) validateUpgrade(app, action.upgrade, false);
    else if ('rollout' in action) {
        validateUpgrade(app, action.rollout.upgrade, false);
        validateRollout(app, action.rollout);
    } else if ('hand_over' in action) validateHandOver(app, action.hand_over);
    else validatePolicyChange(action.change_policy);
    requireFreeSlot(app);
    return createProposal({ app: requireApp(args.app), proposer: caller, action, emergency: false, status: { open: null } }).id;
}

/**
 * A group's proposals are rollouts and policy changes; an app's are never rollouts; a member's
 * upgrades are its group's rollouts (it proposes nothing itself while it belongs to the group).
 */
function refuseOutsideGroupRules(app: StoredApp, action: ProposalAction): void {
    const group = app.info.group[0];
    if (group !== undefined) throw fail.invalid(`this app belongs to group ${group.toText()}: its upgrades are the group's rollouts (propose one there), or its recovery principal takes it out with leave_group`);
    const isGroup = isGroupPrincipal(app.info.app);
    if (isGroup && !('rollout' in action) && !('change_policy' in action)) throw fail.invalid("a group's proposals are rollouts (upgrading its members) and policy changes");
    if (!isGroup && 'rollout' in action) throw fail.invalid('a rollout upgrades the members of a group: propose it for the group (create_group, join_group), or propose an upgrade for this app');
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
