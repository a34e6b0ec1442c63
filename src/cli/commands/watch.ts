/**
 * `watch`: follows a proposal until its outcome, printing each step as the upgrader records it
 * (its app's audit log, filtered to the proposal) and why an execution waits, if it does. Exits 0
 * when the proposal executed successfully (upgraded, restored, policy_changed, handed_over), 1 when it ended
 * any other way (rejected, expired, cancelled, or a failed outcome). A group's rollout
 * (`--group`, or a rollout proposal's id) is followed by watch-rollout.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { Principal } from '@dfinity/principal';
import { Command } from 'commander';

import type { AuditEntry, Proposal } from '../../../canisters/upgrader/types.js';
import { toClientError, type UpgraderClient } from '../../client/upgrader.js';
import { parseNat, parsePrincipal } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { CliFailure, UsageError } from '../errors.js';
import { groupRecord } from '../group-record.js';
import { fields, variantText } from '../output.js';
import { auditLine } from './show.js';
import { groupRolloutProposal, watchRollout } from './watch-rollout.js';

const SUCCESS = new Set(['upgraded', 'restored', 'policy_changed', 'handed_over', 'rolled_out']);

interface WatchOptions {
    interval: string;
    timeout?: string;
    group?: string;
}

export function watchCommand(run: Run): Command {
    const command = new Command('watch')
        .description(
            "Follow a proposal live, step by step, until its outcome. Exits 0 on success (upgraded, restored, policy_changed, handed_over, rolled_out), 1 otherwise. With --group (or a rollout proposal's id): follow the group's rollout (its live rollout proposal, else its latest) with a progress bar and the count of members in each state (pending, running, upgraded, rolled back, failed, skipped), then list the members that failed or were rolled back, with why; exit 0 when it finished, 1 when it halted, was aborted or was not approved."
        )
        .argument('[proposal]', 'the proposal id')
        .option('--group <id>', "follow this group's rollout instead")
        .option('--interval <ms>', 'how often to poll', '1000')
        .option('--timeout <seconds>', 'give up (exit 1) after this long; default: wait for the outcome');
    examples(command, 'watch 3', 'watch 3 --json --timeout 1800', 'watch --group <group id>');
    return handle<WatchOptions>(run, command, async (ctx, options, [text]) => {
        if ((text === undefined) === (options.group === undefined)) throw new UsageError('give a proposal id, or --group <id> to follow a group\'s rollout (one of them)');
        const target: { id: bigint } | { group: Principal } = options.group === undefined ? { id: parseNat(text ?? '', '<proposal>') } : { group: parsePrincipal(options.group, '--group') };
        const interval = Number(parseNat(options.interval, '--interval'));
        const deadline = options.timeout === undefined ? undefined : Date.now() + Number(parseNat(options.timeout, '--timeout')) * 1000;
        const patience = { interval, deadline, timeout: options.timeout };
        const client = await ctx.client(true);
        if ('group' in target) {
            const info = await groupRecord(client, target.group);
            return watchRollout(ctx, client, target.group, await groupRolloutProposal(client, target.group, info.live_proposal[0]), patience);
        }
        const { id } = target;
        const first = await client.getProposal(id);
        if (first === undefined) throw toClientError({ ProposalNotFound: id });
        if ('rollout' in first.action) return watchRollout(ctx, client, first.app, id, patience);
        const events = new AuditCursor(client, first.app, id);
        const say = (line: string): void => (ctx.json ? ctx.progress.note(line) : ctx.io.stdout(`${line}\n`));
        let waiting: string | undefined;
        for (;;) {
            const proposal = await client.getProposal(id);
            if (proposal === undefined) throw toClientError({ ProposalNotFound: id });
            for (const entry of await events.next()) say(auditLine(entry));
            const execution = await client.getExecution(first.app);
            const why = execution?.proposal_id === id ? execution.waiting[0] : undefined;
            if (why !== undefined && why !== waiting) say(`waiting: ${why}`);
            waiting = why;
            const final = outcome(proposal);
            if (final !== undefined) {
                return {
                    data: { proposal, outcome: final.text, success: final.success, events: events.seen },
                    lines: fields([['outcome', final.text]]),
                    exitCode: final.success ? 0 : 1
                };
            }
            if (deadline !== undefined && Date.now() > deadline) throw new CliFailure('WatchTimeout', `proposal ${id} is still ${variantText(proposal.status)} after --timeout ${options.timeout}s; run watch again, or status --proposal ${id}`);
            await sleep(interval);
        }
    });
}

/** The end of a proposal, or undefined while it is open or executing. */
function outcome(proposal: Proposal): { text: string; success: boolean } | undefined {
    const status = proposal.status;
    if ('open' in status || 'executing' in status) return undefined;
    if ('executed' in status) {
        const tag = Object.keys(status.executed)[0] ?? '';
        return { text: variantText(status.executed), success: SUCCESS.has(tag) };
    }
    return { text: variantText(status), success: false };
}

/** Reads an app's audit log from where it left off, keeping the proposal's entries. */
class AuditCursor {
    readonly seen: AuditEntry[] = [];
    private position = 0n;

    constructor(
        private readonly client: UpgraderClient,
        private readonly app: Principal,
        private readonly proposal: bigint
    ) {}

    async next(): Promise<AuditEntry[]> {
        const fresh: AuditEntry[] = [];
        for (;;) {
            const page = await this.client.auditLog({ app: [this.app], start: this.position, limit: 100 });
            fresh.push(...page.entries.filter((entry) => entry.proposal_id[0] === this.proposal));
            this.position = page.next[0] ?? page.total;
            if (page.next.length === 0) break;
        }
        this.seen.push(...fresh);
        return fresh;
    }
}
