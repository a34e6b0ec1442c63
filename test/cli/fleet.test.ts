/**
 * Fleets through the CLI against the replica server: a group created, members joined (flags, a
 * file, a re-run), listed and one taken out; a rollout uploaded and proposed, voted with the
 * subject recomputed, and followed by `watch --group` to its outcome (counts, progress, the
 * members that failed and why); a halted rollout; an aborted one; and the refusals (bad plan
 * values, an unknown group, a caller who may not add apps).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { sha256 } from '@noble/hashes/sha2';

import { toHex } from '../../src/encoding/hex.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { fleetMemberModule } from '../fleet/member-module.js';
import { approvedRollout, createGroup, fleetCli } from './fleet-support.js';
import { cli, makeHome } from './support.js';

let server: ReplicaServer;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

const WATCH = ['--interval', '100', '--timeout', '120'];

it('creates a group, joins members (flags, a file, a re-run), lists them, rolls out v2 with one approval and watches it to its outcome', async () => {
    const scene = await fleetCli(server.url);
    const { home, run } = scene;
    const [m0, m1, m2] = (await scene.members(3)) as [string, string, string];

    const created = await run(['group', 'create', '--recovery', home.principal('recovery'), '--voter', home.principal('alice'), '--voter', home.principal('bob'), '--threshold', '2', '--proposer', home.principal('maintainer'), '--health-check', 'health', '--snapshots-keep', '1', '--identity', 'maintainer']);
    expect(created.code).toBe(0);
    const group = /^group: +(\S+)$/m.exec(created.stdout)?.[1] ?? '';
    expect(created.stdout).toMatch(new RegExp(`^recovery: +${home.principal('recovery')}$`, 'm'));
    expect(created.stdout).toMatch(new RegExp(`^Add apps: npx upgrader group join --group ${group} --app <app>`, 'm'));

    const joined = await run(['group', 'join', '--group', group, '--app', m0, '--app', m1, '--identity', 'recovery']);
    expect(joined.code).toBe(0);
    expect(joined.stdout).toMatch(/^joined: +2 of 2$/m);
    const list = join(home.dir, 'fleet.txt');
    writeFileSync(list, `# the fleet\n${m1}\n\n${m2}  # the new one\n`);
    // The maintainer may add apps to the group, but only apps it controls.
    const refused = await run(['group', 'join', '--group', group, '--apps-file', list, '--identity', 'maintainer']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^joined: +0 of 2; 1 already members; 1 FAILED$/m);
    expect(refused.stdout).toMatch(new RegExp(`^not joined: ${m2}: UnauthorizedError: Not allowed: only the app itself or one of its controllers may register it`, 'm'));
    const again = await run(['group', 'join', '--group', group, '--apps-file', list, '--identity', 'recovery', '--progress']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^joined: +1 of 2; 1 already members$/m);
    expect(again.stdout).toMatch(/^members now: +3$/m);
    expect(again.stderr).toMatch(/apps joined 2\/2\n$/);

    const page = await run(['group', 'members', '--group', group, '--limit', '2']);
    expect(page.stdout).toBe(`    0 ${m0}\n    1 ${m1}\n2 members of 3; next page: --start 2\n`);
    const all = await run(['group', 'members', '--group', group, '--all', '--json']);
    expect(all.json()).toEqual({ group, members: [m0, m1, m2], next: null, total: 3 });

    const v2 = await scene.moduleFile('v2');
    const v2Hash = toHex(sha256(await fleetMemberModule('v2')));
    const proposed = await run(['rollout', '--group', group, '--wasm', v2, '--canary', '1', '--batch-size', '2', '--max-concurrency', '2', '--max-failure-percent', '0', '--identity', 'maintainer']);
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toMatch(/^upload: +sent all 1 chunks$/m);
    expect(proposed.stdout).toMatch(new RegExp(`^action: +roll out ${v2Hash} to every member of the group \\(arg sha256 [0-9a-f]{64}; snapshot yes; canary 1, batches of 2, at most 2 at once, halt above 0% failures\\)$`, 'm'));
    const id = /^proposal: +(\d+)$/m.exec(proposed.stdout)?.[1] ?? '';
    expect(proposed.stdout).toMatch(new RegExp(`^Follow it: npx upgrader watch --group ${group}$`, 'm'));

    const status = await run(['status', '--proposal', id, '--json']);
    expect(status.json()).toMatchObject({ app: { app: group, members: 3, live_proposal: [id] }, proposal: { status: { open: null }, action: { rollout: { members: [], plan: { canary: 1, batch_size: 2, max_concurrency: 2, max_failure_percent: 0 } } } }, rollout: null });

    const compared = await run(['compare', '--proposal', id, '--wasm', v2]);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/matches your build/);
    const first = await run(['vote', id, '--approve', '--expect-wasm', v2, '--identity', 'alice', '--yes', '--json']);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ voted: 'approve', subject: status.json<{ proposal: { subject: string } }>().proposal.subject });
    expect((await run(['vote', id, '--approve', '--identity', 'bob', '--yes'])).code).toBe(0);

    const watched = await run(['watch', '--group', group, '--progress', ...WATCH]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(new RegExp(`^rollout: +proposal ${id} of group ${group}$`, 'm'));
    expect(watched.stdout).toMatch(/^rollout status: +finished$/m);
    expect(watched.stdout).toMatch(/^members: +3 of 3 ended: pending 0, running 0, upgraded 3, rolled back 0, failed 0, skipped 0$/m);
    expect(watched.stdout).toMatch(/\noutcome: +rolled_out\n$/);
    expect(watched.stderr).toMatch(/members ended \(upgraded 3\) 3\/3\n/);
    const byId = await run(['watch', id, '--json']);
    expect(byId.code).toBe(0);
    expect(byId.json()).toMatchObject({ outcome: 'rolled_out', success: true, problems: [], rollout: { counts: { upgraded: 3 } } });

    const groupStatus = await run(['status', '--app', group]);
    expect(groupStatus.stdout).toMatch(/^member apps: +3$/m);
    expect(groupStatus.stdout).toMatch(/^rollout status: +finished$/m);
    const memberStatus = await run(['status', '--app', m2, '--json']);
    expect(memberStatus.json()).toMatchObject({ app: { group: [group] }, rollout: null });

    const left = await run(['group', 'leave', '--app', m2, '--identity', 'recovery', '--yes']);
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(new RegExp(`^left: +${m2} left the group ${group}$`, 'm'));
    expect((await run(['group', 'members', '--group', group, '--json'])).json()).toMatchObject({ members: [m0, m1], total: 2 });
}, 300_000);

it('halts on a failing canary (watch exits 1 naming the rolled-back member and why), then holds a second rollout with pause and aborts it', async () => {
    const scene = await fleetCli(server.url);
    const { run } = scene;
    // Enough members, upgraded one at a time, that the second rollout is still running when `pause` lands.
    const members = await scene.members(8);
    const group = await createGroup(scene);
    expect((await run(['group', 'join', '--group', group, ...members.flatMap((m) => ['--app', m]), '--identity', 'recovery'])).code).toBe(0);

    await approvedRollout(scene, group, 'unhealthy', ['--canary', '1', '--max-failure-percent', '50']);
    const halted = await run(['watch', '--group', group, ...WATCH]);
    expect(halted.code).toBe(1);
    expect(halted.stdout).toMatch(/^rollout status: +halted: canary member 0 failed: rolled_back: health check health answered false$/m);
    expect(halted.stdout).toMatch(/^members: +8 of 8 ended: pending 0, running 0, upgraded 0, rolled back 1, failed 0, skipped 7$/m);
    expect(halted.stdout).toMatch(new RegExp(`^rolled back: ${members[0]} \\(member #0\\): rolled_back: health check health answered false$`, 'm'));
    expect(halted.stdout).toMatch(/^skipped: 7 members: the rollout ended before its turn$/m);
    expect(halted.stdout).toMatch(/\noutcome: +rollout_halted halted: canary member 0 failed: .*; 0 upgraded, 1 rolled back, 0 failed, 7 skipped\n$/);

    await approvedRollout(scene, group, 'v2', ['--canary', '0', '--batch-size', '1', '--max-concurrency', '1']);
    expect((await run(['pause', '--app', group, '--identity', 'recovery'])).code).toBe(0);
    const held = await run(['watch', '--group', group, '--interval', '100', '--timeout', '1']);
    expect(held.code).toBe(1);
    expect(held.stdout).toBe('the group is paused: no member starts until its recovery principal runs unpause\n');
    expect(held.stderr).toMatch(/\nWatchTimeout: the rollout of proposal \d+ has not ended after --timeout 1s/);

    expect((await run(['rollout', 'abort', '--group', group, '--identity', 'recovery'])).code).toBe(2);
    const aborted = await run(['rollout', 'abort', '--group', group, '--identity', 'recovery', '--yes']);
    expect(aborted.code).toBe(0);
    expect(aborted.stdout).toMatch(/^rollout status: +aborted: aborted by the recovery principal /m);
    expect(aborted.stdout).toMatch(new RegExp(`^The group stays paused: npx upgrader unpause --app ${group} before its next rollout\\.$`, 'm'));
    const watched = await run(['watch', '--group', group, '--json', ...WATCH]);
    expect(watched.code).toBe(1);
    const report = watched.json<{ outcome: string; success: boolean; rollout: { counts: Record<string, number> }; skipped: Array<{ count: number }> }>();
    expect(report.success).toBe(false);
    expect(report.outcome).toMatch(/^rollout_halted aborted: aborted by the recovery principal /);
    const { counts } = report.rollout;
    expect(counts.upgraded + counts.skipped).toBe(8);
    expect(counts.skipped).toBeGreaterThanOrEqual(1);
    expect(report.skipped.reduce((sum, s) => sum + s.count, 0)).toBe(counts.skipped);
    const again = await run(['rollout', 'abort', '--group', group, '--identity', 'recovery', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/InvalidArgumentError: Invalid argument: the group has no running rollout/);
}, 300_000);

it('refuses what cannot work with one line: an unknown group, a member given as a group, a caller who may not add apps, a plan past the upgrader\'s bounds; binds named members in the vote', async () => {
    const scene = await fleetCli(server.url);
    const { run, upgrader } = scene;
    const [m0, m1, m2] = (await scene.members(3)) as [string, string, string];
    const group = await createGroup(scene);
    const unknown = upgrader; // a canister, but no group or app of the upgrader
    const v2 = await scene.moduleFile('v2');

    for (const args of [
        ['group', 'join', '--group', unknown, '--app', m0, '--identity', 'recovery'],
        ['group', 'members', '--group', unknown],
        ['rollout', '--group', unknown, '--wasm', v2, '--identity', 'maintainer'],
        ['rollout', 'abort', '--group', unknown, '--identity', 'recovery', '--yes'],
        ['watch', '--group', unknown]
    ]) {
        const refused = await run(args);
        expect({ args, code: refused.code }).toEqual({ args, code: 1 });
        expect(refused.stderr).toMatch(new RegExp(`\\nGroupNotFound: ${unknown} names no group or app on this upgrader: give the id \`npx upgrader group create\` printed`));
    }
    const empty = await run(['rollout', '--group', group, '--wasm', v2, '--identity', 'maintainer']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(new RegExp(`\\nNoMembers: ${group} has no members: add apps with \`npx upgrader group join --group ${group}\` first`));
    expect(empty.stderr).not.toMatch(/module sha256/);
    const stranger = await run(['group', 'join', '--group', group, '--app', m0, '--identity', 'stranger']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/\nNotAllowed: \S+ is neither a proposer nor the recovery principal of the group/);

    expect((await run(['group', 'join', '--group', group, '--app', m0, '--app', m1, '--identity', 'recovery'])).code).toBe(0);
    const member = await run(['watch', '--group', m0]);
    expect(member.code).toBe(1);
    expect(member.stderr).toMatch(new RegExp(`\\nNotAGroup: ${m0} is a member of the group ${group}, not a group: give --group ${group}\\n$`));
    // An app on its own is no group either (its id says so: group-id.ts).
    expect((await run(['group', 'join', '--group', group, '--app', m2, '--identity', 'recovery'])).code).toBe(0);
    expect((await run(['group', 'leave', '--app', m2, '--identity', 'recovery', '--yes'])).code).toBe(0);
    const app = await run(['rollout', '--group', m2, '--wasm', v2, '--identity', 'maintainer']);
    expect(app.code).toBe(1);
    expect(app.stderr).toMatch(new RegExp(`\\nNotAGroup: ${m2} is an app, not a group`));
    const none = await run(['watch', '--group', group]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/\nNoRollout: the group \S+ has had no rollout yet: propose one with `npx upgrader rollout --group/);

    const tooWide = await run(['rollout', '--group', group, '--wasm', v2, '--max-concurrency', '51', '--identity', 'maintainer']);
    expect(tooWide.code).toBe(2);
    expect(tooWide.stderr).toMatch(/\nusage error: --max-concurrency: this upgrader runs at most 50 members at once, not 51\n$/);

    // A subset, in the order named: the vote's subject binds them; the argument is checked as for an upgrade.
    const named = await run(['rollout', '--group', group, '--wasm', v2, '--member', m1, '--member', m0, '--canary', '0', '--identity', 'maintainer', '--json']);
    expect(named.code).toBe(0);
    const proposal = named.json<{ proposal_id: string; proposal: { action: { rollout: { members: string[][] } } } }>();
    expect(proposal.proposal.action.rollout.members).toEqual([[m1, m0]]);
    // The module is in the group's store now: uploading it again, as another principal, sends nothing.
    const again = await run(['upload', v2, '--app', group, '--identity', 'recovery', '--json']);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ chunks_sent: 0, module: { complete: true, uploader: scene.home.principal('maintainer') } });
    const shown = await run(['status', '--proposal', proposal.proposal_id]);
    expect(shown.stdout).toMatch(/^action: +roll out [0-9a-f]{64} to 2 named members /m);
    const wrongArg = await run(['vote', proposal.proposal_id, '--approve', '--expect-arg', '4449444c016d7b00', '--identity', 'alice', '--yes']);
    expect(wrongArg.code).toBe(1);
    expect(wrongArg.stderr).toMatch(/NotWhatWasReviewed: .*nothing was voted/);
    const voted = await run(['vote', proposal.proposal_id, '--approve', '--expect-wasm', v2, '--expect-arg', '4449444c0000', '--identity', 'alice', '--yes', '--json']);
    expect(voted.code).toBe(0);
    expect(voted.json()).toMatchObject({ voted: 'approve', proposal: { approving_weight: 1, status: { open: null } } });
}, 300_000);

it('says on a priced upgrader that creating a group takes a canister to attach the fee, before calling', async () => {
    const home = makeHome(['deployer'], 'deployer');
    const run = (args: string[]) => cli(['--network', server.url, ...args], { home: home.dir });
    const deployed = await run(['deploy', '--registration-fee', '1000', '--storage-fee-per-mib', '0', '--save', '--yes', '--json']);
    expect(deployed.code).toBe(0);
    const created = await run(['group', 'create', '--recovery', home.principal('deployer'), '--voter', home.principal('deployer'), '--threshold', '1']);
    expect(created.code).toBe(1);
    expect(created.stderr).toMatch(/\nFeeRequired: this upgrader charges 1000 cycles to create a group, and a call from the CLI carries no cycles: make the call from a canister \(a cycles wallet\) that attaches the fee\n$/);
}, 120_000);

it('exits 2 with one line for bad fleet flags, before touching the network', async () => {
    const home = makeHome(['default']);
    const upgrader = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
    const group = 'cafrx-uthaa-aaaaa-aaaaa-a7y';
    const rollout = ['rollout', '--group', group, '--module', toHex(new Uint8Array(32)), '--network', 'http://127.0.0.1:9', '--upgrader', upgrader];
    const cases: Array<[string[], RegExp]> = [
        [[...rollout, '--batch-size', '0'], /^usage error: --batch-size: at least 1, not 0$/],
        [[...rollout, '--max-concurrency', '0'], /^usage error: --max-concurrency: at least 1, not 0$/],
        [[...rollout, '--max-failure-percent', '101'], /^usage error: --max-failure-percent: at most 100, not 101$/],
        [[...rollout, '--canary', 'two'], /^usage error: --canary: expected a whole number ≥ 0, not "two"$/],
        [[...rollout, '--member', 'nobody'], /^usage error: --member: "nobody" is not a principal/],
        [[...rollout, '--member', upgrader, '--member', upgrader], /^usage error: --member: ryjl3-tyaaa-aaaaa-aaaba-cai is named twice/],
        [['rollout', '--module', toHex(new Uint8Array(32))], /^error: required option '--group <id>' not specified$/],
        [['rollout', 'abort'], /^error: required option '--group <id>' not specified$/],
        [['group', 'join', '--group', group, '--upgrader', upgrader], /^usage error: name the apps to add: --app <id> \(repeat it\) or --apps-file <path>$/],
        [['group', 'join', '--group', group, '--app', upgrader, '--parallel', '0', '--upgrader', upgrader], /^usage error: --parallel: at least 1$/],
        [['group', 'create', '--voter', upgrader, '--threshold', '1', '--upgrader', upgrader], /^error: required option '--recovery <principal>' not specified$/],
        [['watch', '--upgrader', upgrader], /^usage error: give a proposal id, or --group <id> to follow a group's rollout \(one of them\)$/],
        [['watch', '3', '--group', group, '--upgrader', upgrader], /^usage error: give a proposal id, or --group <id>/]
    ];
    for (const [args, line] of cases) {
        const run = await cli(args, { home: home.dir });
        expect({ args, code: run.code }).toEqual({ args, code: 2 });
        expect(run.stdout).toBe('');
        expect(run.stderr.trim()).toMatch(line);
    }
    const file = join(home.dir, 'members.txt');
    writeFileSync(file, `${upgrader}\nnot-a-principal\n`);
    const fromFile = await cli([...rollout, '--members-file', file], { home: home.dir });
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toBe(`usage error: --members-file ${file} line 2: "not-a-principal" is not a principal (e.g. ryjl3-tyaaa-aaaaa-aaaba-cai)\n`);
});
