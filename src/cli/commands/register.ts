/** `register`: putting an app under the upgrader's governance. */
import { Command } from 'commander';

import { parsePrincipal } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { fields } from '../output.js';
import { appLines } from './show.js';
import { addPolicyOptions, type PolicyOptions, policyFrom } from './policy-options.js';

interface RegisterOptions extends PolicyOptions {
    app: string;
    recovery: string;
}

export function registerCommand(run: Run): Command {
    const command = addPolicyOptions(
        new Command('register')
            .description("Register an app: its voters, threshold, proposers and recovery principal. Call as a controller of the app; the upgrader and the recovery principal must already be its controllers. A priced upgrader's fee can only be attached by a canister (e.g. a cycles wallet): from the CLI this works on a free (private) deployment.")
            .requiredOption('--app <id>', 'the app canister')
            .requiredOption('--recovery <principal>', 'its recovery principal (a controller of the app)')
    );
    examples(command, 'register --app bkyz2-fmaaa-aaaaa-qaaaq-cai --recovery <principal> --voter <alice> --voter <bob>:2 --threshold 2 --proposer <maintainer> --health-check health');
    return handle<RegisterOptions>(run, command, async (ctx, options) => {
        const change = policyFrom(options);
        const app = parsePrincipal(options.app, '--app');
        const recovery = parsePrincipal(options.recovery, '--recovery');
        const info = await (await ctx.client()).register({ app, recovery, policy: change.policy, snapshot_policy: change.snapshot_policy });
        return { data: { app: info }, lines: [...fields([['registered', app.toText()]]), ...appLines(info)] };
    });
}
