/**
 * Checks what you vote for: reads an upgrade (or a group's rollout) proposal from the upgrader, downloads the module it
 * names (queries: anyone may, at no cost to the upgrader), checks that the bytes hash to the
 * proposal's module hash, and compares them with your own (reproducible) build.
 *
 *   npx tsx scripts/compare-module.ts --network local|ic|<url> --upgrader <id> --proposal <id> --wasm <your build>
 *
 * Exit 0: "matches your build". Exit 1: something differs, and what (hashes, sizes, gzip or raw,
 * the first differing Wasm section and every section that differs). Exit 2: a usage error, or
 * nothing to compare (no such proposal, or a proposal that installs no module). Exit 1 as well when
 * the check could not run (network, upgrader unreachable...), with the reason. It reads with a fresh throwaway identity
 * (printed), never the anonymous one.
 *
 * `compareProposalModule` is the same check as a function returning a typed verdict.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

import type { Agent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';

import { compareModules, describeComparison, type ModuleComparison } from '../src/client/module-diff.js';
import { ModuleHashMismatchError, ModuleIncompleteError, ModuleNotFoundError, UpgraderClient } from '../src/client/upgrader.js';
import { toHex } from '../src/encoding/hex.js';
import { parseOptions, principalOption, runMain, UsageError } from './lib/args.js';
import { connect, resolveNetwork, sha256Hex } from './lib/ic.js';

const USAGE = 'usage: npx tsx scripts/compare-module.ts --network local|ic|<url> --upgrader <id> --proposal <id> --wasm <path to your build>';

export interface CompareProposalModuleOptions {
    /** Any agent: the check only makes queries. */
    agent: Agent;
    upgraderId: Principal;
    proposalId: bigint;
    /** Your own build of the module, raw or gzipped, exactly as you would upload it. */
    localWasm: Uint8Array;
    /** Called after each chunk downloaded with (chunks received, chunks in all). */
    onProgress?: (received: number, total: number) => void;
}

/** The module a proposal names. */
export interface ProposalModule {
    proposalId: bigint;
    app: Principal;
    moduleHash: Uint8Array;
    /** The proposal's status (`open`, `executing`, `executed`...). */
    status: string;
}

/**
 * What the check found:
 * - `matches`: the module stored for the proposal is byte for byte your build;
 * - `differs`: it is not (`storedHashMismatch`: the stored bytes do not even hash to the proposal's
 *   module hash, so the IC would refuse them);
 * - `hash-only`: the upgrader no longer stores the module (it is reclaimed once an upgrade
 *   installed it), so only the hashes were compared;
 * - `no-proposal`, `no-module`: nothing to compare.
 */
export type ProposalModuleVerdict =
    | { kind: 'matches'; proposal: ProposalModule; comparison: ModuleComparison }
    | { kind: 'differs'; proposal: ProposalModule; comparison: ModuleComparison; storedHashMismatch: boolean }
    | { kind: 'hash-only'; proposal: ProposalModule; matches: boolean; localSha256: string; localSize: number; why: string }
    | { kind: 'no-proposal'; proposalId: bigint }
    | { kind: 'no-module'; proposalId: bigint; action: string };

/** Compares the module a proposal names with `localWasm` (see ProposalModuleVerdict). */
export async function compareProposalModule({ agent, upgraderId, proposalId, localWasm, onProgress }: CompareProposalModuleOptions): Promise<ProposalModuleVerdict> {
    const upgrader = UpgraderClient.create({ agent, canisterId: upgraderId });
    const found = await upgrader.getProposal(proposalId);
    if (found === undefined) return { kind: 'no-proposal', proposalId };
    // An upgrade's module is in its app's store; a group's rollout's, in the group's.
    const action = found.action;
    const upgrade = 'upgrade' in action ? action.upgrade : 'rollout' in action ? action.rollout.upgrade : undefined;
    if (upgrade === undefined) return { kind: 'no-module', proposalId, action: Object.keys(action)[0] ?? 'unknown' };
    const proposal: ProposalModule = { proposalId, app: found.app, moduleHash: upgrade.module_hash, status: Object.keys(found.status)[0] ?? 'unknown' };

    let stored: Uint8Array;
    let storedHashMismatch = false;
    try {
        stored = await upgrader.downloadModule(proposal.app, proposal.moduleHash, { onProgress });
    } catch (error) {
        if (error instanceof ModuleHashMismatchError) {
            stored = error.bytes;
            storedHashMismatch = true;
        } else if (error instanceof ModuleNotFoundError || error instanceof ModuleIncompleteError) {
            const localSha256 = sha256Hex(localWasm);
            const why = error instanceof ModuleNotFoundError ? 'the upgrader no longer stores the module (it is reclaimed once an upgrade installed it, or was deleted)' : error.message;
            return { kind: 'hash-only', proposal, matches: localSha256 === toHex(proposal.moduleHash), localSha256, localSize: localWasm.length, why };
        } else {
            throw error;
        }
    }
    const comparison = await compareModules(stored, localWasm);
    if (!storedHashMismatch && comparison.difference.kind === 'identical') return { kind: 'matches', proposal, comparison };
    return { kind: 'differs', proposal, comparison, storedHashMismatch };
}

/** The verdict as lines for a person, and the exit code (0 matches, 1 differs, 2 nothing to compare). */
export function reportVerdict(verdict: ProposalModuleVerdict): { lines: string[]; exitCode: 0 | 1 | 2 } {
    switch (verdict.kind) {
        case 'no-proposal':
            return { lines: [`proposal ${verdict.proposalId} does not exist on this upgrader (or was dropped from its history): check the id and the --upgrader and --network you gave`], exitCode: 2 };
        case 'no-module':
            if (verdict.action === 'hand_over') {
                return { lines: [`proposal ${verdict.proposalId} hands the app over to a successor upgrader: its module is that canister's, not stored here; check it with scripts/verify.ts --canister <successor> --expect-wasm <your build of it>`], exitCode: 2 };
            }
            return { lines: [`proposal ${verdict.proposalId} is a ${verdict.action} proposal and installs no module: there is nothing to compare (check its action with get_proposal)`], exitCode: 2 };
        case 'hash-only': {
            const lines = [
                `proposal ${verdict.proposal.proposalId} (${verdict.proposal.status}) names module ${toHex(verdict.proposal.moduleHash)}; ${verdict.why}, so only hashes are compared`,
                `your build: ${verdict.localSha256}  ${verdict.localSize} bytes`
            ];
            if (verdict.matches) return { lines: [...lines, 'matches your build (by hash)'], exitCode: 0 };
            return { lines: [...lines, 'DIFFERS: your build does not hash to the proposal\'s module hash (its bytes are not available to say where)'], exitCode: 1 };
        }
        case 'matches':
        case 'differs': {
            const head = `proposal ${verdict.proposal.proposalId} (${verdict.proposal.status}) upgrades ${verdict.proposal.app.toText()} to module ${toHex(verdict.proposal.moduleHash)}`;
            const lines = [head, ...describeComparison(verdict.comparison)];
            if (verdict.kind === 'differs' && verdict.storedHashMismatch) {
                lines.push('ALSO: the stored bytes do not hash to the proposal\'s module hash: the IC will refuse to install them; do not approve');
            }
            return { lines, exitCode: verdict.kind === 'matches' ? 0 : 1 };
        }
    }
}

const OPTIONS = ['--network', '--upgrader', '--proposal', '--wasm'] as const;

async function main(argv: string[]): Promise<number> {
    const options = parseOptions(argv, OPTIONS);
    if (options['--network'] === undefined || options['--upgrader'] === undefined || options['--proposal'] === undefined || options['--wasm'] === undefined) {
        throw new UsageError('--network, --upgrader, --proposal and --wasm are all needed');
    }
    const proposal = options['--proposal'];
    if (!/^\d{1,20}$/.test(proposal)) throw new UsageError(`--proposal must be a proposal id (a whole number), not ${JSON.stringify(proposal)}`);
    const upgraderId = principalOption('--upgrader', options['--upgrader']);
    const network = resolveNetwork(options['--network']);
    const wasmPath = options['--wasm'];
    let localWasm: Uint8Array;
    try {
        localWasm = new Uint8Array(await readFile(wasmPath));
    } catch (error) {
        throw new UsageError(`cannot read your build ${wasmPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const identity = Ed25519KeyIdentity.generate();
    console.log(`network:  ${network.name} (${network.url})`);
    console.log(`identity: ${identity.getPrincipal().toText()} (throwaway, read-only)`);
    console.log(`upgrader: ${upgraderId.toText()}`);
    let verdict: ProposalModuleVerdict;
    try {
        verdict = await compareProposalModule({
            agent: await connect(network, identity),
            upgraderId,
            proposalId: BigInt(proposal),
            localWasm,
            onProgress: (received, total) => console.log(`downloaded chunk ${received} of ${total}`)
        });
    } catch (error) {
        throw new Error(`could not check (is ${network.url} reachable and ${upgraderId.toText()} an upgrader?): ${error instanceof Error ? error.message : String(error)}`);
    }
    const { lines, exitCode } = reportVerdict(verdict);
    for (const line of lines) console.log(line);
    return exitCode;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runMain(() => main(process.argv.slice(2)), USAGE);
