/**
 * The recovery principal's commands: `pause`, `unpause`, `emergency`, `restore`, `eject`. Each
 * needs the app's recovery principal as the identity; the last three ask first (or --yes).
 */
import { Command } from 'commander';

import { toHex } from '../../encoding/hex.js';
import { parseHexBytes, parsePrincipal } from '../args.js';
import { restoreFromBackup } from '../backup-restore.js';
import { examples, handle, type Run } from '../command.js';
import { UsageError } from '../errors.js';
import { fields } from '../output.js';
import { addRequestOptions, type RequestOptions, requestFrom } from './request-options.js';

interface AppOption {
    app: string;
}

export function pauseCommands(run: Run): Command[] {
    return (['pause', 'unpause'] as const).map((name) => {
        const command = new Command(name)
            .description(
                name === 'pause'
                    ? "Pause an app's upgrades: no proposals, votes or executions start (emergency ones still can). A group's id pauses its rollout: no member starts until unpause (those upgrading finish). As its recovery principal."
                    : "Let an app's upgrades (or a group's rollout) go on again. As its recovery principal."
            )
            .requiredOption('--app <id>', 'the app, or a group');
        examples(command, `${name} --app bkyz2-fmaaa-aaaaa-qaaaq-cai --identity recovery`);
        return handle<AppOption>(run, command, async (ctx, options) => {
            const app = parsePrincipal(options.app, '--app');
            const client = await ctx.client();
            await (name === 'pause' ? client.pause(app) : client.unpause(app));
            return { data: { app, paused: name === 'pause' }, lines: fields([[name === 'pause' ? 'paused' : 'unpaused', app.toText()]]) };
        });
    });
}

interface EmergencyOptions extends RequestOptions, AppOption {}

export function emergencyCommand(run: Run): Command {
    const command = addRequestOptions(
        new Command('emergency')
            .description('Upgrade an app without votes (also while paused), e.g. with --skip-pre-upgrade to escape a trapping pre_upgrade. As its recovery principal. Asks, or --yes. Follow it with `watch`.')
            .requiredOption('--app <id>', 'the app')
    );
    examples(command, 'emergency --app bkyz2-fmaaa-aaaaa-qaaaq-cai --module <sha256> --skip-pre-upgrade --identity recovery --yes');
    return handle<EmergencyOptions>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        const request = await requestFrom(options, ctx.io.cwd);
        await ctx.confirm(`Upgrade ${app.toText()} to ${toHex(request.module_hash)} WITHOUT votes?`);
        const id = await (await ctx.client()).emergencyUpgrade({ app, request });
        return { data: { app, proposal_id: id }, lines: [...fields([['emergency upgrade', `proposal ${id}`]]), `Follow it: npx upgrader watch ${id}`] };
    });
}

interface RestoreOptions extends AppOption {
    snapshot?: string;
    from?: string;
}

export function restoreCommand(run: Run): Command {
    const command = new Command('restore')
        .description(
            "Load a snapshot the upgrader took of an app (default: the newest): stop, load, start, through the upgrader. As its recovery principal. Asks, or --yes. Follow it with `watch`. With --from <dir>: restore a backup folder (`backup`) instead, checked whole first, as any controller of the app, straight to the management canister."
        )
        .requiredOption('--app <id>', 'the app')
        .option('--snapshot <hex>', 'the snapshot id (status --app lists them)')
        .option('--from <dir>', 'a backup folder written by `npx upgrader backup`');
    examples(command, 'restore --app bkyz2-fmaaa-aaaaa-qaaaq-cai --identity recovery --yes', 'restore --from backups/2026-12-02 --app bkyz2-fmaaa-aaaaa-qaaaq-cai --identity recovery --yes');
    return handle<RestoreOptions>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        if (options.from !== undefined) {
            if (options.snapshot !== undefined) throw new UsageError('--from and --snapshot: pass one of them');
            return restoreFromBackup(ctx, app, options.from);
        }
        const snapshot = options.snapshot === undefined ? undefined : parseHexBytes(options.snapshot, '--snapshot');
        await ctx.confirm(`Restore ${app.toText()} from ${snapshot === undefined ? 'its newest snapshot' : `snapshot ${toHex(snapshot)}`}? Its current state is replaced.`);
        const id = await (await ctx.client()).restoreSnapshot({ app, snapshot_id: snapshot === undefined ? [] : [snapshot] });
        return { data: { app, proposal_id: id }, lines: [...fields([['restore', `proposal ${id}`]]), `Follow it: npx upgrader watch ${id}`] };
    });
}

export function ejectCommand(run: Run): Command {
    const command = new Command('eject')
        .description('Hand an app back: remove the upgrader from its controllers (the recovery principal stays) and forget it. As its recovery principal. Asks, or --yes.')
        .requiredOption('--app <id>', 'the app');
    examples(command, 'eject --app bkyz2-fmaaa-aaaaa-qaaaq-cai --identity recovery --yes');
    return handle<AppOption>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        await ctx.confirm(`Remove the upgrader from ${app.toText()}'s controllers and forget the app?`);
        await (await ctx.client()).eject(app);
        return { data: { app, ejected: true }, lines: fields([['ejected', `${app.toText()} (the upgrader is no longer its controller)`]]) };
    });
}
