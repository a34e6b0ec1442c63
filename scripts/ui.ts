/**
 * Serves the voters' page until Ctrl-C (the CLI's `upgrader ui` will do the same):
 *
 *     npx tsx scripts/ui.ts --network http://127.0.0.1:4943 --upgrader <canister id> [--app <id>] [--port <P>]
 */
import { startVoterPage } from '../src/ui/server.js';
import { parseOptions } from './lib/args.js';

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const options = parseOptions(argv, ['--network', '--upgrader', '--app', '--port']);
    const networkUrl = options['--network'];
    const upgraderId = options['--upgrader'];
    if (networkUrl === undefined || upgraderId === undefined) {
        console.error('Usage: npx tsx scripts/ui.ts --network <url> --upgrader <canister id> [--app <id>] [--port <P>]');
        process.exit(2);
    }
    const port = options['--port'];
    const page = await startVoterPage({ networkUrl, upgraderId, app: options['--app'], port: port === undefined ? 0 : Number(port) });
    console.log(`ui on ${page.url}`);
    process.on('SIGINT', () => void page.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
});
