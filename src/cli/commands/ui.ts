/** `ui`: serve the voters' page (src/ui) for the network and upgrader of the common flags, until stopped. */
import { Command } from 'commander';

import { startVoterPage, VoterPageOptionsError } from '../../ui/server.js';
import { examples, handle, type Run } from '../command.js';
import { UsageError } from '../errors.js';

interface UiOptions {
    port: string;
    host: string;
    app?: string;
}

export function uiCommand(run: Run): Command {
    const command = new Command('ui')
        .description("Serve the voters' page on this machine until Ctrl-C: apps, proposals, votes, live progress and the audit log. The page talks to the network from the browser; keys stay in the browser.")
        .option('--port <port>', 'port to listen on (0: a free one)', '0')
        .option('--host <address>', 'interface to listen on', '127.0.0.1')
        .option('--app <id>', 'an app to open first');
    examples(command, 'ui --network http://127.0.0.1:4943 --upgrader <id>', 'ui --port 8080 --app <app id>');
    return handle<UiOptions>(run, command, async (ctx, options) => {
        if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65535) throw new UsageError(`--port must be a port number (0-65535), got ${JSON.stringify(options.port)}`);
        const upgraderId = await ctx.upgraderId();
        const page = await startVoterPage({
            networkUrl: ctx.network.url,
            upgraderId: upgraderId.toText(),
            port: Number(options.port),
            host: options.host,
            app: options.app
        }).catch((error: unknown) => {
            if (error instanceof VoterPageOptionsError) throw new UsageError(error.message);
            throw error;
        });
        // Printed at once (the result below is printed only when the page stops).
        if (ctx.json) ctx.io.stderr(`ui on ${page.url}\n`);
        else ctx.io.stdout(`ui on ${page.url}\n`);
        await ctx.io.untilStopped();
        await page.close();
        return { data: { url: page.url, network: ctx.network.url, upgrader: upgraderId }, lines: ['ui stopped'] };
    });
}
