/**
 * `npm run replica -- --port <P> [--state-dir <D>]`: the embedded replica as a local
 * network for @dfinity/agent and @dfinity/pic. See `npm run replica -- --help`.
 */
import { main } from '../src/server/cli.js';

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
        process.stderr.write(`replica: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
    }
);
