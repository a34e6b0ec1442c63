/** The text form of the upgrader's records (the JSON form is the record itself). */
import type { AppInfo, AuditEntry, Execution, ModuleInfo, Proposal, RehearsalReport, Rollout, RolloutCounts, RolloutStatus } from '../../../canisters/upgrader/types.js';
import { toHex } from '../../encoding/hex.js';
import { fields, opt, timeText, variantText } from '../output.js';

export function appLines(info: AppInfo): string[] {
    const { policy } = info;
    return fields([
        ['app', info.app.toText()],
        ['recovery', info.recovery.toText()],
        ['paused', info.paused ? 'yes' : 'no'],
        ['voters', policy.voters.map((v) => `${v.principal.toText()} (${v.weight})`).join(', ')],
        ['threshold', String(policy.threshold)],
        ['proposers', policy.proposers.length === 0 ? 'none' : policy.proposers.map((p) => p.toText()).join(', ')],
        ['proposal lifetime', `${policy.proposal_lifetime_seconds} s`],
        ['health check', opt(policy.health_check)],
        ['snapshots', `keep ${info.snapshot_policy.keep}${info.snapshot_policy.required ? ', required' : ''}${info.snapshot_policy.rehearse ? ', every upgrade rehearsed' : ''}; taken: ${info.snapshots.length === 0 ? 'none' : info.snapshots.map((s) => toHex(s.id)).join(', ')}`],
        ['live proposal', opt(info.live_proposal)],
        ['policy version', String(info.policy_version)],
        ...groupRow(info)
    ]);
}

/** A member names its group (whose policy governs it); a group counts its members. */
function groupRow(info: AppInfo): Array<[string, string]> {
    const group = info.group[0];
    if (group !== undefined) return [['group', `${group.toText()} (its policy and rollouts govern this app)`]];
    return info.members > 0 ? [['member apps', String(info.members)]] : [];
}

/** The states a rollout counts, in the order a rollout moves members through them. */
const COUNT_NAMES: Array<[keyof RolloutCounts, string]> = [
    ['pending', 'pending'],
    ['running', 'running'],
    ['upgraded', 'upgraded'],
    ['rolled_back', 'rolled back'],
    ['failed', 'failed'],
    ['skipped', 'skipped']
];

/** `pending 2, running 1, upgraded 3, ...`; with `nonZero`, only the states some member is in. */
export function countsText(counts: RolloutCounts, nonZero = false): string {
    const shown = COUNT_NAMES.filter(([key]) => !nonZero || counts[key] > 0);
    return shown.length === 0 ? 'no members' : shown.map(([key, name]) => `${name} ${counts[key]}`).join(', ');
}

/** Members that ended one way or another (upgraded, rolled back, failed or skipped). */
export function endedCount(counts: RolloutCounts): number {
    return counts.upgraded + counts.rolled_back + counts.failed + counts.skipped;
}

/** `running`, `finished`, or `halted: <why>` / `aborted: <by whom>`. */
export function rolloutStatusText(status: RolloutStatus): string {
    if ('halted' in status) return `halted: ${status.halted}`;
    if ('aborted' in status) return `aborted: ${status.aborted}`;
    return variantText(status);
}

export function rolloutLines(rollout: Rollout): string[] {
    const { plan } = rollout;
    const paused = rollout.paused && rollout.ended_at.length === 0 ? " (the group is paused: no member starts until its recovery principal runs unpause)" : '';
    return fields([
        ['rollout', `proposal ${rollout.proposal_id} of group ${rollout.group.toText()}`],
        ['module', toHex(rollout.module_hash)],
        ['rollout status', `${rolloutStatusText(rollout.status)}${paused}`],
        ['members', `${endedCount(rollout.counts)} of ${rollout.total} ended: ${countsText(rollout.counts)}`],
        ['plan', `canary ${plan.canary}, batches of ${plan.batch_size}, at most ${plan.max_concurrency} at once, halt above ${plan.max_failure_percent}% failures`],
        ['started', timeText(rollout.started_at)],
        ['ended', opt(rollout.ended_at, timeText)]
    ]);
}

function actionText(proposal: Proposal): string {
    const action = proposal.action;
    if ('upgrade' in action) {
        const { options } = action.upgrade;
        return `upgrade to ${toHex(action.upgrade.module_hash)} (arg sha256 ${toHex(proposal.arg_hash)}; snapshot ${options.take_snapshot ? 'yes' : 'no'}, skip_pre_upgrade ${options.skip_pre_upgrade ? 'yes' : 'no'}${proposal.downgrade ? ', DOWNGRADE' : ''})`;
    }
    if ('change_policy' in action) {
        const { policy } = action.change_policy;
        return `change policy: voters ${policy.voters.map((v) => `${v.principal.toText()} (${v.weight})`).join(', ')}, threshold ${policy.threshold}`;
    }
    if ('rollout' in action) {
        const { upgrade, members, plan } = action.rollout;
        const who = members[0] === undefined ? 'every member of the group' : `${members[0].length} named members`;
        const { options } = upgrade;
        return `roll out ${toHex(upgrade.module_hash)} to ${who} (arg sha256 ${toHex(proposal.arg_hash)}; snapshot ${options.take_snapshot ? 'yes' : 'no'}; canary ${plan.canary}, batches of ${plan.batch_size}, at most ${plan.max_concurrency} at once, halt above ${plan.max_failure_percent}% failures${proposal.downgrade ? ', DOWNGRADE' : ''})`;
    }
    if ('hand_over' in action) {
        const { successor, successor_module_hash } = action.hand_over;
        return `hand over to the upgrader ${successor.toText()} running ${toHex(successor_module_hash)} (check it: npx upgrader verify --canister ${successor.toText()} --expect-wasm <your build>)`;
    }
    return `restore snapshot ${toHex(action.restore_snapshot)}`;
}

export function proposalLines(proposal: Proposal): string[] {
    const what = actionText(proposal);
    return fields([
        ['proposal', String(proposal.id)],
        ['app', proposal.app.toText()],
        ['status', variantText(proposal.status)],
        ['action', what],
        ['from module', opt(proposal.from_module, toHex)],
        ['proposer', `${proposal.proposer.toText()}${proposal.emergency ? ' (emergency, no votes)' : ''}`],
        ['votes', `${proposal.approving_weight} approving, ${proposal.rejecting_weight} rejecting${proposal.votes.length === 0 ? '' : `: ${proposal.votes.map((v) => `${v.voter.toText()} ${v.approve ? 'yes' : 'no'}`).join(', ')}`}`],
        ['subject', toHex(proposal.subject)],
        ['expires', timeText(proposal.expires_at)],
        ['rehearsal', opt(proposal.rehearsal, rehearsalText)]
    ]);
}

/** A rehearsal on a copy of the app: how it ended (or that it is under way), its state and canister. */
function rehearsalText(report: RehearsalReport): string {
    const result = report.result[0];
    const ended = result === undefined ? 'under way' : 'passed' in result ? 'passed' : `FAILED: ${result.failed}`;
    return `${ended} (up to ${report.state_bytes} bytes of app state; copy ${opt(report.canister, (c) => c.toText())})`;
}

export function executionLines(execution: Execution): string[] {
    return fields([
        ['execution', String(execution.id)],
        ['step', variantText(execution.step)],
        ['attempt', `${execution.attempt} (retries ${execution.retries})`],
        ['waiting', opt(execution.waiting)],
        ['failure', opt(execution.failure, variantText)],
        ['snapshot', opt(execution.snapshot_id, toHex)],
        ['rehearsal', opt(execution.rehearsal, (r) => rehearsalText(r.report))],
        ['updated', timeText(execution.updated_at)]
    ]);
}

export function moduleLines(info: ModuleInfo): string[] {
    return fields([
        ['module', toHex(info.hash)],
        ['size', `${info.size} bytes`],
        ['chunks', `${info.chunks_received}/${info.chunks_expected}${info.complete ? ' (complete)' : ''}`],
        ['uploader', info.uploader.toText()],
        ['rejected', info.rejected ? 'YES: its bytes do not hash to its name' : 'no']
    ]);
}

export function auditLine(entry: AuditEntry): string {
    const proposal = entry.proposal_id.length === 0 ? '' : ` proposal ${entry.proposal_id[0]}`;
    return `#${String(entry.seq).padStart(4)} ${timeText(entry.at)} ${entry.app.toText()}${proposal} ${variantText(entry.event)} by ${entry.actor.toText()}`;
}
