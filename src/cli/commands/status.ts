/** `status` (app or group, proposal, execution or rollout, step) and `audit` (paged). */
import { Command } from 'commander';

import type { AppInfo, AuditEntry, Execution, Proposal } from '../../../canisters/upgrader/types.js';
import { type ProposalInterface, reviewProposalInterface } from '../../client/interface-check.js';
import { toClientError } from '../../client/upgrader.js';
import { parseNat, parsePrincipal, parseSmall } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { UsageError } from '../errors.js';
import { fields } from '../output.js';
import { verdictLines } from './interface-check.js';
import { addPageOptions, type PageOptions } from './page-options.js';
import { appLines, auditLine, executionLines, proposalLines, rolloutLines } from './show.js';

interface StatusOptions {
    app?: string;
    proposal?: string;
}

export function statusCommand(run: Run): Command {
    const command = new Command('status')
        .description("Show an app (its policy, live proposal, execution and current step), a group (its policy, members, live proposal and latest rollout with its counts), a proposal (with its app's execution or its group's rollout), or with neither the upgrader's limits and prices. Anyone may read.")
        .option('--app <id>', 'the app')
        .option('--proposal <id>', 'the proposal');
    examples(command, 'status --app bkyz2-fmaaa-aaaaa-qaaaq-cai', 'status --proposal 3 --json');
    return handle<StatusOptions>(run, command, async (ctx, options) => {
        const client = await ctx.client(true);
        if (options.app === undefined && options.proposal === undefined) {
            const limits = await client.limits();
            return { data: { limits }, lines: fields(Object.entries(limits).map(([key, value]) => [key, String(value)])) };
        }
        let proposal: Proposal | undefined;
        let appId = options.app === undefined ? undefined : parsePrincipal(options.app, '--app');
        if (options.proposal !== undefined) {
            const id = parseNat(options.proposal, '--proposal');
            const found = await client.getProposal(id);
            if (found === undefined) throw toClientError({ ProposalNotFound: id });
            proposal = found;
            appId ??= found.app;
        }
        if (appId === undefined) throw new UsageError('give --app or --proposal');
        const app: AppInfo | undefined = await client.getApp(appId);
        if (app === undefined && proposal === undefined) throw toClientError({ AppNotRegistered: appId });
        const liveId = app?.live_proposal[0];
        if (proposal === undefined && liveId !== undefined) proposal = await client.getProposal(liveId);
        const running: Execution | undefined = await client.getExecution(appId);
        const execution = running !== undefined && (proposal === undefined || running.proposal_id === proposal.id) ? running : undefined;
        const checked: ProposalInterface = proposal === undefined ? { kind: 'not-applicable' } : await reviewProposalInterface(await ctx.agent(true), client, proposal);
        // A group's latest rollout: shown for the group, or for the proposal that started it.
        const latest = await client.getRollout(appId);
        const rollout = latest !== undefined && (options.app !== undefined || latest.proposal_id === proposal?.id) ? latest : undefined;
        return {
            data: { app: app ?? null, proposal: proposal ?? null, execution: execution ?? null, step: execution === undefined ? null : execution.step, interface: checked.kind === 'not-applicable' ? null : checked, rollout: rollout ?? null },
            lines: [
                ...(app === undefined ? [`app ${appId.toText()}: no longer registered`] : appLines(app)),
                '',
                ...(proposal === undefined ? ['proposal: none live'] : proposalLines(proposal)),
                ...(checked.kind === 'checked' ? verdictLines(checked.verdict) : checked.kind === 'unavailable' ? [`interface: not checked (${checked.reason})`] : []),
                '',
                ...(rollout !== undefined ? rolloutLines(rollout) : execution === undefined ? ['execution: none running'] : executionLines(execution))
            ]
        };
    });
}

interface AuditOptions extends PageOptions {
    app?: string;
}

export function auditCommand(run: Run): Command {
    const command = addPageOptions(
        new Command('audit')
            .description("Read the audit log, a page at a time: an app's own history, or without --app the registry's (registrations, ejections, reaps). Anyone may read.")
            .option('--app <id>', 'the app whose history to read'),
        'entries',
        100
    );
    examples(command, 'audit --app bkyz2-fmaaa-aaaaa-qaaaq-cai --start 0 --limit 20', 'audit --all --json');
    return handle<AuditOptions>(run, command, async (ctx, options) => {
        const app = options.app === undefined ? undefined : parsePrincipal(options.app, '--app');
        const limit = parseSmall(options.limit, '--limit', 100);
        let start: bigint | undefined = parseNat(options.start, '--start');
        const client = await ctx.client(true);
        const entries: AuditEntry[] = [];
        let total = 0n;
        do {
            const page = await client.auditLog({ app: app === undefined ? [] : [app], start, limit });
            entries.push(...page.entries);
            total = page.total;
            start = page.next[0];
        } while (options.all === true && start !== undefined);
        return {
            data: { entries, next: start ?? null, total },
            lines: [...entries.map(auditLine), `${entries.length} entries of ${total}${start === undefined ? '' : `; next page: --start ${start}`}`]
        };
    });
}
