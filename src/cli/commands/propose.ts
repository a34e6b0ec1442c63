/** `propose` (an upgrade or a policy change) and `cancel`. */
import { Command } from 'commander';

import { toClientError } from '../../client/upgrader.js';
import { toHex } from '../../encoding/hex.js';
import { parseNat, parsePrincipal } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { UsageError } from '../errors.js';
import { fields } from '../output.js';
import { addPolicyOptions, hasPolicy, type PolicyOptions, policyFrom } from './policy-options.js';
import { addRequestOptions, hasModule, type RequestOptions, requestFrom } from './request-options.js';
import { proposalLines } from './show.js';

interface ProposeOptions extends RequestOptions, PolicyOptions {
    app: string;
}

export function proposeCommand(run: Run): Command {
    const command = addPolicyOptions(
        addRequestOptions(
            new Command('propose')
                .description("Propose upgrading an app to an uploaded module (--module or --wasm), or changing its policy (--voter ... --threshold). As one of the app's proposers. Prints the proposal id and the subject voters approve.")
                .requiredOption('--app <id>', 'the app')
        )
    );
    examples(command, 'propose --app bkyz2-fmaaa-aaaaa-qaaaq-cai --wasm .azle/demo_app_v2/demo_app_v2.wasm.gz --arg 4449444c0000 --identity maintainer', 'propose --app bkyz2-fmaaa-aaaaa-qaaaq-cai --voter <alice> --voter <bob> --voter <carol> --threshold 2');
    return handle<ProposeOptions>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        if (hasModule(options) === hasPolicy(options)) throw new UsageError('propose either an upgrade (--module or --wasm) or a policy change (--voter and --threshold), one of them');
        const action = hasModule(options) ? { upgrade: await requestFrom(options, ctx.io.cwd) } : { change_policy: policyFrom(options) };
        const client = await ctx.client();
        const id = await client.propose({ app, action });
        const proposal = await client.getProposal(id);
        if (proposal === undefined) throw toClientError({ ProposalNotFound: id });
        return { data: { proposal_id: id, proposal }, lines: [...proposalLines(proposal), `Voters: npx upgrader vote ${id} --approve (subject ${toHex(proposal.subject)})`] };
    });
}

export function cancelCommand(run: Run): Command {
    const command = new Command('cancel').description('Cancel an open proposal. As its proposer or the app\'s recovery principal.').argument('<proposal>', 'the proposal id');
    examples(command, 'cancel 3 --identity maintainer');
    return handle<object>(run, command, async (ctx, _options, [text = '']) => {
        const id = parseNat(text, '<proposal>');
        const proposal = await (await ctx.client()).cancelProposal(id);
        return { data: { proposal }, lines: [...fields([['cancelled', String(id)]]), ...proposalLines(proposal)] };
    });
}
