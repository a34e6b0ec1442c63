/**
 * A group's rollout: one approved proposal upgrading the group's members (all, or the ones
 * named) to one module. Each member runs the usual execution (executor.ts), its module staged
 * once in the upgrader's own chunk store (staging.ts); this file decides who starts when, and
 * keeps each member's state and the counts.
 *
 * Order: the first `canary` members form the first wave, then waves of `batch_size`. A wave
 * opens once every member of the one before has ended; within a wave at most `max_concurrency`
 * run at once, and only one until the module is staged (the executor advances the rollout as
 * soon as that member has staged it). A failure among the canary halts the rollout; so do failures above
 * `max_failure_percent` of the members that ended. Halted or aborted (by the recovery
 * principal), no member starts any more; those running end as usual (upgraded, or on their old
 * module); then the rollout ends and the members never started count as skipped. Pausing the
 * group (recovery's `pause`) holds new starts until `unpause`.
 *
 * The member list is fixed at approval (positions 0..total-1 of the rolloutMembers map, by exact
 * key). A member that left the group, is paused, or is busy with a recovery operation when its
 * turn comes is skipped, with the reason; an app that joined later is not part of the rollout.
 *
 * Starting a member's execution is the executor's (`Launcher`, passed in by whoever advances the
 * rollout), so that this file does not depend on the executor, which reports to it.
 */
import type { Principal } from '@dfinity/principal';
import { StableBTreeMap, time } from 'azle';

import { findApp, noteRunning, requireApp } from './apps';
import { audit } from './audit';
import { fail } from './errors';
import { memberAt } from './group-members';
import { MAX_GROUP_PAGE, MAX_MEMBER_NOTE_CHARS } from './limits';
import { MemoryId } from './memory';
import { reclaim } from './modules';
import { isStaged } from './staging';
import { findProposal, liveProposal, setStatus } from './proposals';
import { rolloutMemberRecord, rolloutRecord } from './records';
import { principalEqual, principalKey, principalU64Key } from './serde';
import type { MemberState, Outcome, Proposal, Rollout, RolloutCounts, RolloutMember, RolloutMembersPage, RolloutRequest, RolloutStatus } from './types';

const rollouts = new StableBTreeMap<Principal, Rollout>(MemoryId.rollouts, principalKey, rolloutRecord);
const members = new StableBTreeMap<[Principal, bigint], RolloutMember>(MemoryId.rolloutMembers, principalU64Key, rolloutMemberRecord);

/** Starts member `index` of the group's rollout: its execution, under the rollout's proposal. */
export type Launcher = (proposal: Proposal, member: Principal, group: Principal, index: number) => void;

type CountName = keyof RolloutCounts;

export function findRollout(group: Principal): Rollout | undefined {
    return rollouts.get(group);
}

/** The rollout as queries show it: whether its group is paused now. */
export function viewRollout(rollout: Rollout): Rollout {
    return { ...rollout, paused: findApp(rollout.group)?.info.paused ?? false };
}

/** On approval: fixes the member list (all members now, or the ones named), then starts the first wave. */
export function startRollout(proposal: Proposal, request: RolloutRequest, launch: Launcher): void {
    const group = requireApp(proposal.app);
    const groupId = group.info.app;
    const previous = rollouts.get(groupId);
    const named = request.members[0];
    const total = named?.length ?? group.info.members;
    for (let index = 0; index < total; index++) {
        const app = named === undefined ? memberAt(groupId, index) : named[index];
        if (app !== undefined) members.insert([groupId, BigInt(index)], { index, app, state: { pending: null } });
    }
    // What the group's previous rollout listed beyond this one's members.
    for (let index = total; previous !== undefined && index < previous.total; index++) members.remove([groupId, BigInt(index)]);
    const now = time();
    const plan = request.plan;
    const rollout: Rollout = {
        group: groupId,
        proposal_id: proposal.id,
        module_hash: request.upgrade.module_hash,
        plan,
        total,
        next: 0,
        wave_end: Math.min(total, plan.canary > 0 ? plan.canary : plan.batch_size),
        counts: { pending: total, running: 0, upgraded: 0, rolled_back: 0, failed: 0, skipped: 0 },
        status: { running: null },
        paused: false,
        started_at: now,
        updated_at: now,
        ended_at: []
    };
    rollouts.insert(groupId, rollout);
    audit({ app: groupId, proposalId: proposal.id, event: { rollout_status: rollout.status } });
    advance(groupId, launch);
}

/**
 * Starts members while the rollout runs, the group is not paused, and slots are free in the
 * current wave; opens the next wave once the current one has ended; ends the rollout once no
 * member runs and none may start.
 */
export function advance(groupId: Principal, launch: Launcher): void {
    const rollout = rollouts.get(groupId);
    if (rollout === undefined || rollout.ended_at.length > 0) return;
    const proposal = findProposal(rollout.proposal_id);
    const group = findApp(groupId);
    if (proposal === undefined || group === undefined) return;
    const plan = rollout.plan;
    // Until the module is staged, one member runs (and stages it); the others would each copy it again.
    const concurrency = isStaged(groupId, rollout.module_hash) ? plan.max_concurrency : 1;
    while ('running' in rollout.status && !group.info.paused && rollout.counts.running < concurrency) {
        if (rollout.next >= rollout.wave_end) {
            if (rollout.counts.running > 0 || rollout.next >= rollout.total) break;
            rollout.wave_end = Math.min(rollout.total, rollout.next + plan.batch_size);
        }
        const index = rollout.next;
        rollout.next += 1;
        startOrSkip(rollout, proposal, index, launch);
    }
    if ('running' in rollout.status && rollout.next >= rollout.total && rollout.counts.running === 0) rollout.status = { finished: null };
    rollout.updated_at = time();
    if (!('running' in rollout.status) && rollout.counts.running === 0) {
        end(rollout, proposal);
        return;
    }
    rollouts.insert(groupId, rollout);
}

/** Member `index` starts, or is skipped with the reason. */
function startOrSkip(rollout: Rollout, proposal: Proposal, index: number, launch: Launcher): void {
    const key: [Principal, bigint] = [rollout.group, BigInt(index)];
    const entry = members.get(key);
    if (entry === undefined) {
        move(rollout, 'pending', 'skipped');
        return;
    }
    const skip = whyNotStart(entry.app, rollout.group);
    if (skip !== undefined) {
        setState(rollout, entry, { skipped: skip });
        return;
    }
    setState(rollout, entry, { running: null });
    launch(proposal, entry.app, rollout.group, index);
}

/** Why a member cannot start now, or undefined when it can. */
function whyNotStart(app: Principal, groupId: Principal): string | undefined {
    const member = findApp(app);
    if (member === undefined) return 'no longer registered';
    const group = member.info.group[0];
    if (group === undefined || !principalEqual(group, groupId)) return 'left the group';
    if (member.info.paused) return "its upgrades are paused by the group's recovery principal";
    const live = liveProposal(member);
    if (live !== undefined) return `busy with proposal ${live.id}`;
    return undefined;
}

/** Writes the member's new state and moves it between the counts. */
function setState(rollout: Rollout, entry: RolloutMember, state: MemberState): void {
    move(rollout, stateName(entry.state), stateName(state));
    entry.state = state;
    members.insert([rollout.group, BigInt(entry.index)], entry);
}

function move(rollout: Rollout, from: CountName, to: CountName): void {
    rollout.counts[from] = Math.max(0, rollout.counts[from] - 1);
    rollout.counts[to] += 1;
}

function stateName(state: MemberState): CountName {
    return Object.keys(state)[0] as CountName;
}

/**
 * A member's execution ended (the executor reports it): its state from the outcome, then the
 * halting rules, then the next members. A report for another rollout, or one already taken, is
 * ignored.
 */
export function memberEnded(groupId: Principal, index: number, proposalId: bigint, app: Principal, outcome: Outcome, launch: Launcher): void {
    const rollout = rollouts.get(groupId);
    if (rollout === undefined || rollout.proposal_id !== proposalId) return;
    const entry = members.get([groupId, BigInt(index)]);
    if (entry === undefined || !('running' in entry.state) || !principalEqual(entry.app, app)) return;
    const state = memberState(outcome);
    setState(rollout, entry, state);
    if ('upgraded' in state) noteRunning(app, [rollout.module_hash]);
    audit({ app, proposalId, event: { member_outcome: outcome } });
    const halt = haltReason(rollout, index, state);
    if (halt !== undefined && 'running' in rollout.status) {
        rollout.status = { halted: halt };
        audit({ app: groupId, proposalId, event: { rollout_status: rollout.status } });
    }
    rollouts.insert(groupId, rollout);
    advance(groupId, launch);
}

/** A member's state from its execution's outcome: untouched members (another module already, or the same one) are skipped. */
function memberState(outcome: Outcome): MemberState {
    if ('upgraded' in outcome) return { upgraded: null };
    const [name, value] = Object.entries(outcome)[0] ?? ['unknown', null];
    const text = clip(typeof value === 'string' ? `${name}: ${value}` : name);
    if ('rolled_back' in outcome) return { rolled_back: text };
    if ('precondition_failed' in outcome) return { skipped: text };
    return { failed: text };
}

function clip(text: string): string {
    return text.length > MAX_MEMBER_NOTE_CHARS ? `${text.slice(0, MAX_MEMBER_NOTE_CHARS - 1)}…` : text;
}

/** Why the rollout must halt after this member's state, or undefined. */
function haltReason(rollout: Rollout, index: number, state: MemberState): string | undefined {
    const failed = 'rolled_back' in state || 'failed' in state;
    if (failed && index < rollout.plan.canary) return `canary member ${index} failed: ${Object.values(state)[0] as string}`;
    const failures = rollout.counts.rolled_back + rollout.counts.failed;
    const ended = failures + rollout.counts.upgraded;
    if (failures > 0 && failures * 100 > rollout.plan.max_failure_percent * ended) {
        return `${failures} of the ${ended} members that ended failed, more than max_failure_percent (${rollout.plan.max_failure_percent}%)`;
    }
    return undefined;
}

/** No member runs and none will start: members never started count as skipped, and the proposal ends. */
function end(rollout: Rollout, proposal: Proposal): void {
    rollout.counts.skipped += rollout.counts.pending;
    rollout.counts.pending = 0;
    rollout.ended_at = [time()];
    rollouts.insert(rollout.group, rollout);
    audit({ app: rollout.group, proposalId: proposal.id, event: { rollout_status: rollout.status } });
    const status = rollout.status;
    if ('finished' in status) noteRunning(rollout.group, [rollout.module_hash]);
    // The module's work is done (a new proposal uploads it again): its bytes go back to the group's quota.
    // Its chunks stay staged in the upgrader's chunk store until the store is next cleared.
    reclaim(rollout.group, rollout.module_hash);
    setStatus(proposal, { executed: endOutcome(status, rollout.counts) });
}

function endOutcome(status: RolloutStatus, counts: RolloutCounts): Outcome {
    const tally = `${counts.upgraded} upgraded, ${counts.rolled_back} rolled back, ${counts.failed} failed, ${counts.skipped} skipped`;
    if ('halted' in status) return { rollout_halted: `halted: ${status.halted}; ${tally}` };
    if ('aborted' in status) return { rollout_halted: `aborted: ${status.aborted}; ${tally}` };
    return { rolled_out: null };
}

/** `abort_rollout`: the group's recovery principal stops a rollout; members running end as usual. */
export function abortRollout(caller: Principal, groupId: Principal, launch: Launcher): Rollout {
    const group = requireApp(groupId);
    if (!principalEqual(group.info.recovery, caller)) throw fail.unauthorized("only the group's recovery principal may abort its rollout");
    const rollout = rollouts.get(groupId);
    if (rollout === undefined || !('running' in rollout.status)) throw fail.invalid('the group has no running rollout');
    rollout.status = { aborted: `aborted by the recovery principal ${caller.toText()}` };
    rollouts.insert(groupId, rollout);
    audit({ app: groupId, proposalId: rollout.proposal_id, event: { rollout_status: rollout.status }, actor: caller });
    advance(groupId, launch);
    return viewRollout(rollouts.get(groupId) ?? rollout);
}

/**
 * `rollout_members`: a page of the group's latest rollout's members, by position. Members still
 * pending once the rollout ended read as skipped.
 */
export function rolloutMembers(group: Principal, start: number, limit: number): RolloutMembersPage {
    const rollout = rollouts.get(group);
    if (rollout === undefined) return { members: [], next: [], total: 0 };
    const page: RolloutMember[] = [];
    const count = Math.min(limit, MAX_GROUP_PAGE);
    for (let index = start; index < rollout.total && page.length < count; index++) {
        const entry = members.get([group, BigInt(index)]);
        if (entry === undefined) continue;
        const neverStarted = rollout.ended_at.length > 0 && 'pending' in entry.state;
        page.push(neverStarted ? { ...entry, state: { skipped: 'the rollout ended before its turn' } } : entry);
    }
    const end = start + page.length;
    return { members: page, next: end < rollout.total && page.length > 0 ? [end] : [], total: rollout.total };
}
