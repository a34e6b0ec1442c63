/**
 * `rollout` (`rollout propose`, its default): upload a module to a group's store and propose
 * upgrading the group's members to it, all of them or the ones named, following a plan (canary,
 * waves, concurrency, failure rate). One approval upgrades them all. `rollout abort`: the
 * group's recovery principal stops a running rollout.
 */
import { Command } from 'commander';

import { toClientError } from '../../client/upgrader.js';
import { toHex } from '../../encoding/hex.js';
import { collect, parsePrincipal, parsePrincipalList } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { CliFailure } from '../errors.js';
import { groupRecord } from '../group-record.js';
import { fields } from '../output.js';
import { addPlanOptions, checkPlanLimits, type PlanOptions, planFrom } from './plan-options.js';
import { addRequestOptions, type RequestOptions, requestWithModule } from './request-options.js';
import { proposalLines, rolloutLines } from './show.js';
import { uploadRunText, uploadToStore } from './upload.js';

export function rolloutCommand(run: Run): Command {
    const command = new Command('rollout')
        .description("Upgrade a group's members with one proposal (`rollout --group ...` is `rollout propose`), or stop a running rollout (`rollout abort`). Follow it with `watch --group`.")
        .addCommand(proposeRolloutCommand(run), { isDefault: true })
        .addCommand(abortCommand(run));
    examples(command, 'rollout --group <group id> --wasm member_v2.wasm.gz --canary 1 --batch-size 20 --max-concurrency 5 --max-failure-percent 10 --identity maintainer', 'rollout abort --group <group id> --identity recovery --yes');
    return command;
}

interface ProposeRolloutOptions extends RequestOptions, PlanOptions {
    group: string;
    member?: string[];
    membersFile?: string;
}

function proposeRolloutCommand(run: Run): Command {
    const command = addPlanOptions(
        addRequestOptions(
            new Command('propose')
                .description(
                    "Propose upgrading a group's members to a module: with --wasm, the file is first uploaded to the group's store (resumable; nothing sent when it is there already); with --module, it must be there. Every member, or only those named (--member, --members-file), in that order: the canary first, then waves. As one of the group's proposers. Prints the proposal id and the subject voters approve."
                )
                .requiredOption('--group <id>', 'the group')
                .option('--member <id>', 'upgrade only this member (repeat for each, in the order wanted); default: every member at approval', collect)
                .option('--members-file <path>', 'or a file of the members to upgrade, one principal per line')
        )
    );
    examples(command, 'rollout propose --group <group id> --wasm member_v2.wasm.gz --identity maintainer', 'rollout --group <group id> --module <sha256> --member <app> --member <app> --canary 0 --max-failure-percent 0 --json');
    return handle<ProposeRolloutOptions>(run, command, async (ctx, options) => {
        const group = parsePrincipal(options.group, '--group');
        const plan = planFrom(options);
        const named = await parsePrincipalList(options.member, options.membersFile, ctx.io.cwd, { flag: '--member', fileFlag: '--members-file' });
        const { request, module } = await requestWithModule(options, ctx.io.cwd);
        const client = await ctx.client();
        const info = await groupRecord(client, group);
        // Before the upload: an app's id, or a group nobody joined yet, would take the module for nothing.
        if (info.members === 0) throw new CliFailure('NoMembers', `${group.toText()} has no members: add apps with \`npx upgrader group join --group ${group.toText()}\` first (an app's own upgrade is \`npx upgrader propose --app\`)`);
        checkPlanLimits(plan, named.length, await client.limits());
        const upload = module === undefined ? undefined : await uploadToStore(ctx, client, group, module);
        const id = await client.propose({ app: group, action: { rollout: { upgrade: request, members: named.length === 0 ? [] : [named], plan } } });
        const proposal = await client.getProposal(id);
        if (proposal === undefined) throw toClientError({ ProposalNotFound: id });
        return {
            data: { proposal_id: id, proposal, upload: upload === undefined ? null : { module: upload.info, chunks_already_there: upload.already, chunks_sent: upload.sent } },
            lines: [
                ...(upload === undefined ? [] : fields([['upload', uploadRunText(upload.info, upload.already, upload.sent)]])),
                ...proposalLines(proposal),
                `Voters: npx upgrader vote ${id} --approve (subject ${toHex(proposal.subject)})`,
                `Follow it: npx upgrader watch --group ${group.toText()}`
            ]
        };
    });
}

interface AbortOptions {
    group: string;
}

function abortCommand(run: Run): Command {
    const command = new Command('abort')
        .description("Abort a group's running rollout: no member starts any more; those upgrading finish (on the new module, or back on their old one), and the rest count as skipped. As the group's recovery principal. Asks, or --yes. To hold it instead, `pause --app <group id>` (and `unpause`).")
        .requiredOption('--group <id>', 'the group');
    examples(command, 'rollout abort --group <group id> --identity recovery --yes');
    return handle<AbortOptions>(run, command, async (ctx, options) => {
        const group = parsePrincipal(options.group, '--group');
        const client = await ctx.client();
        await groupRecord(client, group);
        await ctx.confirm(`Abort the rollout of the group ${group.toText()}? Members not started yet never will be (a new proposal is needed for them).`);
        const rollout = await client.abortRollout(group);
        const id = group.toText();
        const next = rollout.ended_at.length > 0 ? `It has ended; each member's outcome: npx upgrader watch --group ${id}` : `Members still upgrading finish; follow them: npx upgrader watch --group ${id}`;
        const paused = rollout.paused ? [`The group stays paused: npx upgrader unpause --app ${id} before its next rollout.`] : [];
        return { data: { rollout }, lines: [...rolloutLines(rollout), next, ...paused] };
    });
}
