/** `whoami`: the principal of the identity a command would use (to give voters and maintainers their ids). */
import { Command } from 'commander';

import { examples, handle, type Run } from '../command.js';
import { fields } from '../output.js';

export function whoamiCommand(run: Run): Command {
    const command = new Command('whoami').description('Print the principal of the identity (--identity, else dfx\'s default identity), without calling the network.');
    examples(command, 'whoami --identity alice', 'whoami --identity ./keys/maintainer.pem --json');
    return handle<object>(run, command, async (ctx) => {
        const { identity, source } = await ctx.identity();
        const principal = identity.getPrincipal();
        return { data: { identity: source, principal }, lines: fields([['identity', source], ['principal', principal.toText()]]) };
    });
}
