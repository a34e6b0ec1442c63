/**
 * Deploys the upgrader and seals it: once installed, every controller is removed, so its code
 * can never change again. Prints the canister id and the module hash, then reads both back
 * from the certified state.
 *
 *   npx tsx scripts/seal.ts --network local|ic|<url> --identity <file> [--canister <id>] [--wasm <path>]
 *                           [--registration-fee <cycles>] [--storage-fee-per-mib <cycles>]
 *
 * `--identity` names an Ed25519 identity file (see scripts/lib/ic.ts); there is no default. Without
 * `--canister` a canister is created with the local network's provisional API (on the IC, create
 * one first and pass its id; the identity must control it). Default wasm: the build's gzipped
 * upgrader module. The prices are fixed at install: without the two fee options the upgrader's
 * defaults apply (see canisters/upgrader/README.md, "Capacity"); give both, 0 for a private
 * deployment.
 */
import { readFile } from 'node:fs/promises';

import type { HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { InitArgs, type InstallSettings } from '../canisters/upgrader/types.js';
import { certifiedInfo, connect, createCanister, installCode, loadIdentity, option, resolveNetwork, setControllers, sha256Hex } from './lib/ic.js';
import { gzWasmPath } from './paths.js';

export type SealResult = { canisterId: Principal; moduleHash: string; controllers: Principal[] };

/** The prices a deployment fixes; the bounds keep their defaults. */
export function priced(registrationFee: bigint, storageFeePerMib: bigint): InstallSettings {
    return { registration_fee: registrationFee, storage_fee_per_mib: storageFeePerMib, max_apps: [], max_proposals_kept: [], max_audit_entries_per_app: [] };
}

/**
 * Installs `wasm` into `canisterId` (or a new canister) with `settings` as its init argument
 * (default: none, so the upgrader's default prices), and removes every controller.
 * @throws when the certified state does not show an empty controller list and the module's hash.
 */
export async function sealUpgrader(agent: HttpAgent, wasm: Uint8Array, canisterId?: Principal, settings?: InstallSettings): Promise<SealResult> {
    const self = await agent.getPrincipal();
    const id = canisterId ?? (await createCanister(agent, [self]));
    const arg = settings === undefined ? IDL.encode([], []) : IDL.encode([InitArgs], [[settings]]);
    await installCode(agent, id, wasm, new Uint8Array(arg));
    await setControllers(agent, id, []);
    const info = await certifiedInfo(agent, id);
    const moduleHash = sha256Hex(wasm);
    if (info.controllers.length !== 0) throw new Error(`${id.toText()} still has controllers: ${info.controllers.map((c) => c.toText()).join(', ')}`);
    if (info.moduleHash !== moduleHash) throw new Error(`${id.toText()} runs module ${info.moduleHash ?? 'none'}, not ${moduleHash}`);
    return { canisterId: id, moduleHash, controllers: info.controllers };
}

async function main(argv: string[]): Promise<number> {
    const networkName = option(argv, '--network');
    const identityPath = option(argv, '--identity');
    if (networkName === undefined || identityPath === undefined) {
        console.error('usage: npx tsx scripts/seal.ts --network local|ic|<url> --identity <file> [--canister <id>] [--wasm <path>]');
        return 2;
    }
    const network = resolveNetwork(networkName);
    const identity = await loadIdentity(identityPath);
    console.log(`network:  ${network.name} (${network.url})`);
    console.log(`identity: ${identity.getPrincipal().toText()}`);
    const agent = await connect(network, identity);
    const wasm = new Uint8Array(await readFile(option(argv, '--wasm') ?? gzWasmPath('upgrader')));
    const canister = option(argv, '--canister');
    const registrationFee = option(argv, '--registration-fee');
    const storageFee = option(argv, '--storage-fee-per-mib');
    if ((registrationFee === undefined) !== (storageFee === undefined)) {
        console.error('give both --registration-fee and --storage-fee-per-mib (cycles; 0 for a private deployment), or neither for the defaults');
        return 2;
    }
    const settings = registrationFee === undefined || storageFee === undefined ? undefined : priced(BigInt(registrationFee), BigInt(storageFee));
    console.log(`prices:   ${settings === undefined ? "the upgrader's defaults" : `registration ${settings.registration_fee}, storage ${settings.storage_fee_per_mib} per MiB (cycles)`}`);
    const sealed = await sealUpgrader(agent, wasm, canister === undefined ? undefined : Principal.fromText(canister), settings);
    console.log(`upgrader:    ${sealed.canisterId.toText()}`);
    console.log(`module hash: ${sealed.moduleHash}`);
    console.log('controllers: none (sealed; checked in the certified state)');
    return 0;
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
