/** `rehearse`: an upgrade rehearsed offline on the app's live state (or a backup), with its budget report. */
import { Principal } from '@dfinity/principal';
import { Command } from 'commander';

import { reportLines } from '../../rehearsal/format.js';
import { DEFAULT_MAX_SHARE_PERCENT, rehearse } from '../../rehearsal/rehearse.js';
import { parsePrincipal, readBytes } from '../args.js';
import { upgradeArgument } from '../candid-argument.js';
import { examples, handle, type Run } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { backupState, liveState } from '../rehearse-state.js';

interface RehearseOptions {
    app: string;
    wasm: string;
    arg?: string;
    fromBackup?: string;
    maxShare?: string;
    health?: string;
}

function parseShare(text: string): number {
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0 && value <= 100)) throw new UsageError(`--max-share: a percent above 0 and at most 100 (e.g. 50), not ${JSON.stringify(text)}`);
    return value;
}

/**
 * The health check: --health, else the policy's when the app is registered with the upgrader,
 * else none. On a backup (`offline`), an unreachable upgrader means none, with the reason.
 */
async function healthCheckOf(ctx: Context, app: Principal, given: string | undefined, offline: boolean): Promise<{ method: string | null; caller?: Principal; note?: string }> {
    let upgrader: Principal;
    try {
        upgrader = await ctx.upgraderId();
    } catch (error) {
        if (error instanceof UsageError) return { method: given ?? null };
        throw error;
    }
    if (given !== undefined) return { method: given, caller: upgrader };
    try {
        const registered = await (await ctx.client(true)).getApp(app);
        return { method: registered?.policy.health_check[0] ?? null, caller: upgrader };
    } catch (error) {
        if (!offline) throw error;
        return { method: null, note: `the upgrader's policy could not be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); give --health <method>` };
    }
}

export function rehearseCommand(run: Run): Command {
    const command = new Command('rehearse')
        .description(
            "Rehearse an upgrade offline: load the app's live state (its newest snapshot, downloaded; or a backup folder) into an embedded replica under the app's own id and controllers, upgrade it to the new module, upgrade it again (can the new version itself be upgraded?), then run the health check. Reports each hook's instructions against the IC's limits and the memories before and after. Exit 0 passed, 1 a step failed or a hook used more than --max-share of its limit, 2 bad input."
        )
        .requiredOption('--app <id>', 'the app canister (the identity must be one of its controllers to download its state)')
        .requiredOption('--wasm <path>', 'the new module, raw or gzipped as it would be installed')
        .option('--arg <candid|hex>', "the upgrade argument: Candid text typed by the module's candid:args, such as '(record { limit = 7 })', or hex; default ()")
        .option('--from-backup <dir>', 'rehearse on a backup folder written by `npx upgrader backup` instead of the live state')
        .option('--max-share <percent>', `the share of its instruction limit a hook may use (default ${DEFAULT_MAX_SHARE_PERCENT})`)
        .option('--health <method>', "the health check, () -> (bool); default: the policy's when the app is registered with the upgrader");
    examples(command, 'rehearse --app <app> --wasm .azle/demo_app_v2/demo_app_v2.wasm.gz --arg 4449444c0000', 'rehearse --app <app> --wasm v2.wasm.gz --from-backup ./backup --health health --json');
    return handle<RehearseOptions>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        const newModule = await readBytes(options.wasm, ctx.io.cwd, '--wasm');
        const arg = await upgradeArgument(options.arg, newModule);
        const maxSharePercent = options.maxShare === undefined ? DEFAULT_MAX_SHARE_PERCENT : parseShare(options.maxShare);
        const health = await healthCheckOf(ctx, app, options.health, options.fromBackup !== undefined);
        const loaded = options.fromBackup === undefined ? await liveState(ctx, app) : await backupState(ctx, app, options.fromBackup);
        const report = await rehearse({ app: loaded.state, newModule, arg, healthCheck: health.method, healthCaller: health.caller, maxSharePercent });
        return {
            data: { report, state_from: loaded.from, controllers_from: loaded.controllersFrom, health_check: health.method },
            lines: [`state: ${loaded.from}`, `controllers: ${loaded.controllersFrom}`, ...(health.note === undefined ? [] : [`health check: ${health.note}`]), ...reportLines(report)],
            exitCode: report.passed ? 0 : 1
        };
    });
}
