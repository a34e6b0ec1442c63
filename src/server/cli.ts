/**
 * The command line of the replica server (`npm run replica -- ...`, scripts/replica.ts).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { ReplicaServer, startReplicaServer } from './server.js';

export const USAGE = `Usage: npm run replica -- [options]

Starts the embedded replica behind an HTTP server on 127.0.0.1. It serves the IC HTTP
interface (for @dfinity/agent: HttpAgent.create({ host, shouldFetchRootKey: true })) and
the PocketIC REST API (for @dfinity/pic: PocketIc.create(url)). When ready it prints one
line, "listening on http://127.0.0.1:<port>".

Options:
  --port <P>                     Port to listen on; 0 picks a free one. Default: 4943.
  --state-dir <D>                Keep the replica's canisters, time and messages in D
                                 across restarts (created if missing). Default: in memory.
  --recover-truncate-log         If the state directory's log is damaged before its last
                                 record, start with the rounds before the damage and drop
                                 the rest (the damaged log is kept). Without it the server
                                 refuses to start. (A torn last record, left by a crash
                                 during a write, is always dropped: it was never answered.)
  --skip-signature-verification  Accept requests without checking sender signatures.
  --port-file <F>                Also write the port to F when ready (as PocketIC does).
  --ttl <S>                      Exit after S seconds without requests.
  -h, --help                     Show this help.

Stop it with Ctrl-C (SIGINT) or SIGTERM: it finishes the round in progress and writes the
state directory before exiting.`;

export interface CliOptions {
    port: number;
    stateDir: string | null;
    recoverTruncateLog: boolean;
    verifySignatures: boolean;
    portFile: string | null;
    ttlSeconds: number | null;
    help: boolean;
}

class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): CliOptions {
    const options: CliOptions = { port: 4943, stateDir: null, recoverTruncateLog: false, verifySignatures: true, portFile: null, ttlSeconds: null, help: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
        const value = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
            return v;
        };
        switch (name) {
            case '-h':
            case '--help':
                options.help = true;
                break;
            case '--port': {
                const port = Number(value());
                if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535)`);
                options.port = port;
                break;
            }
            case '--state-dir':
                options.stateDir = value();
                break;
            case '--recover-truncate-log':
                options.recoverTruncateLog = true;
                break;
            case '--skip-signature-verification':
                options.verifySignatures = false;
                break;
            case '--port-file':
                options.portFile = value();
                break;
            case '--ttl': {
                const ttl = Number(value());
                if (!Number.isFinite(ttl) || ttl <= 0) throw new UsageError('--ttl must be a positive number of seconds');
                options.ttlSeconds = ttl;
                break;
            }
            default:
                throw new UsageError(`Unknown option ${arg}`);
        }
    }
    return options;
}

/** Runs the server until a signal (or the TTL) stops it. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
    let options: CliOptions;
    try {
        options = parseArgs(argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.stderr.write(`${error.message}\n\n${USAGE}\n`);
        return 2;
    }
    if (options.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    let lastRequest = Date.now();
    let server: ReplicaServer;
    try {
        server = await startReplicaServer({
            port: options.port,
            stateDir: options.stateDir,
            recoverTruncateLog: options.recoverTruncateLog,
            verifySignatures: options.verifySignatures,
            onRequest: () => {
                lastRequest = Date.now();
            }
        });
    } catch (error) {
        process.stderr.write(`replica: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
    }
    if (options.portFile !== null) {
        writeFileSync(`${options.portFile}.tmp`, String(server.port));
        renameSync(`${options.portFile}.tmp`, options.portFile);
    }
    // Signal handlers first: a client that stops the server as soon as it reads the line below
    // must not meet the default SIGTERM action (exit without writing the state directory).
    const stopped = new Promise<number>((resolve) => {
        let stopping = false;
        const stop = (reason: string): void => {
            if (stopping) {
                process.stderr.write('replica: second signal, exiting without waiting\n');
                process.exit(130);
            }
            stopping = true;
            process.stderr.write(`replica: ${reason}, shutting down\n`);
            server.close().then(
                () => resolve(0),
                (error: unknown) => {
                    process.stderr.write(`replica: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
                    resolve(1);
                }
            );
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
        if (options.ttlSeconds !== null) {
            const ttlMs = options.ttlSeconds * 1000;
            const timer = setInterval(() => {
                if (Date.now() - lastRequest > ttlMs) {
                    clearInterval(timer);
                    stop(`no requests for ${options.ttlSeconds} s`);
                }
            }, Math.min(1000, ttlMs));
        }
    });
    process.stdout.write(`listening on ${server.url}\n`);
    return await stopped;
}
