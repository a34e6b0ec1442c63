/** `interface-check`: whether a new module's Candid interface can replace the old one without breaking clients. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { Principal } from '@dfinity/principal';
import { Command } from 'commander';

import { CandidSyntaxError } from '../../candid/lexer.js';
import { canisterInterface, checkInterface, type InterfaceVerdict, InterfaceUnavailableError, moduleInterface } from '../../client/interface-check.js';
import { readBytes } from '../args.js';
import { argumentBytes } from '../candid-argument.js';
import { examples, handle, type Run } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

interface InterfaceCheckOptions {
    old: string;
    new: string;
    arg?: string;
}

type Interface = { service: string; args?: string; from: string };

/** A `.did` file, a module file (its candid:service), or (for the old side) a canister id. */
async function interfaceOf(ctx: Context, spec: string, what: string, canisterAllowed: boolean): Promise<Interface> {
    const path = resolve(ctx.io.cwd, spec);
    if (existsSync(path)) {
        const bytes = await readBytes(spec, ctx.io.cwd, what);
        if (spec.endsWith('.did')) return { service: new TextDecoder().decode(bytes), from: spec };
        return { ...(await moduleInterface(bytes, spec)), from: `${spec} (candid:service)` };
    }
    let canister: Principal | undefined;
    try {
        canister = canisterAllowed ? Principal.fromText(spec) : undefined;
    } catch {
        canister = undefined;
    }
    if (canister === undefined) throw new UsageError(`${what}: ${spec} is no file${canisterAllowed ? ' and no canister id' : ''}`);
    return { service: await canisterInterface(await ctx.agent(true), canister), from: `canister ${spec} (certified candid:service)` };
}

/** The verdict as lines for a person. */
export function verdictLines(verdict: InterfaceVerdict): string[] {
    const lines = [verdict.compatible ? 'interface: compatible (no client of the old interface breaks)' : `interface: BREAKS CLIENTS (${verdict.breaking.length} problem${verdict.breaking.length === 1 ? '' : 's'})`];
    const where = (b: { method: string; path: string }): string => (b.path === '' ? b.method : `${b.method}: ${b.path}`);
    for (const b of verdict.breaking) lines.push(`  ✗ ${where(b)}: ${b.reason}`);
    for (const n of verdict.notes) lines.push(`  note ${where(n)}: ${n.reason}`);
    if (verdict.argument?.decodes === true) lines.push("  ✓ the argument decodes as the new module's init arguments");
    return lines;
}

export function interfaceCheckCommand(run: Run): Command {
    const command = new Command('interface-check')
        .description("Check that a new module's Candid interface can replace the old one without breaking any client (the Candid spec's subtyping), and that the upgrade argument decodes. Exit 0 compatible, 1 breaking, 2 bad input.")
        .requiredOption('--old <did|wasm|canister>', 'the running interface: a .did file, a module (its candid:service metadata), or a canister id (read from the certified state)')
        .requiredOption('--new <did|wasm>', 'the new interface: a .did file or a module')
        .option('--arg <candid|hex>', "the upgrade argument, checked against the new module's candid:args: Candid text such as '(opt record { limit = 7 })', or the encoded bytes in hex");
    examples(command, 'interface-check --old <app id> --new .azle/demo_app_v2/demo_app_v2.wasm.gz --arg 4449444c0000',
        "interface-check --old v1.wasm.gz --new v2.wasm.gz --arg '(opt record { limit = 7 })'", 'interface-check --old old.did --new new.did --json');
    return handle<InterfaceCheckOptions>(run, command, async (ctx, options) => {
        try {
            const before = await interfaceOf(ctx, options.old, '--old', true);
            const after = await interfaceOf(ctx, options.new, '--new', false);
            if (options.arg !== undefined && after.args === undefined) throw new UsageError("--arg needs the new module's init arguments: give --new as a module that carries candid:args metadata");
            const arg = options.arg === undefined || after.args === undefined ? undefined : argumentBytes(options.arg, '--arg', after);
            const verdict = checkInterface(before.service, after.service, arg, after.args);
            return {
                data: { compatible: verdict.compatible, breaking: verdict.breaking, notes: verdict.notes, argument: verdict.argument ?? null, old: before.from, new: after.from },
                lines: [`old: ${before.from}`, `new: ${after.from}`, ...verdictLines(verdict)],
                exitCode: verdict.compatible ? 0 : 1
            };
        } catch (error) {
            if (error instanceof InterfaceUnavailableError || error instanceof CandidSyntaxError) throw new UsageError(error.message);
            throw error;
        }
    });
}
