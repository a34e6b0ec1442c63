/** `deploy` (alias `seal`) and `verify`: putting the upgrader on a network for good, and checking that it is. */
import { Command } from 'commander';

import { gzWasmPath } from '../../../scripts/paths.js';
import { priced, sealUpgrader } from '../../../scripts/seal.js';
import { verifySealed } from '../../../scripts/verify.js';
import { sha256Hex } from '../../../scripts/lib/ic.js';
import { parseHash, parseNat, parsePrincipal, readBytes } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import { CliFailure, UsageError } from '../errors.js';
import { saveUpgraderId } from '../network.js';
import { fields } from '../output.js';

interface DeployOptions {
    wasm: string;
    canister?: string;
    registrationFee?: string;
    storageFeePerMib?: string;
    save?: boolean;
}

export function deployCommand(run: Run): Command {
    const command = new Command('deploy')
        .alias('seal')
        .description('Deploy the upgrader and seal it: install it with the prices it will charge for good, then remove every controller. Irreversible (asks, or --yes).')
        .option('--wasm <path>', 'the upgrader module to install', gzWasmPath('upgrader'))
        .option('--canister <id>', 'install into this empty canister, controlled by the identity (required on the IC; locally a new one is created with cycles)')
        .option('--registration-fee <cycles>', 'cycles register charges (with --storage-fee-per-mib; 0 for a private deployment; default 1 T)')
        .option('--storage-fee-per-mib <cycles>', 'cycles create_module charges per MiB (default 10 B)')
        .option('--save', 'record the id in ./canister_ids.json under the network name, for later commands');
    examples(command, 'deploy --registration-fee 0 --storage-fee-per-mib 0 --save --yes', 'seal --network ic --canister <empty canister id> --identity deployer');
    return handle<DeployOptions>(run, command, async (ctx, options) => {
        if ((options.registrationFee === undefined) !== (options.storageFeePerMib === undefined)) throw new UsageError('give both --registration-fee and --storage-fee-per-mib (cycles; 0 for a private deployment), or neither for the defaults');
        const settings = options.registrationFee === undefined || options.storageFeePerMib === undefined ? undefined : priced(parseNat(options.registrationFee, '--registration-fee'), parseNat(options.storageFeePerMib, '--storage-fee-per-mib'));
        const canister = options.canister === undefined ? undefined : parsePrincipal(options.canister, '--canister');
        if (canister === undefined && !ctx.network.local) throw new UsageError(`creating a canister needs a local network's provisional API: on ${ctx.network.name}, create an empty canister (dfx canister create) and pass --canister <id>`);
        const wasm = await readBytes(options.wasm, ctx.io.cwd, '--wasm');
        await ctx.confirm(`Seal the upgrader (module ${sha256Hex(wasm).slice(0, 16)}…) on ${ctx.network.name}? Nobody will ever be able to change its code or prices.`);
        const agent = await ctx.agent();
        ctx.progress.note('installing the upgrader, then removing its controllers…');
        const sealed = await sealUpgrader(agent, wasm, canister, settings, (line) => ctx.progress.note(line)).catch((error: unknown) => {
            if (error instanceof Error && /still has controllers|runs module/.test(error.message)) throw new CliFailure('SealFailed', `${error.message}. Check the canister with \`npx upgrader verify\`.`);
            throw error;
        });
        const saved = options.save === true ? await saveUpgraderId(sealed.canisterId, ctx.network, ctx.io.cwd) : undefined;
        return {
            data: { upgrader: sealed.canisterId, module_hash: sealed.moduleHash, controllers: sealed.controllers, registration_fee: settings?.registration_fee ?? null, storage_fee_per_mib: settings?.storage_fee_per_mib ?? null, saved_to: saved ?? null },
            lines: [
                ...fields([
                    ['upgrader', sealed.canisterId.toText()],
                    ['module hash', sealed.moduleHash],
                    ['controllers', 'none (sealed; checked in the certified state)'],
                    ['prices', settings === undefined ? "the upgrader's defaults" : `registration ${settings.registration_fee}, storage ${settings.storage_fee_per_mib} per MiB (cycles)`]
                ]),
                ...(saved === undefined ? [] : [`saved to ${saved}`])
            ]
        };
    });
}

interface VerifyOptions {
    canister?: string;
    expect?: string;
    expectWasm?: string;
}

export function verifyCommand(run: Run): Command {
    const command = new Command('verify')
        .description("Check from the certified state that a canister (default: the upgrader) has no controllers and, with --expect, runs that module. Exits 1 if not.")
        .option('--canister <id>', 'the canister to check (default: the upgrader)')
        .option('--expect <sha256>', 'the module hash it must run')
        .option('--expect-wasm <path>', 'a module file whose SHA-256 it must run');
    examples(command, 'verify --upgrader ryjl3-tyaaa-aaaaa-aaaba-cai --expect-wasm .azle/upgrader/upgrader.wasm.gz', 'verify --network ic --canister <id> --json');
    return handle<VerifyOptions>(run, command, async (ctx, options) => {
        if (options.expect !== undefined && options.expectWasm !== undefined) throw new UsageError('give --expect or --expect-wasm, not both');
        const canister = options.canister === undefined ? await ctx.upgraderId() : parsePrincipal(options.canister, '--canister');
        const expected = options.expectWasm !== undefined ? sha256Hex(await readBytes(options.expectWasm, ctx.io.cwd, '--expect-wasm')) : options.expect === undefined ? undefined : Buffer.from(parseHash(options.expect, '--expect')).toString('hex');
        const verdict = await verifySealed(await ctx.agent(true), canister, expected);
        return {
            data: { canister, sealed: verdict.sealed, module_hash: verdict.moduleHash, controllers: verdict.controllers, expected_hash: expected ?? null, matches: verdict.matches },
            lines: fields([
                ['canister', canister.toText()],
                ['module hash', verdict.moduleHash ?? 'none (empty canister)'],
                ['controllers', verdict.controllers.length === 0 ? 'none' : verdict.controllers.map((c) => c.toText()).join(', ')],
                ['sealed', verdict.sealed ? 'yes: nobody can change its code' : 'NO: its controllers can change its code'],
                ...(verdict.matches === null ? [] : ([['expected', verdict.matches ? 'matches' : `MISMATCH (expected ${expected})`]] as Array<[string, string]>))
            ]),
            exitCode: verdict.verified ? 0 : 1
        };
    });
}
