/**
 * `watch`: follows a proposal until its outcome, printing each step as the upgrader records it
 * (its app's audit log, filtered to the proposal) and why an execution waits, if it does. Exits 0
 * when the proposal executed successfully (upgraded, restored, policy_changed, handed_over), 1 when it ended
 * any other way (rejected, expired, cancelled, or a failed outcome).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { Principal } from '@dfinity/principal';
import { Command } from 'commander';

import type { AuditEntry, Proposal } from '../../../canisters/upgrader/types.js';
import { toClientError, type UpgraderClient } from '../../client/upgrader.js';
import { parseNat } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { CliFailure } from '../errors.js';
import { fields, variantText } from '../output.js';
import { auditLine } from './show.js';

const SUCCESS = new Set(['upgraded', 'restored', 'policy_changed', 'handed_over']);

interface WatchOptions {
    interval: string;
    timeout?: string;
}

export function watchCommand(run: Run): Command {
    const command = new Command('watch')
        .description('Follow a proposal live, step by step, until its outcome. Exits 0 on success (upgraded, restored, policy_changed, handed_over), 1 otherwise.')
        .argument('<proposal>', 'the proposal id')
        .option('--interval <ms>', 'how often to poll', '1000')
        .option('--timeout <seconds>', 'give up (exit 1) after this long; default: wait for the outcome');
    examples(command, 'watch 3', 'watch 3 --json --timeout 1800');
    return handle<WatchOptions>(run, command, async (ctx, options, [text = '']) => {
        const id = parseNat(text, '<proposal>');
        const interval = Number(parseNat(options.interval, '--interval'));
        const deadline = options.timeout === undefined ? undefined : Date.now() + Number(parseNat(options.timeout, '--timeout')) * 1000;
        const client = await ctx.client(true);
        const first = await client.getProposal(id);
        if (first === undefined) throw toClientError({ ProposalNotFound: id });
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
