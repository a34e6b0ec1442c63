/**
 * Command-line options of the scripts, strictly: `--name value` pairs of known names only, each at
 * most once, so a typo (`--netwrok`, `--expect-wasm` without a path) is a usage error (exit 2)
 * rather than an option silently ignored or a flag taken for a value.
 */
import { Principal } from '@dfinity/principal';

/** A mistake in how a script was invoked: reported with its usage line, exit code 2. */
export class UsageError extends Error {}

/** Parses `argv` into the values of `names` (each `--name value`); throws UsageError on anything else. */
export function parseOptions<Name extends string>(argv: readonly string[], names: readonly Name[]): Partial<Record<Name, string>> {
    const values: Partial<Record<Name, string>> = {};
    for (let at = 0; at < argv.length; at += 2) {
        const name = argv[at] ?? '';
        const value = argv[at + 1];
        if (!isName(name, names)) throw new UsageError(`unknown option ${JSON.stringify(name)}; the options are ${names.join(', ')}`);
        if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
        if (values[name] !== undefined) throw new UsageError(`${name} is given twice`);
        values[name] = value;
    }
    return values;
}

function isName<Name extends string>(text: string, names: readonly Name[]): text is Name {
    return (names as readonly string[]).includes(text);
}

/** A whole number of cycles written in decimal digits (no sign, exponent or separators). */
export function cyclesOption(name: string, text: string): bigint {
    if (!/^[0-9]{1,40}$/.test(text)) throw new UsageError(`${name} must be a whole number of cycles in decimal digits, such as 1000000000000 (got ${JSON.stringify(text)})`);
    return BigInt(text);
}

/**
 * Runs a script's main: its exit code, 2 with the message and usage line on a UsageError, 1 with
 * the message (no stack trace) on any other failure.
 */
export function runMain(main: () => Promise<number>, usage: string): void {
    main().then(
        (code) => process.exit(code),
        (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            if (error instanceof UsageError) {
                console.error(`${message}\n${usage}`);
                process.exit(2);
            }
            console.error(`error: ${message}`);
            process.exit(1);
        }
    );
}

/** A principal in its textual form (`aaaaa-aa`, `ryjl3-tyaaa-aaaaa-aaaba-cai`, ...). */
export function principalOption(name: string, text: string): Principal {
    try {
        return Principal.fromText(text);
    } catch {
        throw new UsageError(`${name} must be a principal in textual form, such as ryjl3-tyaaa-aaaaa-aaaba-cai (got ${JSON.stringify(text)})`);
    }
}
