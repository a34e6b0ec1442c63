/**
 * `npx upgrader <command>`: the operators' command line. `main(argv, io)` runs one command and
 * returns its exit code (0 ok, 1 refused or failed, 2 usage), so tests call it in-process;
 * bin/upgrader.js runs it for the real process.
 *
 * @example
 * ```ts
 * const code = await main(['status', '--app', appId, '--json'], processIo());
 * ```
 */
import { Command, CommanderError, Option } from 'commander';

import { describeFailure, EXIT_FAILED, EXIT_OK, EXIT_USAGE, isNetworkFailure, networkError, UsageError } from './errors.js';
import { commands } from './commands/index.js';
import type { Run } from './command.js';
import { type CliIo, processIo } from './io.js';
import { LOCAL_URL } from './network.js';
import { jsonDocument } from './output.js';
import { rejectFailure } from './rejects.js';

const GLOBAL_HELP = `
Common flags go before or after the command. Identities: --identity <name> reads dfx's store
(~/.config/dfx/identity/<name>/identity.pem; without --identity, dfx's default identity);
--identity <path.pem> reads a PEM (Ed25519 or secp256k1); --identity demo:<name> is a key
derived from the name, for local networks only. --network local is ${LOCAL_URL}: dfx start,
or the embedded replica (npm run replica); icp-cli's local network is http://127.0.0.1:8000.
The upgrader's id: --upgrader, else canister_ids.json {"upgrader": {"<network>": "<id>"}}.

Exit codes: 0 ok; 1 refused or failed (the line names the error); 2 usage (bad flags, a missing
identity or upgrader id).

Examples:
  $ npx upgrader deploy --registration-fee 0 --storage-fee-per-mib 0 --save --yes
  $ npx upgrader status --app bkyz2-fmaaa-aaaaa-qaaaq-cai --json
  $ npx upgrader vote 3 --approve --identity alice
`;

function program(run: Run): Command {
    const root = new Command('upgrader')
        .description('Operate the governed upgrader: deploy and seal it, register apps, upload modules, propose, vote, watch, and recover.')
        .addOption(new Option('--network <local|ic|url>', 'the network').default('local'))
        .option('--upgrader <id>', "the upgrader's canister id (default: canister_ids.json)")
        .option('--identity <name|path|demo:name>', "who to call as (default: dfx's default identity)")
        .option('--json', 'print exactly one JSON document on stdout (bigints as strings, principals as text, blobs as hex)')
        .option('--yes', 'answer yes to confirmations (needed without a terminal)')
        .option('--progress', 'show progress on stderr even when it is not a terminal')
        .addHelpText('after', GLOBAL_HELP)
        .showSuggestionAfterError()
        .exitOverride()
        .configureOutput({ writeOut: run.io.stdout, writeErr: run.io.stderr });
    for (const command of commands(run)) {
        captureOutput(command, run);
        root.addCommand(command);
    }
    return root;
}

/** The command and its subcommands throw rather than exit, and write to the run's streams. */
function captureOutput(command: Command, run: Run): void {
    command.exitOverride().configureOutput({ writeOut: run.io.stdout, writeErr: run.io.stderr });
    for (const sub of command.commands) captureOutput(sub, run);
}

/** Runs one command line (without the `node upgrader` prefix); returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
    const run: Run = { io };
    const debug = io.env.UPGRADER_DEBUG === '1';
    try {
        await program(run).parseAsync([...argv], { from: 'user' });
    } catch (error) {
        if (error instanceof CommanderError) {
            if (error.exitCode === 0) return EXIT_OK;
            // commander has printed its one-line message; a bare `upgrader` printed the help.
            return EXIT_USAGE;
        }
        const url = run.context?.network.url;
        const mapped = url !== undefined && !(error instanceof UsageError) && isNetworkFailure(error) ? networkError(url, error) : (rejectFailure(error) ?? error);
        const { line, code } = describeFailure(mapped, debug);
        io.stderr(`${line}\n`);
        if (run.context?.json === true) io.stdout(jsonDocument({ error: { name: mapped instanceof Error ? mapped.name : 'Error', message: line, exit_code: code } }));
        return code;
    }
    const result = run.result;
    if (result === undefined) return EXIT_OK;
    if (run.context?.json === true) io.stdout(jsonDocument(result.data));
    else io.stdout(result.lines.map((line) => `${line}\n`).join(''));
    return result.exitCode ?? EXIT_OK;
}

/** For bin/upgrader.js: runs the process's arguments and exits with the code. */
export async function runProcess(): Promise<void> {
    const code = await main(process.argv.slice(2)).catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        return EXIT_FAILED;
    });
    process.exitCode = code;
}
