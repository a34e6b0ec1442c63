/**
 * Checks that a canister is sealed and which build it runs, from the certified state: anyone can
 * run it, no controller needed. Exits 0 when it has no controllers (and, with `--expect`, runs
 * exactly that module hash); 1 otherwise.
 *
 *   npx tsx scripts/verify.ts --network local|ic|<url> --canister <id> [--expect <sha256 hex> | --expect-wasm <path>]
 *
 * It reads with a fresh throwaway identity (printed), never the anonymous one.
 */
import { readFile } from 'node:fs/promises';

import type { HttpAgent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';

import { certifiedInfo, connect, option, resolveNetwork, sha256Hex } from './lib/ic.js';

export type Verdict = { sealed: boolean; moduleHash: string | null; controllers: Principal[]; matches: boolean | null };

/** Reads controllers and module hash from the certified state and judges them. */
export async function verifySealed(agent: HttpAgent, canisterId: Principal, expectedHash?: string): Promise<Verdict> {
    const info = await certifiedInfo(agent, canisterId);
    return {
        sealed: info.controllers.length === 0,
        moduleHash: info.moduleHash,
        controllers: info.controllers,
        matches: expectedHash === undefined ? null : info.moduleHash === expectedHash.toLowerCase()
    };
}

async function main(argv: string[]): Promise<number> {
    const networkName = option(argv, '--network');
    const canister = option(argv, '--canister');
    if (networkName === undefined || canister === undefined) {
        console.error('usage: npx tsx scripts/verify.ts --network local|ic|<url> --canister <id> [--expect <sha256 hex> | --expect-wasm <path>]');
        return 2;
    }
    const network = resolveNetwork(networkName);
    const identity = Ed25519KeyIdentity.generate();
    console.log(`network:  ${network.name} (${network.url})`);
    console.log(`identity: ${identity.getPrincipal().toText()} (throwaway, read-only)`);
    const expectWasm = option(argv, '--expect-wasm');
    const expected = option(argv, '--expect') ?? (expectWasm === undefined ? undefined : sha256Hex(new Uint8Array(await readFile(expectWasm))));
    const verdict = await verifySealed(await connect(network, identity), Principal.fromText(canister), expected);
    console.log(`canister:    ${canister}`);
    console.log(`module hash: ${verdict.moduleHash ?? 'none (empty canister)'}`);
    console.log(`controllers: ${verdict.controllers.length === 0 ? 'none' : verdict.controllers.map((c) => c.toText()).join(', ')}`);
    console.log(`sealed:      ${verdict.sealed ? 'yes: nobody can change its code' : 'NO: its controllers can change its code'}`);
    if (verdict.matches !== null) console.log(`expected:    ${verdict.matches ? 'matches' : `MISMATCH (expected ${expected})`}`);
    return verdict.sealed && verdict.matches !== false ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error instanceof Error ? error.message : String(error));
            process.exit(1);
        }
    );
}
