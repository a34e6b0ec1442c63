/**
 * Groups (fleets): apps that share one policy, upgraded together by one proposal (a rollout,
 * rollouts.ts). A group is stored as an app record under a reserved principal (group-id.ts),
 * so it has what an app has for its governance: voters, proposers, recovery
 * principal, one live proposal, its own module store, a pause flag and an audit ring. It is no
 * canister: the upgrader never makes a management call about it, and no one can call as it.
 *
 * Members are registered apps with the group's policy (read from the group while they belong to
 * it, apps.ts `governing`). Only the group's proposers and its recovery principal may add a
 * member, and only an app they control, with registration's checks: the upgrader and the group's
 * recovery principal must control it. The recovery principal takes a member out again.
 */
import type { Principal } from '@dfinity/principal';

import { admit, checkRegistrable, detachMember, enrol, requireApp, type StoredApp } from './apps';
import { groupPrincipal, isGroupPrincipal } from './group-id';
import { fail } from './errors';
import { findExecution } from './executor';
import { MAX_GROUP_PAGE } from './limits';
import { memberAt } from './group-members';
import { getCounter, MetaKey, setCounter } from './meta';
import { isProposer, validatePolicy, validateSnapshotPolicy } from './policy';
import { liveProposal } from './proposals';
import { principalEqual } from './serde';
import { collect, requirePayment, settings } from './settings';
import type { AppInfo, CreateGroupArgs, GroupMembersPage, GroupPageQuery, JoinGroupArgs } from './types';

/** The group's record; throws unless `group` names one. */
function requireGroup(group: Principal): StoredApp {
    if (!isGroupPrincipal(group)) throw fail.invalid('this principal names no group (a group is named by the reserved id create_group answered)');
    return requireApp(group);
}

/** `create_group`: anyone who pays the registration fee; the group takes a registry slot and counts against the caller's quota. */
export function createGroup(caller: Principal, args: CreateGroupArgs): AppInfo {
    if (caller.isAnonymous()) throw fail.unauthorized('the anonymous principal cannot create groups');
    if (args.recovery.isAnonymous()) throw fail.invalid('the recovery principal cannot be anonymous');
    validatePolicy(args.policy);
    validateSnapshotPolicy(args.snapshot_policy);
    const id = getCounter(MetaKey.nextGroupId);
    const group = groupPrincipal(id);
    checkRegistrable(caller, group, undefined);
    const fee = settings().registrationFee;
    requirePayment(fee);
    setCounter(MetaKey.nextGroupId, id + 1n);
    const info = admit(caller, { app: group, policy: args.policy, snapshot_policy: args.snapshot_policy, recovery: args.recovery }, undefined, []);
    collect(fee);
    return info;
}

/**
 * `join_group`: one of the group's proposers, or its recovery principal, registers an app it
 * controls into the group (registration's checks and fee; the group's quota, not the caller's).
 */
export async function joinGroup(caller: Principal, args: JoinGroupArgs): Promise<AppInfo> {
    const group = requireGroup(args.group);
    if (!isProposer(group.info.policy, caller) && !principalEqual(group.info.recovery, caller)) {
        throw fail.unauthorized("only the group's proposers and its recovery principal (see get_app of the group) may add apps to it");
    }
    return enrol(caller, { app: args.app, policy: group.info.policy, snapshot_policy: group.info.snapshot_policy, recovery: group.info.recovery }, group);
}

/** `leave_group`: the group's recovery principal takes a member out; never while the member's upgrade runs. */
export function leaveGroup(caller: Principal, app: Principal): AppInfo {
    const member = requireApp(app);
    const groupId = member.info.group[0];
    if (groupId === undefined) throw fail.invalid('the app belongs to no group');
    const group = requireApp(groupId);
    if (!principalEqual(group.info.recovery, caller)) throw fail.unauthorized("only the group's recovery principal may take an app out of it");
    const running = findExecution(app);
    if (running !== undefined) throw fail.proposalInProgress(running.proposal_id);
    const live = liveProposal(member);
    if (live !== undefined) throw fail.proposalInProgress(live.id);
    return detachMember(requireApp(app), requireApp(groupId), caller);
}

/** `group_members`: a page of the group's members, by position (a member that left was replaced by the last one). */
export function groupMembers(query: GroupPageQuery): GroupMembersPage {
    const group = requireGroup(query.group);
    const total = group.info.members;
    const limit = Math.min(query.limit, MAX_GROUP_PAGE);
    const members: Principal[] = [];
    for (let position = query.start; position < total && members.length < limit; position++) {
        const member = memberAt(query.group, position);
        if (member !== undefined) members.push(member);
    }
    const end = query.start + members.length;
    return { members, next: end < total && members.length > 0 ? [end] : [], total };
}
