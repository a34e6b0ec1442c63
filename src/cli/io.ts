/**
 * What the CLI touches outside itself, passed in so that `main` runs in-process in tests:
 * stdout and stderr writers, the environment, the working directory and the terminal.
 */
import type { Readable } from 'node:stream';

export interface CliIo {
    /** Receives the command's result: text, or one JSON document with --json. */
    stdout: (text: string) => void;
    /** Receives diagnostics, progress and errors. */
    stderr: (text: string) => void;
    env: Readonly<Record<string, string | undefined>>;
    cwd: string;
    /** Whether stderr is a terminal (progress is shown only then, or with --progress). */
    stderrIsTTY: boolean;
    /** A terminal to ask confirmations on; absent: --yes is required where a command asks. */
    stdin?: Readable & { isTTY?: boolean };
    /** Resolves when a command that serves until stopped (`ui`) should stop: Ctrl-C or SIGTERM for the process. */
    untilStopped: () => Promise<void>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
    return {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        env: process.env,
        cwd: process.cwd(),
        stderrIsTTY: process.stderr.isTTY === true,
        stdin: process.stdin.isTTY === true ? process.stdin : undefined,
        untilStopped: () => new Promise((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
        })
    };
}
