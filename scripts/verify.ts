/**
 * Checks that a canister is sealed and which build it runs, from the certified state: anyone can
 * run it, no controller needed. Exits 0 when it runs a module, has no controllers and (with
 * `--expect` or `--expect-wasm`) runs exactly that module; 1 when it does not, or cannot be read
 * (no such canister, network failure, a certificate that does not verify); 2 on a usage error.
 *
 *   npx tsx scripts/verify.ts --network local|ic|<url> --canister <id> [--expect <sha256 hex> | --expect-wasm <path>]
 *
 * The module hash is the SHA-256 of the exact bytes installed: gzipped, if a .wasm.gz was. It
 * reads with a fresh throwaway identity (printed), never the anonymous one.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

import type { HttpAgent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Principal } from '@dfinity/principal';

import { parseOptions, principalOption, runMain, UsageError } from './lib/args.js';
import { certifiedInfo, connect, resolveNetwork, sha256Hex } from './lib/ic.js';

const USAGE = 'usage: npx tsx scripts/verify.ts --network local|ic|<url> --canister <id> [--expect <sha256 hex> | --expect-wasm <path>]';

export type Verdict = {
    /** No controllers: nobody can change its code, settings or state from outside. */
    sealed: boolean;
    moduleHash: string | null;
    controllers: Principal[];
    /** Whether it runs the expected module; null when none was expected. */
    matches: boolean | null;
    /** Sealed, running a module, and the expected one if one was given: the script's exit code 0. */
    verified: boolean;
};

/** Reads controllers and module hash from the certified state and judges them. @throws when they cannot be read (see certifiedInfo). */
export async function verifySealed(agent: HttpAgent, canisterId: Principal, expectedHash?: string): Promise<Verdict> {
    const info = await certifiedInfo(agent, canisterId);
    const sealed = info.controllers.length === 0;
    const matches = expectedHash === undefined ? null : info.moduleHash === expectedHash.toLowerCase();
    return { sealed, moduleHash: info.moduleHash, controllers: info.controllers, matches, verified: sealed && info.moduleHash !== null && matches !== false };
}

/** The expected module hash from `--expect` (hex) or `--expect-wasm` (a file hashed here). */
async function expectedHash(hex: string | undefined, wasmPath: string | undefined): Promise<string | undefined> {
    if (hex !== undefined && wasmPath !== undefined) throw new UsageError('give --expect or --expect-wasm, not both');
    if (hex !== undefined) {
        if (!/^[0-9a-f]{64}$/i.test(hex)) throw new UsageError(`--expect must be a SHA-256 in hex (64 digits), got ${JSON.stringify(hex)}`);
        return hex.toLowerCase();
    }
    if (wasmPath === undefined) return undefined;
    try {
        return sha256Hex(new Uint8Array(await readFile(wasmPath)));
    } catch (error) {
        throw new UsageError(`cannot read --expect-wasm ${wasmPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
}

async function main(argv: string[]): Promise<number> {
    const options = parseOptions(argv, ['--network', '--canister', '--expect', '--expect-wasm']);
    if (options['--network'] === undefined || options['--canister'] === undefined) throw new UsageError('--network and --canister are required');
    const network = resolveNetwork(options['--network']);
    const canister = principalOption('--canister', options['--canister']);
    const expected = await expectedHash(options['--expect'], options['--expect-wasm']);
    const identity = Ed25519KeyIdentity.generate();
    console.log(`network:     ${network.name} (${network.url})`);
    if (!network.mainnet) console.log('root key:    fetched from that network: the verdict is only as trustworthy as whoever runs it');
    console.log(`identity:    ${identity.getPrincipal().toText()} (throwaway, read-only)`);
    const verdict = await verifySealed(await connect(network, identity), canister, expected);
    console.log(`canister:    ${canister.toText()}`);
    console.log(`module hash: ${verdict.moduleHash ?? 'none (empty canister)'}`);
    console.log(`controllers: ${verdict.controllers.length === 0 ? 'none' : verdict.controllers.map((c) => c.toText()).join(', ')}`);
    console.log(`sealed:      ${verdict.sealed ? 'yes: nobody can change its code' : 'NO: its controllers can change its code at any time'}`);
    if (verdict.matches !== null) console.log(`expected:    ${verdict.matches ? 'matches' : `MISMATCH: expected ${expected}`}`);
    console.log(`verdict:     ${verdictText(verdict)}`);
    return verdict.verified ? 0 : 1;
}

/** The verdict in one line, with what to do next when it is not verified. */
function verdictText(verdict: Verdict): string {
    if (verdict.moduleHash === null) return 'NOT VERIFIED: it runs no module (an empty canister); check the canister id';
    if (!verdict.sealed) return 'NOT VERIFIED: do not rely on it while it has controllers; they can seal it (scripts/seal.ts, or update_settings with no controllers), then verify again';
    if (verdict.matches === false) {
        return 'NOT VERIFIED: it runs another build; rebuild the sources you reviewed (npm run build) and compare with the exact file that was installed (.wasm.gz if gzipped)';
    }
    if (verdict.matches === null) return 'sealed; its module was not compared: pass --expect-wasm <the build you reviewed> to check that it runs that code';
    return 'VERIFIED: sealed, and runs exactly the expected module';
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runMain(() => main(process.argv.slice(2)), USAGE);
