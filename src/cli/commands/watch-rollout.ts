/**
 * `watch --group` (and `watch <proposal>` of a rollout): follows a group's rollout until it
 * ends: while its proposal is open, that it waits for votes; then a progress bar of the members
 * that ended with the count in each state, and each change of the rollout's status (halted,
 * aborted, paused). At the end: the rollout with its counts, the members that failed or were
 * rolled back with why, why others were skipped, and the outcome. Exit 0 when the rollout
 * finished, 1 when it halted, was aborted or its proposal was not approved.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { Principal } from '@dfinity/principal';

import type { Proposal, Rollout, RolloutMember } from '../../../canisters/upgrader/types.js';
import { toClientError, type UpgraderClient } from '../../client/upgrader.js';
import type { Context } from '../context.js';
import { CliFailure } from '../errors.js';
import { type CommandResult, fields, variantText } from '../output.js';
import { countsText, endedCount, rolloutLines, rolloutStatusText } from './show.js';

/** How often to look, and when to give up (undefined: never). */
export interface Patience {
    interval: number;
    deadline: number | undefined;
    /** The --timeout given, for the message. */
    timeout: string | undefined;
}

/** Members listed one per line at most, in text; --json lists every one. */
const MAX_LISTED = 50;

/** The proposal to follow for `watch --group`: the group's live rollout proposal, else its latest rollout's. */
export async function groupRolloutProposal(client: UpgraderClient, group: Principal, live: bigint | undefined): Promise<bigint> {
    const pending = live === undefined ? undefined : await client.getProposal(live);
    if (pending !== undefined && 'rollout' in pending.action) return pending.id;
    const latest = await client.getRollout(group);
    if (latest === undefined) {
        throw new CliFailure('NoRollout', `the group ${group.toText()} has had no rollout yet: propose one with \`npx upgrader rollout --group ${group.toText()} --wasm <module>\``);
    }
    return latest.proposal_id;
}

export async function watchRollout(ctx: Context, client: UpgraderClient, group: Principal, proposalId: bigint, patience: Patience): Promise<CommandResult> {
    const say = (line: string): void => {
        ctx.progress.end();
        if (ctx.json) ctx.progress.note(line);
        else ctx.io.stdout(`${line}\n`);
    };
    const seen = { waiting: false, counts: '', status: 'running', paused: false };
    for (;;) {
        const proposal = await client.getProposal(proposalId);
        const status = proposal?.status;
        if (status !== undefined && 'open' in status) {
            if (!seen.waiting) say(`proposal ${proposalId} is open: waiting for votes (${proposal?.approving_weight ?? 0} approving weight so far)`);
            seen.waiting = true;
        } else if (status !== undefined && !('executing' in status) && !('executed' in status)) {
            ctx.progress.end();
            return notApproved(group, proposalId, variantText(status));
        } else {
            const rollout = await client.getRollout(group);
            if (rollout === undefined || rollout.proposal_id !== proposalId) {
                if (proposal === undefined) throw toClientError({ ProposalNotFound: proposalId });
            } else {
                show(rollout, seen, ctx, say);
                if (rollout.ended_at.length > 0) {
                    ctx.progress.end();
                    // Read again: the proposal read before the rollout may predate the end, which set its outcome.
                    return finalReport(client, rollout, await client.getProposal(proposalId));
                }
            }
        }
        if (patience.deadline !== undefined && Date.now() > patience.deadline) {
            ctx.progress.end();
            throw new CliFailure('WatchTimeout', `the rollout of proposal ${proposalId} has not ended after --timeout ${patience.timeout}s; run watch --group ${group.toText()} again, or status --app ${group.toText()}`);
        }
        await sleep(patience.interval);
    }
}

/** Draws the counts when they changed; says when the status or the pause changed while the rollout runs (the final report says how it ended). */
function show(rollout: Rollout, seen: { counts: string; status: string; paused: boolean }, ctx: Context, say: (line: string) => void): void {
    const status = rolloutStatusText(rollout.status);
    if (status !== seen.status && rollout.ended_at.length === 0) say(`rollout ${status}`);
    seen.status = status;
    const paused = rollout.paused && rollout.ended_at.length === 0;
    if (paused !== seen.paused) say(paused ? 'the group is paused: no member starts until its recovery principal runs unpause' : 'the group is unpaused: members start again');
    seen.paused = paused;
    const counts = countsText(rollout.counts, true);
    if (counts !== seen.counts) ctx.progress.update(endedCount(rollout.counts), rollout.total, `members ended (${counts})`);
    seen.counts = counts;
}

function notApproved(group: Principal, proposalId: bigint, outcome: string): CommandResult {
    return { data: { group, proposal_id: proposalId, rollout: null, outcome, success: false, problems: [], skipped: [] }, lines: fields([['outcome', `${outcome} (no member was upgraded)`]]), exitCode: 1 };
}

interface Problem {
    index: number;
    app: Principal;
    state: 'rolled back' | 'failed';
    reason: string;
}

async function finalReport(client: UpgraderClient, rollout: Rollout, proposal: Proposal | undefined): Promise<CommandResult> {
    const problems: Problem[] = [];
    const skipped = new Map<string, number>();
    for await (const member of client.rolloutMemberStates(rollout.group)) {
        const problem = problemOf(member);
        if (problem !== undefined) problems.push(problem);
        if ('skipped' in member.state) skipped.set(member.state.skipped, (skipped.get(member.state.skipped) ?? 0) + 1);
    }
    const success = 'finished' in rollout.status;
    const executed = proposal !== undefined && 'executed' in proposal.status ? proposal.status.executed : undefined;
    const outcome = executed === undefined ? rolloutStatusText(rollout.status) : variantText(executed);
    const reasons = [...skipped].map(([reason, count]) => ({ reason, count }));
    return {
        data: { group: rollout.group, proposal_id: rollout.proposal_id, rollout, outcome, success, problems, skipped: reasons },
        lines: [
            ...rolloutLines(rollout),
            ...problems.slice(0, MAX_LISTED).map((p) => `${p.state}: ${p.app.toText()} (member #${p.index}): ${p.reason}`),
            ...(problems.length > MAX_LISTED ? [`... and ${problems.length - MAX_LISTED} more (--json lists every one)`] : []),
            ...reasons.map((r) => `skipped: ${r.count} member${r.count === 1 ? '' : 's'}: ${r.reason}`),
            ...fields([['outcome', outcome]])
        ],
        exitCode: success ? 0 : 1
    };
}

function problemOf(member: RolloutMember): Problem | undefined {
    const { state } = member;
    if ('rolled_back' in state) return { index: member.index, app: member.app, state: 'rolled back', reason: state.rolled_back };
    if ('failed' in state) return { index: member.index, app: member.app, state: 'failed', reason: state.failed };
    return undefined;
}
