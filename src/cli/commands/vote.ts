/**
 * `vote`: approve or reject a proposal. Before voting it recomputes, from the proposal's own
 * fields, the subject the vote binds (module hash, argument hash, options, downgrade flag and the
 * module the app ran; for a group's rollout, the members named and the plan instead of the
 * module run), checks it against the proposal, and against what the voter reviewed when
 * given (--expect-module/--expect-wasm, --expect-arg/--expect-arg-file); and it checks that the
 * caller is one of the app's voters, so a non-voter gets NotAVoterError rather than the IC's
 * inspect_message refusal.
 */
import { IDL } from '@dfinity/candid';
import { sha256 } from '@noble/hashes/sha2';
import { Command } from 'commander';

import { PolicyChange, type Proposal, type UpgradeRequest } from '../../../canisters/upgrader/types.js';
import { expectedSubject, toClientError } from '../../client/upgrader.js';
import { toHex } from '../../encoding/hex.js';
import { parseHash, parseHexBytes, parseNat, readBytes } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { CliFailure, UsageError } from '../errors.js';
import { fields } from '../output.js';
import { proposalLines } from './show.js';

interface VoteOptions {
    approve?: boolean;
    reject?: boolean;
    expectModule?: string;
    expectWasm?: string;
    expectArg?: string;
    expectArgFile?: string;
}

export function voteCommand(run: Run): Command {
    const command = new Command('vote')
        .description("Vote on a proposal, as one of the app's voters, after checking what it binds (and, with --expect-*, that it is what you reviewed). Asks, or --yes.")
        .argument('<proposal>', 'the proposal id')
        .option('--approve', 'vote yes')
        .option('--reject', 'vote no')
        .option('--expect-module <sha256>', 'refuse to vote unless the proposal installs this module')
        .option('--expect-wasm <path>', 'refuse to vote unless it installs this module file')
        .option('--expect-arg <hex>', 'refuse to vote unless its argument is this (Candid, hex)')
        .option('--expect-arg-file <path>', 'refuse to vote unless its argument is this file');
    examples(command, 'vote 3 --approve --expect-wasm ./demo_app_v2.wasm.gz --identity alice', 'vote 3 --reject --yes --json');
    return handle<VoteOptions>(run, command, async (ctx, options, [text = '']) => {
        const id = parseNat(text, '<proposal>');
        if (options.approve === options.reject) throw new UsageError('say --approve or --reject');
        const client = await ctx.client();
        const proposal = await client.getProposal(id);
        if (proposal === undefined) throw toClientError({ ProposalNotFound: id });
        const app = await client.getApp(proposal.app);
        const me = await ctx.principal();
        if (app !== undefined && !app.policy.voters.some((v) => v.principal.toText() === me.toText())) throw toClientError({ NotAVoter: me });
        const subject = subjectOf(proposal);
        await checkReviewed(proposal, options, ctx.io.cwd);
        await ctx.confirm(`${proposalLines(proposal).join('\n')}\nVote ${options.approve === true ? 'YES' : 'NO'} on proposal ${id}?`);
        const after = await client.vote({ proposal_id: id, subject, approve: options.approve === true });
        return { data: { proposal: after, voted: options.approve === true ? 'approve' : 'reject', subject: toHex(subject) }, lines: [...fields([['voted', `${options.approve === true ? 'approve' : 'reject'} on ${id}`]]), ...proposalLines(after)] };
    });
}

/** The subject recomputed from the proposal; @throws CliFailure when it differs from the proposal's. */
function subjectOf(proposal: Proposal): Uint8Array {
    const action = proposal.action;
    const computed = 'change_policy' in action ? sha256(new Uint8Array(IDL.encode([PolicyChange], [action.change_policy]))) : 'restore_snapshot' in action ? proposal.subject : expectedSubject(proposal);
    if (computed === undefined || toHex(computed) !== toHex(proposal.subject)) {
        throw new CliFailure('SubjectMismatch', `proposal ${proposal.id} says its subject is ${toHex(proposal.subject)} but its fields give ${computed === undefined ? 'nothing' : toHex(computed)}; do not vote, and report it`);
    }
    return computed;
}

async function checkReviewed(proposal: Proposal, options: VoteOptions, cwd: string): Promise<void> {
    const wantsModule = options.expectModule !== undefined || options.expectWasm !== undefined;
    const wantsArg = options.expectArg !== undefined || options.expectArgFile !== undefined;
    if (!wantsModule && !wantsArg) return;
    const action = proposal.action;
    if (wantsModule) {
        // An upgrade installs its module in the app, a rollout in the group's members; a hand-over names the module its successor runs.
        const named = upgradeOf(proposal)?.module_hash ?? ('hand_over' in action ? action.hand_over.successor_module_hash : undefined);
        if (named === undefined) throw new UsageError(`proposal ${proposal.id} names no module: --expect-module and --expect-wasm apply to upgrades, rollouts and hand-overs`);
        const module = options.expectWasm !== undefined ? sha256(await readBytes(options.expectWasm, cwd, '--expect-wasm')) : parseHash(options.expectModule ?? '', '--expect-module');
        if (toHex(module) !== toHex(named)) throw new CliFailure('NotWhatWasReviewed', `proposal ${proposal.id} names module ${toHex(named)}, not the ${toHex(module)} you reviewed; nothing was voted`);
    }
    if (wantsArg) {
        if (upgradeOf(proposal) === undefined) throw new UsageError(`proposal ${proposal.id} is not an upgrade: --expect-arg and --expect-arg-file apply to upgrades and rollouts only`);
        const arg = options.expectArgFile !== undefined ? await readBytes(options.expectArgFile, cwd, '--expect-arg-file') : parseHexBytes(options.expectArg ?? '', '--expect-arg');
        if (toHex(sha256(arg)) !== toHex(proposal.arg_hash)) throw new CliFailure('NotWhatWasReviewed', `proposal ${proposal.id}'s argument hashes to ${toHex(proposal.arg_hash)}, not to that of the argument you reviewed (${toHex(sha256(arg))}); nothing was voted`);
    }
}

/** The upgrade a proposal installs: an app's, or each member's of a group's rollout. */
function upgradeOf(proposal: Proposal): UpgradeRequest | undefined {
    const action = proposal.action;
    return 'upgrade' in action ? action.upgrade : 'rollout' in action ? action.rollout.upgrade : undefined;
}
