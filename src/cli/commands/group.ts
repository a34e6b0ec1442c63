/**
 * `group create | join | leave | members`: fleets, apps that share one policy and are upgraded
 * together by one proposal (`rollout`). A group is named by the reserved principal `group
 * create` prints; joining registers each app under the group's policy, with registration's
 * checks (the upgrader and the group's recovery principal control it, and so does the caller).
 */
import type { Principal } from '@dfinity/principal';
import { Command } from 'commander';

import type { AppInfo } from '../../../canisters/upgrader/types.js';
import { AppAlreadyRegisteredError, type UpgraderClient, UpgraderClientError } from '../../client/upgrader.js';
import { collect, parsePrincipal, parsePrincipalList, parseSmall } from '../args.js';
import { examples, handle, type Run } from '../command.js';
import type { Context } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';
import { groupRecord } from '../group-record.js';
import { eachLimited } from '../limited.js';
import { fields } from '../output.js';
import { rejectFailure } from '../rejects.js';
import { addPageOptions, type PageOptions } from './page-options.js';
import { addPolicyOptions, type PolicyOptions, policyFrom } from './policy-options.js';
import { appLines } from './show.js';

export function groupCommand(run: Run): Command {
    const command = new Command('group')
        .description("Fleets: create a group of apps under one policy (voters, threshold, proposers, recovery principal), add apps to it, take them out, list them. One `rollout` proposal upgrades its members; `watch --group` follows it.")
        .addCommand(createCommand(run))
        .addCommand(joinCommand(run))
        .addCommand(leaveCommand(run))
        .addCommand(membersCommand(run));
    examples(command, 'group create --recovery <principal> --voter <alice> --voter <bob> --threshold 2 --proposer <maintainer> --health-check health', 'group join --group <group id> --app <app> --app <app> --identity recovery', 'group members --group <group id> --all');
    return command;
}

interface CreateOptions extends PolicyOptions {
    recovery: string;
}

function createCommand(run: Run): Command {
    const command = addPolicyOptions(
        new Command('create')
            .description("Create a group: its voters, threshold, proposers, health check, snapshot policy and recovery principal, which every member shares. Prints the group's id (a reserved principal) that names it from then on. Anyone may, on a free (private) upgrader: a priced one's fee can only be attached by a canister.")
            .requiredOption('--recovery <principal>', "the group's recovery principal: must be a controller of every app that joins")
    );
    examples(command, 'group create --recovery <principal> --voter <alice> --voter <bob>:2 --threshold 2 --proposer <maintainer> --health-check health --snapshots-keep 1');
    return handle<CreateOptions>(run, command, async (ctx, options) => {
        const change = policyFrom(options);
        const recovery = parsePrincipal(options.recovery, '--recovery');
        const client = await ctx.client();
        await requireFreeRegistration(client, 'create a group');
        const info = await client.createGroup({ recovery, policy: change.policy, snapshot_policy: change.snapshot_policy });
        const id = info.app.toText();
        return {
            data: { group: info.app, info },
            lines: [...fields([['group', id]]), ...appLines(info), `Add apps: npx upgrader group join --group ${id} --app <app> (as the recovery principal or a proposer, a controller of the app; the upgrader and ${recovery.toText()} must control it too)`]
        };
    });
}

interface JoinOptions {
    group: string;
    app?: string[];
    appsFile?: string;
    parallel: string;
}

/** Apps that could not join listed one per line at most, in text; --json lists every one. */
const MAX_LISTED = 50;

type JoinResult = { app: Principal; joined: true } | { app: Principal; joined: false; already: true } | { app: Principal; joined: false; already: false; error: string };

function joinCommand(run: Run): Command {
    const command = new Command('join')
        .description("Register apps into a group, under the group's policy: as one of its proposers or its recovery principal, a controller of each app (the upgrader and the group's recovery principal must control them too). An app already in the group counts as done, so a run that stopped half-way can be run again. Exit 1 if any app could not join (each is listed with why).")
        .requiredOption('--group <id>', 'the group')
        .option('--app <id>', 'an app to add; repeat for each', collect)
        .option('--apps-file <path>', 'a file of apps to add, one principal per line (blank lines and # comments skipped)')
        .option('--parallel <n>', 'joins in flight at once (1-50)', '8');
    examples(command, 'group join --group <group id> --app bkyz2-fmaaa-aaaaa-qaaaq-cai --identity recovery', 'group join --group <group id> --apps-file fleet.txt --parallel 16 --identity recovery');
    return handle<JoinOptions>(run, command, async (ctx, options) => {
        const group = parsePrincipal(options.group, '--group');
        const apps = await parsePrincipalList(options.app, options.appsFile, ctx.io.cwd, { flag: '--app', fileFlag: '--apps-file' });
        if (apps.length === 0) throw new UsageError('name the apps to add: --app <id> (repeat it) or --apps-file <path>');
        const parallel = parseSmall(options.parallel, '--parallel', 50);
        if (parallel < 1) throw new UsageError('--parallel: at least 1');
        const client = await ctx.client();
        await requireJoiner(ctx, await groupRecord(client, group));
        await requireFreeRegistration(client, 'add an app to a group');
        const results = await joinAll(ctx, client, group, apps, parallel);
        const after = await client.getApp(group);
        return joinReport(group, results, after?.members);
    });
}

/** @throws CliFailure `FeeRequired` on a priced upgrader: a call from the CLI carries no cycles to pay the registration fee. */
async function requireFreeRegistration(client: UpgraderClient, what: string): Promise<void> {
    const fee = (await client.limits()).registration_fee;
    if (fee > 0n) throw new CliFailure('FeeRequired', `this upgrader charges ${fee} cycles to ${what}, and a call from the CLI carries no cycles: make the call from a canister (a cycles wallet) that attaches the fee`);
}

/** @throws CliFailure unless the identity is one of the group's proposers or its recovery principal. */
async function requireJoiner(ctx: Context, group: AppInfo): Promise<void> {
    const me = (await ctx.principal()).toText();
    if (group.recovery.toText() === me || group.policy.proposers.some((p) => p.toText() === me)) return;
    throw new CliFailure('NotAllowed', `${me} is neither a proposer nor the recovery principal of the group ${group.app.toText()}, so it cannot add apps: run it as one of them (--identity); \`npx upgrader status --app ${group.app.toText()}\` lists them`);
}

async function joinAll(ctx: Context, client: UpgraderClient, group: Principal, apps: Principal[], parallel: number): Promise<JoinResult[]> {
    const results: JoinResult[] = new Array<JoinResult>(apps.length);
    let done = 0;
    ctx.progress.update(0, apps.length, 'apps joined');
    try {
        await eachLimited(apps, parallel, async (app, index) => {
            results[index] = await joinOne(client, group, app);
            done++;
            ctx.progress.update(done, apps.length, 'apps joined');
        });
    } finally {
        ctx.progress.end();
    }
    return results;
}

/** One app's join: joined, already a member, or refused (why); anything else (the network) is thrown. */
async function joinOne(client: UpgraderClient, group: Principal, app: Principal): Promise<JoinResult> {
    try {
        await client.joinGroup({ group, app });
        return { app, joined: true };
    } catch (error) {
        if (error instanceof AppAlreadyRegisteredError) {
            const where = (await client.getApp(app))?.group[0];
            if (where?.toText() === group.toText()) return { app, joined: false, already: true };
            const place = where === undefined ? 'on its own' : `in the group ${where.toText()}`;
            return { app, joined: false, already: false, error: `AppAlreadyRegisteredError: already registered ${place}; only an app the upgrader does not govern yet can join (its recovery principal can \`eject\` it first${where === undefined ? '' : ', or take it out with `group leave`'})` };
        }
        if (error instanceof UpgraderClientError) return { app, joined: false, already: false, error: `${error.name}: ${error.message}` };
        const rejected = rejectFailure(error);
        if (rejected !== undefined) return { app, joined: false, already: false, error: `${rejected.name}: ${rejected.message}` };
        throw error;
    }
}

function joinReport(group: Principal, results: JoinResult[], members: number | undefined): { data: Record<string, unknown>; lines: string[]; exitCode: number } {
    const joined = results.filter((r) => r.joined).map((r) => r.app);
    const already = results.flatMap((r) => (!r.joined && r.already ? [r.app] : []));
    const failed = results.flatMap((r) => (!r.joined && !r.already ? [{ app: r.app, error: r.error }] : []));
    const summary = `${joined.length} of ${results.length}${already.length === 0 ? '' : `; ${already.length} already members`}${failed.length === 0 ? '' : `; ${failed.length} FAILED`}`;
    return {
        data: { group, joined, already_members: already, failed, members: members ?? null },
        lines: [
            ...fields([
                ['group', group.toText()],
                ['joined', summary],
                ['members now', members === undefined ? 'unknown' : String(members)]
            ]),
            ...failed.slice(0, MAX_LISTED).map((f) => `not joined: ${f.app.toText()}: ${f.error}`),
            ...(failed.length > MAX_LISTED ? [`... and ${failed.length - MAX_LISTED} more not joined (--json lists every one)`] : [])
        ],
        exitCode: failed.length === 0 ? 0 : 1
    };
}

interface LeaveOptions {
    app: string;
}

function leaveCommand(run: Run): Command {
    const command = new Command('leave')
        .description("Take an app out of its group: it stays registered on its own, under the group's policy as it is now, and takes no part in the group's rollouts any more. As the group's recovery principal; not while the app's upgrade runs. Asks, or --yes.")
        .requiredOption('--app <id>', 'the member');
    examples(command, 'group leave --app bkyz2-fmaaa-aaaaa-qaaaq-cai --identity recovery --yes');
    return handle<LeaveOptions>(run, command, async (ctx, options) => {
        const app = parsePrincipal(options.app, '--app');
        const client = await ctx.client();
        const before = await client.getApp(app);
        const group = before?.group[0];
        if (before === undefined) throw new CliFailure('AppNotRegistered', `${app.toText()} is not registered with this upgrader, so it belongs to no group: check --app, --upgrader and --network`);
        if (group === undefined) throw new CliFailure('NotAMember', `${app.toText()} belongs to no group (it is registered on its own): nothing to leave`);
        await ctx.confirm(`Take ${app.toText()} out of the group ${group.toText()}? It stays registered on its own under the group's current policy, and the group's rollouts no longer upgrade it.`);
        const info = await client.leaveGroup(app);
        return { data: { app, group, info }, lines: [...fields([['left', `${app.toText()} left the group ${group.toText()}`]]), ...appLines(info)] };
    });
}

interface MembersOptions extends PageOptions {
    group: string;
}

function membersCommand(run: Run): Command {
    const command = addPageOptions(new Command('members').description("List a group's members by position, a page at a time. Anyone may read.").requiredOption('--group <id>', 'the group'), 'members', 500);
    examples(command, 'group members --group <group id>', 'group members --group <group id> --all --json');
    return handle<MembersOptions>(run, command, async (ctx, options) => {
        const group = parsePrincipal(options.group, '--group');
        const limit = parseSmall(options.limit, '--limit', 500);
        let start: number | undefined = parseSmall(options.start, '--start', 2 ** 32 - 1);
        const client = await ctx.client(true);
        await groupRecord(client, group);
        const members: Principal[] = [];
        const first = start;
        let total = 0;
        do {
            const page = await client.groupMembers({ group, start, limit });
            members.push(...page.members);
            total = page.total;
            start = page.next[0];
        } while (options.all === true && start !== undefined);
        return {
            data: { group, members, next: start ?? null, total },
            lines: [...members.map((member, i) => `${String(first + i).padStart(5)} ${member.toText()}`), `${members.length} members of ${total}${start === undefined ? '' : `; next page: --start ${start}`}`]
        };
    });
}
