/**
 * Deploys the upgrader and seals it: once installed, every controller is removed, so its code
 * can never change again. Prints the canister id and the module hash, read back from the
 * certified state.
 *
 *   npx tsx scripts/seal.ts --network local|ic|<url> --identity <file> [--canister <id>] [--wasm <path>]
 *                           [--registration-fee <cycles> --storage-fee-per-mib <cycles>]
 *
 * `--identity` names an Ed25519 identity file (see scripts/lib/ic.ts); there is no default. Without
 * `--canister` a canister is created with a local network's provisional API (on the IC, create
 * one first and pass its id; the identity must control it, and it must be empty). Default wasm:
 * the build's gzipped upgrader module. The prices are fixed at install: without the two fee
 * options the upgrader's defaults apply (see canisters/upgrader/README.md, "Capacity"); give
 * both, 0 for a private deployment. Exit codes: 0 sealed, 1 failed, 2 usage error.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

import type { HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { InitArgs, type InstallSettings } from '../canisters/upgrader/types.js';
import { cyclesOption, parseOptions, principalOption, runMain, UsageError } from './lib/args.js';
import { certifiedInfo, connect, createCanister, installCode, loadIdentity, resolveNetwork, runStatus, setControllers, sha256Hex, startCanister } from './lib/ic.js';
import { gzWasmPath } from './paths.js';

const USAGE =
    'usage: npx tsx scripts/seal.ts --network local|ic|<url> --identity <file> [--canister <id>] [--wasm <path>] [--registration-fee <cycles> --storage-fee-per-mib <cycles>]';

export type SealResult = { canisterId: Principal; moduleHash: string; controllers: Principal[] };

/** The prices a deployment fixes; the bounds keep their defaults. */
export function priced(registrationFee: bigint, storageFeePerMib: bigint): InstallSettings {
    return { registration_fee: registrationFee, storage_fee_per_mib: storageFeePerMib, max_apps: [], max_proposals_kept: [], max_audit_entries_per_app: [] };
}

const names = (principals: readonly Principal[]): string => principals.map((p) => p.toText()).join(', ');

/**
 * Installs `wasm` into `canisterId` (or a new canister) with `settings` as its init argument
 * (default: none, so the upgrader's default prices), and removes every controller.
 *
 * An existing canister must be empty and controlled by the agent's identity. Its other
 * controllers are removed before the install, so that nobody can change the module between the
 * install and the seal, and the installed module's hash is checked in the certified state before
 * the last controller goes: a wrong module is never sealed. A stopped canister is started first:
 * sealed stopped, nobody could ever start it.
 * @throws with what to do next when the canister does not qualify, or when the certified state
 *   does not show the module's hash and then an empty controller list.
 */
export async function sealUpgrader(agent: HttpAgent, wasm: Uint8Array, canisterId?: Principal, settings?: InstallSettings, log: (line: string) => void = () => undefined): Promise<SealResult> {
    const self = await agent.getPrincipal();
    const moduleHash = sha256Hex(wasm);
    let id: Principal;
    if (canisterId === undefined) {
        id = await createCanister(agent, [self]);
        log(`created:     ${id.toText()}`);
    } else {
        id = canisterId;
        const before = await certifiedInfo(agent, id);
        if (!before.controllers.some((c) => c.toText() === self.toText())) {
            const owners = before.controllers.length === 0 ? 'it has none: it is sealed already' : `its controllers: ${names(before.controllers)}`;
            throw new Error(`${self.toText()} is not a controller of ${id.toText()} (${owners}). Run seal.ts with the identity of one of its controllers, or pass another canister.`);
        }
        if (before.moduleHash !== null) {
            throw new Error(`${id.toText()} is not empty: it runs module ${before.moduleHash}. seal.ts installs only into an empty canister: uninstall its code first (management canister uninstall_code), or pass another canister.`);
        }
        const others = before.controllers.filter((c) => c.toText() !== self.toText());
        if (others.length > 0) {
            await setControllers(agent, id, [self]);
            log(`removed:     ${names(others)} (controllers besides you, before the install)`);
        }
    }
    const arg = settings === undefined ? IDL.encode([], []) : IDL.encode([InitArgs], [[settings]]);
    await installCode(agent, id, wasm, new Uint8Array(arg));
    const installed = await certifiedInfo(agent, id);
    if (installed.moduleHash !== moduleHash) {
        throw new Error(`${id.toText()} runs module ${installed.moduleHash ?? 'none'} after the install, not ${moduleHash}: NOT sealed (you are still its controller). Find out who changed it before sealing.`);
    }
    // Sealed while stopped, it could never be started again.
    if ((await runStatus(agent, id)) !== 'running') {
        await startCanister(agent, id);
        const status = await runStatus(agent, id);
        if (status !== 'running') throw new Error(`${id.toText()} is ${status} and could not be started: NOT sealed (you are still its controller). Start it, then run seal.ts again.`);
        log(`started:     ${id.toText()} (it was stopped; sealed so, nobody could ever start it)`);
    }
    await setControllers(agent, id, []);
    const info = await certifiedInfo(agent, id);
    if (info.controllers.length !== 0) throw new Error(`${id.toText()} still has controllers: ${names(info.controllers)}`);
    if (info.moduleHash !== moduleHash) throw new Error(`${id.toText()} runs module ${info.moduleHash ?? 'none'}, not ${moduleHash}`);
    return { canisterId: id, moduleHash, controllers: info.controllers };
}

async function main(argv: string[]): Promise<number> {
    const options = parseOptions(argv, ['--network', '--identity', '--canister', '--wasm', '--registration-fee', '--storage-fee-per-mib']);
    if (options['--network'] === undefined || options['--identity'] === undefined) throw new UsageError('--network and --identity are required');
    const network = resolveNetwork(options['--network']);
    const registrationFee = options['--registration-fee'];
    const storageFee = options['--storage-fee-per-mib'];
    if ((registrationFee === undefined) !== (storageFee === undefined)) {
        throw new UsageError('give both --registration-fee and --storage-fee-per-mib (cycles; 0 for a private deployment), or neither for the defaults');
    }
    const settings =
        registrationFee === undefined || storageFee === undefined ? undefined : priced(cyclesOption('--registration-fee', registrationFee), cyclesOption('--storage-fee-per-mib', storageFee));
    const canister = options['--canister'] === undefined ? undefined : principalOption('--canister', options['--canister']);
    if (canister === undefined && network.mainnet) throw new UsageError('on the IC, create the canister first (e.g. with dfx or the cycles ledger) and pass its id with --canister');
    const wasmPath = options['--wasm'] ?? gzWasmPath('upgrader');
    const wasm = await readFile(wasmPath).then(
        (bytes) => new Uint8Array(bytes),
        (error: unknown) => {
            throw new UsageError(`cannot read the module ${wasmPath}: ${error instanceof Error ? error.message : String(error)} (npm run build -- upgrader builds it)`);
        }
    );
    const identity = await loadIdentity(options['--identity']);

    console.log(`network:     ${network.name} (${network.url})`);
    console.log(`identity:    ${identity.getPrincipal().toText()}`);
    console.log(`module:      ${wasmPath}`);
    console.log(`prices:      ${settings === undefined ? "the upgrader's defaults" : `registration ${settings.registration_fee}, storage ${settings.storage_fee_per_mib} per MiB (cycles)`}`);
    const agent = await connect(network, identity);
    const sealed = await sealUpgrader(agent, wasm, canister, settings, (line) => console.log(line));
    console.log(`upgrader:    ${sealed.canisterId.toText()}`);
    console.log(`module hash: ${sealed.moduleHash}`);
    console.log('controllers: none (sealed; checked in the certified state)');
    console.log(`next:        anyone can check it: npx tsx scripts/verify.ts --network ${options['--network']} --canister ${sealed.canisterId.toText()} --expect-wasm ${wasmPath}`);
    return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runMain(() => main(process.argv.slice(2)), USAGE);
