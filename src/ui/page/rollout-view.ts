/**
 * The rollout view, for a group: its latest rollout's progress (members that ended of all it
 * covers) and how many members are in each state, its status (running, paused, finished,
 * halted or aborted, with why) and its plan, redrawn as the counts change.
 */
import type { Rollout, RolloutCounts } from '../../../canisters/upgrader/types.js';
import { field, h, replaceContent } from './dom.js';
import { time, toHex } from './format.js';

const STATES: Array<[keyof RolloutCounts, string]> = [
    ['pending', 'Pending'],
    ['running', 'Running'],
    ['upgraded', 'Upgraded'],
    ['rolled_back', 'Rolled back'],
    ['failed', 'Failed'],
    ['skipped', 'Skipped']
];

function statusLine(rollout: Rollout): HTMLElement {
    const { status } = rollout;
    if ('halted' in status) return h('p', { id: 'rollout-status', class: 'error' }, `Halted: ${status.halted}`);
    if ('aborted' in status) return h('p', { id: 'rollout-status', class: 'error' }, `Aborted: ${status.aborted}`);
    if ('finished' in status) return h('p', { id: 'rollout-status', class: rollout.counts.failed + rollout.counts.rolled_back === 0 ? 'success' : 'warning' }, 'Finished');
    if (rollout.paused) return h('p', { id: 'rollout-status', class: 'warning' }, 'Running, but paused by the recovery principal: no member starts until it is unpaused');
    return h('p', { id: 'rollout-status' }, 'Running');
}

export function renderRollout(region: HTMLElement, rollout: Rollout): void {
    const { counts, plan } = rollout;
    const ended = counts.upgraded + counts.rolled_back + counts.failed + counts.skipped;
    replaceContent(
        region,
        h('h2', { id: 'rollout-title' }, `Rollout of #${rollout.proposal_id}`),
        statusLine(rollout),
        h('label', { for: 'rollout-progress' }, `${ended} of ${rollout.total} members ended`),
        h('progress', { id: 'rollout-progress', max: String(rollout.total), value: String(ended) }),
        h('dl', { id: 'rollout-counts', class: 'fields', 'aria-label': 'Members in each state' }, STATES.flatMap(([key, label]) => field(label, String(counts[key])))),
        h(
            'p',
            { class: 'hint' },
            `Module ${toHex(rollout.module_hash).slice(0, 16)}…; canary ${plan.canary}, batches of ${plan.batch_size}, at most ${plan.max_concurrency} at once, halt above ${plan.max_failure_percent}% failures; started ${time(rollout.started_at)}${rollout.ended_at[0] === undefined ? '' : `, ended ${time(rollout.ended_at[0])}`}.`
        )
    );
}
