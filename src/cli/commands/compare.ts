/** `compare`: download the module a proposal names and compare it with your own build (what you vote for). */
import { Command } from 'commander';

import { compareProposalModule, reportVerdict } from '../../../scripts/compare-module.js';
import { parseNat, readBytes } from '../args.js';
import { examples, handle, type Run } from '../command.js';

interface CompareOptions {
    proposal: string;
    wasm: string;
}

export function compareCommand(run: Run): Command {
    const command = new Command('compare')
        .description("Download the module an upgrade (or a group's rollout) proposal names from the upgrader, check its SHA-256, and compare it with your own build: \"matches your build\" (exit 0) or what differs (exit 1).")
        .requiredOption('--proposal <id>', 'the proposal to check')
        .requiredOption('--wasm <path>', 'your own build of the module, raw or gzipped as uploaded (see the README, "Reproducing the upgrader\'s hash")');
    examples(command, 'compare --proposal 3 --wasm .azle/demo_app_v2/demo_app_v2.wasm.gz', 'compare --network ic --upgrader <id> --proposal 12 --wasm my-build.wasm.gz --json');
    return handle<CompareOptions>(run, command, async (ctx, options) => {
        const proposalId = parseNat(options.proposal, '--proposal');
        const localWasm = await readBytes(options.wasm, ctx.io.cwd, '--wasm');
        const verdict = await compareProposalModule({
            agent: await ctx.agent(true),
            upgraderId: await ctx.upgraderId(),
            proposalId,
            localWasm,
            onProgress: (received, total) => ctx.progress.update(received, total, 'chunks downloaded')
        });
        ctx.progress.end();
        const { lines, exitCode } = reportVerdict(verdict);
        // The script's 2 ("nothing to compare") is a refusal here: the CLI keeps 2 for usage errors.
        return { data: { verdict }, lines, exitCode: exitCode === 0 ? 0 : 1 };
    });
}
