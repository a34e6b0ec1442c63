/**
 * What a rollout proposal may ask (rollouts.ts runs it): a sound plan, and named members that
 * belong to the group, once each.
 */
import { findApp, type StoredApp } from './apps';
import { fail } from './errors';
import { MAX_NAMED_MEMBERS, MAX_ROLLOUT_CONCURRENCY } from './limits';
import { principalEqual } from './serde';
import type { RolloutRequest } from './types';

/** Throws unless `request` can be proposed for `group`: a sound plan, and named members that belong to the group, once each. */
export function validateRollout(group: StoredApp, request: RolloutRequest): void {
    const plan = request.plan;
    if (plan.batch_size < 1) throw fail.invalid('batch_size must be at least 1');
    if (plan.max_concurrency < 1 || plan.max_concurrency > MAX_ROLLOUT_CONCURRENCY) throw fail.invalid(`max_concurrency must be 1 to ${MAX_ROLLOUT_CONCURRENCY}, not ${plan.max_concurrency}`);
    if (plan.max_failure_percent > 100) throw fail.invalid(`max_failure_percent is a percentage (0-100), not ${plan.max_failure_percent}`);
    const named = request.members[0];
    if (named === undefined) {
        if (group.info.members === 0) throw fail.invalid('the group has no members yet: add apps with join_group first');
        return;
    }
    if (named.length === 0 || named.length > MAX_NAMED_MEMBERS) throw fail.invalid(`name 1 to ${MAX_NAMED_MEMBERS} members, or none for the whole group (not ${named.length})`);
    const seen = new Set<string>();
    for (const member of named) {
        const text = member.toText();
        if (seen.has(text)) throw fail.invalid(`member ${text} is named twice`);
        seen.add(text);
        const record = findApp(member);
        if (record === undefined || record.info.group[0] === undefined || !principalEqual(record.info.group[0], group.info.app)) throw fail.invalid(`${text} is not a member of this group`);
    }
}
