/** `propose` (an upgrade, a policy change or a hand-over to a successor upgrader) and `cancel`. */
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { Command } from 'commander';

import { toClientError } from '../../client/upgrader.js';
import { toHex } from '../../encoding/hex.js';
import { parseHash, parseNat, parsePrincipal, readBytes } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { UsageError } from '../errors.js';
import { fields } from '../output.js';
import { addPolicyOptions, hasPolicy, type PolicyOptions, policyFrom } from './policy-options.js';
import { addRequestOptions, hasModule, type RequestOptions, requestFrom } from './request-options.js';
import { proposalLines } from './show.js';

interface ProposeOptions extends RequestOptions, PolicyOptions {
    app: string;
    handOver?: string;
    successorModule?: string;
    successorWasm?: string;
}

/** The hand-over action of --hand-over, with the successor's module hash from --successor-module or --successor-wasm. */
async function handOverFrom(options: ProposeOptions, cwd: string): Promise<{ successor: Principal; successor_module_hash: Uint8Array }> {
    const successor = parsePrincipal(options.handOver ?? '', '--hand-over');
    if ((options.successorModule === undefined) === (options.successorWasm === undefined)) throw new UsageError('a hand-over names the module its successor runs: give --successor-module <sha256> or --successor-wasm <path>, one of them');
    const hash = options.successorWasm !== undefined ? sha256(await readBytes(options.successorWasm, cwd, '--successor-wasm')) : parseHash(options.successorModule ?? '', '--successor-module');
    return { successor, successor_module_hash: hash };
}

export function proposeCommand(run: Run): Command {
    const command = addPolicyOptions(
        addRequestOptions(
            new Command('propose')
                .description("Propose upgrading an app to an uploaded module (--module or --wasm), changing its policy (--voter ... --threshold), or handing it over to a sealed successor upgrader (--hand-over). As one of the app's proposers. Prints the proposal id and the subject voters approve.")
                .requiredOption('--app <id>', 'the app')
                .option('--hand-over <successor id>', 'hand the app over to this sealed upgrader (see the upgrader README, "Hand-over")')
                .option('--successor-module <sha256>', 'the module hash the successor must run (with --hand-over)')
                .option('--successor-wasm <path>', 'a module file whose SHA-256 the successor must run (with --hand-over)')
        )
    );
    examples(command, 'propose --app bkyz2-fmaaa-aaaaa-qaaaq-cai --wasm .azle/demo_app_v2/demo_app_v2.wasm.gz --arg 4449444c0000 --identity maintainer', 'propose --app bkyz2-fmaaa-aaaaa-qaaaq-cai --voter <alice> --voter <bob> --voter <carol> --threshold 2', 'propose --app bkyz2-fmaaa-aaaaa-qaaaq-cai --hand-over <successor id> --successor-wasm .azle/upgrader/upgrader.wasm.gz');
    return handle<ProposeOptions>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        const handOver = options.handOver !== undefined;
        if ([hasModule(options), hasPolicy(options), handOver].filter(Boolean).length !== 1) {
            throw new UsageError('propose one of: an upgrade (--module or --wasm), a policy change (--voter and --threshold), a hand-over (--hand-over)');
        }
        if (!handOver && (options.successorModule !== undefined || options.successorWasm !== undefined)) throw new UsageError('--successor-module and --successor-wasm go with --hand-over');
        const action = handOver
            ? { hand_over: await handOverFrom(options, ctx.io.cwd) }
            : hasModule(options)
              ? { upgrade: await requestFrom(options, ctx.io.cwd) }
              : { change_policy: policyFrom(options) };
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
