/**
 * The CLI's failures and their exit codes: 0 ok, 1 refused or failed (a typed upgrader error, an
 * unreachable network, a failed outcome), 2 usage (bad flags, a missing identity or upgrader id).
 * Every expected failure becomes one line naming the error and what to do next; only an
 * unexpected one shows its stack, and only with UPGRADER_DEBUG=1.
 */
import { UpgraderClientError } from '../client/upgrader.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** The command line was wrong or incomplete (exit 2). */
export class UsageError extends Error {
    override name = 'UsageError';
}

/** A expected failure that is not the upgrader's own error (exit 1). */
export class CliFailure extends Error {
    constructor(
        override readonly name: string,
        message: string,
        options?: { cause?: unknown }
    ) {
        super(message, options);
    }
}

/** The network could not be reached (exit 1). */
export function networkError(url: string, cause: unknown): CliFailure {
    return new CliFailure(
        'NetworkError',
        `cannot reach ${url} (${rootMessage(cause)}). Start a replica there (npm run replica, or dfx start: port 4943; icp-cli: 8000) or pass --network <url>.`,
        { cause }
    );
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** Whether `error` (or one of its causes) is a failure to reach the server at all. */
export function isNetworkFailure(error: unknown): boolean {
    for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 8; current = Reflect.get(current, 'cause'), depth++) {
        const code: unknown = Reflect.get(current, 'code');
        const message: unknown = Reflect.get(current, 'message');
        if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
        if (typeof message === 'string' && /ECONNREFUSED|ENOTFOUND|fetch failed/.test(message)) return true;
    }
    return false;
}

function rootMessage(error: unknown): string {
    let current: unknown = error;
    for (let depth = 0; current instanceof Error && current.cause instanceof Error && depth < 8; depth++) current = current.cause;
    const text = current instanceof Error ? current.message : String(current);
    return text.split('\n')[0] ?? text;
}

/** What to do next, from the command line, after the client's own message. */
const NEXT_STEP: Record<string, string> = {
    NotAVoterError: ' Vote as one of its voters (--identity <name>); `npx upgrader status --app <app>` lists them.',
    ProposalNotFoundError: ' `npx upgrader status --app <app>` shows the live proposal.',
    PausedError: ' Its recovery principal can run `npx upgrader unpause --app <app>`.',
    ProposalInProgressError: ' `npx upgrader watch <proposal>` follows it to its end.'
};

/** One line for the user and the exit code, for any error a command threw. */
export function describeFailure(error: unknown, debug: boolean): { line: string; code: number } {
    if (error instanceof UsageError) return { line: `usage error: ${error.message}`, code: EXIT_USAGE };
    if (error instanceof UpgraderClientError) return { line: `${error.name}: ${error.message}${NEXT_STEP[error.name] ?? ''}`, code: EXIT_FAILED };
    if (error instanceof CliFailure) return { line: `${error.name}: ${error.message}`, code: EXIT_FAILED };
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    const stack = debug && error instanceof Error ? `\n${error.stack ?? ''}` : '';
    const name = error instanceof Error ? error.name : 'Error';
    return { line: `${name}: ${first}${debug ? stack : ' (unexpected; UPGRADER_DEBUG=1 shows the stack)'}`, code: EXIT_FAILED };
}
