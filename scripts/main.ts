/**
 * npm start: the main job, end to end against the embedded replica's HTTP server (started in this
 * process), told through the operators' CLI (`npx upgrader`, run in-process with the commands a
 * user would type) and @dfinity/agent. Builds the canisters; deploys and seals the upgrader;
 * deploys demo app v1 with the upgrader and a recovery principal as its controllers; writes notes;
 * uploads v2; lets the app propose its own upgrade (one-way); has two of three voters check and
 * approve it; watches the upgrader execute; prints the audit log and the proof (data kept and
 * migrated, module hash changed, read from the certified state); then upgrades a small fleet (a
 * group of tiny app canisters) by one approved rollout. Ends with how to use the CLI and the
 * voters' page against the same replica. Exits 0, or 1 on any failure.
 *
 *   npm start [-- --serve [--port <P>]]
 *
 * `--serve` keeps the replica running afterwards (default port 4943, dfx's, so `--network local`
 * reaches it) until Ctrl-C.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Actor, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { AppConfig, type DemoAppV1Service, idlFactory as v1Idl } from '../canisters/demo_app/v1/types.js';
import { type DemoAppV2Service, idlFactory as v2Idl } from '../canisters/demo_app/v2/types.js';
import type { UpgradeRequest } from '../canisters/upgrader/types.js';
import { main as cliMain } from '../src/cli/main.js';
import { sha256 } from '../src/encoding/request-id.js';
import { startReplicaServer } from '../src/server/server.js';
import { agentMembers } from '../test/fleet/agent-members.js';
import { type FleetMember, fleetMemberIdl, fleetMemberModule, type FleetMemberVersion } from '../test/fleet/member-module.js';
import { buildCanisters } from './build-lib.js';
import { parseOptions, runMain, UsageError } from './lib/args.js';
import { certifiedInfo, connect, createCanister, demoIdentity, installCode, resolveNetwork, setControllers, sha256Hex } from './lib/ic.js';
import { azleOutDir, gzWasmPath } from './paths.js';

const USAGE = 'usage: npm start [-- --serve [--port <P>]]';
const NAMES = ['deployer', 'recovery', 'alice', 'bob', 'carol', 'maintainer'] as const;
type Name = (typeof NAMES)[number];

/** Members of the fleet act: copies of the tiny fleet member app (test/fleet/member-module.ts). */
const FLEET_SIZE = 3;

const step = (text: string): void => console.log(`\n▶ ${text}`);
const show = (label: string, value: string): void => console.log(`  ${label.padEnd(18)} ${value}`);

function check(condition: boolean, what: string): void {
    if (!condition) throw new Error(`check failed: ${what}`);
    console.log(`  ✓ ${what}`);
}

/** An argument as a shell would need it typed: quoted when it holds anything but plain characters. */
function shellWord(arg: string): string {
    return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * `npx upgrader <args>` in-process against `url`: prints the command and its output (indented),
 * and returns what it printed on stdout. @throws when its exit code is not `expected`.
 */
async function upgrader(url: string, args: string[], expected = 0): Promise<string> {
    console.log(`  $ npx upgrader ${args.map(shellWord).join(' ')}`);
    let stdout = '';
    let stderr = '';
    const code = await cliMain(['--network', url, ...args], {
        stdout: (text) => void (stdout += text),
        stderr: (text) => void (stderr += text),
        env: process.env,
        cwd: process.cwd(),
        stderrIsTTY: false,
        untilStopped: () => Promise.resolve()
    });
    const printed = args.includes('--json') ? '' : stdout;
    for (const line of `${printed}${stderr}`.split('\n').filter((l) => l.length > 0)) console.log(`    ${line}`);
    if (code !== expected) throw new Error(`npx upgrader ${args[0]} exited ${code}, not ${expected}: ${stderr.trim()}`);
    return stdout;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
    }
}

async function main(): Promise<number> {
    const options = parseOptions(process.argv.slice(2).filter((a) => a !== '--serve'), ['--port']);
    const serve = process.argv.includes('--serve');
    if (options['--port'] !== undefined && !serve) throw new UsageError('--port goes with --serve');
    const port = options['--port'] === undefined ? (serve ? 4943 : 0) : Number(options['--port']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${JSON.stringify(options['--port'])}`);

    step('Building the canisters (offline, only what changed)');
    await buildCanisters({ names: ['upgrader', 'demo_app_v1', 'demo_app_v2'], log: (line) => console.log(`  ${line}`) });

    step('Starting the embedded replica behind its HTTP server (in this process)');
    const server = await startReplicaServer({ port, log: () => undefined }).catch((error: unknown) => {
        throw new Error(`cannot listen on port ${port} (${error instanceof Error ? error.message : String(error)}): stop what uses it (another replica, dfx start), or pass --port`);
    });
    let keepServing = false;
    try {
        const url = server.url;
        const network = resolveNetwork(url);
        show('network', `${url} (embedded replica)`);
        const who = Object.fromEntries(NAMES.map((name) => [name, demoIdentity(name)])) as Record<Name, ReturnType<typeof demoIdentity>>;
        const agents = Object.fromEntries(await Promise.all(NAMES.map(async (name) => [name, await connect(network, who[name])] as const))) as Record<Name, HttpAgent>;
        const id = (name: Name): string => who[name].getPrincipal().toText();
        for (const name of NAMES) show(name, `${id(name)} (--identity demo:${name})`);

        step('Deploying and sealing the upgrader (a private deployment: registration and storage free)');
        const deployed = await upgrader(url, ['deploy', '--registration-fee', '0', '--storage-fee-per-mib', '0', '--identity', 'demo:deployer', '--yes', '--json']);
        const upgraderId = (JSON.parse(deployed) as { upgrader: string }).upgrader;
        const upgraderPrincipal = Principal.fromText(upgraderId);
        show('upgrader', upgraderId);
        const on = (...args: string[]): string[] => ['--upgrader', upgraderId, ...args];
        // Reads need no particular identity; carol (a voter) reads, as anyone could.
        const read = (...args: string[]): string[] => on(...args, '--identity', 'demo:carol');
        await upgrader(url, read('verify', '--expect-wasm', relative(process.cwd(), gzWasmPath('upgrader'))));

        step('Deploying demo app v1; its controllers become the upgrader and the recovery principal');
        const app = await createCanister(agents.deployer, [who.deployer.getPrincipal()]);
        const config = new Uint8Array(IDL.encode([AppConfig], [{ owner: [who.deployer.getPrincipal()], upgrader: [upgraderPrincipal] }]));
        await installCode(agents.deployer, app, new Uint8Array(await readFile(gzWasmPath('demo_app_v1'))), config);
        await setControllers(agents.deployer, app, [upgraderPrincipal, who.recovery.getPrincipal()]);
        const v1Info = await certifiedInfo(agents.alice, app);
        show('app', app.toText());
        show('module hash (v1)', v1Info.moduleHash ?? 'none');

        step('Registering the app (by its recovery principal, a controller): voters alice, bob, carol; 2 of 3; every upgrade rehearsed on chain first');
        await upgrader(url, on('register', '--app', app.toText(), '--recovery', id('recovery'), '--voter', id('alice'), '--voter', id('bob'), '--voter', id('carol'), '--threshold', '2', '--proposer', id('maintainer'), '--lifetime', '86400', '--health-check', 'health', '--snapshot-required', '--rehearse', '--identity', 'demo:recovery'));

        step('Writing notes with v1');
        const notesV1 = (name: Name): DemoAppV1Service => Actor.createActor<DemoAppV1Service>(v1Idl, { agent: agents[name], canisterId: app });
        await notesV1('alice').add_note('Groceries\nmilk, eggs, bread');
        await notesV1('bob').add_note('Release plan\nship v2 once the DAO approves');
        await notesV1('carol').add_note('A one-line note');
        show('notes', String(await notesV1('alice').count()));

        step('Uploading demo app v2 to the upgrader (1 MiB chunks; the IC checks its hash at install)');
        const v2Path = relative(process.cwd(), gzWasmPath('demo_app_v2'));
        await upgrader(url, on('upload', v2Path, '--app', app.toText(), '--identity', 'demo:maintainer'));

        step('The app proposes its own upgrade (one-way call through app_lib)');
        const v2Wasm = new Uint8Array(await readFile(v2Path));
        const request: UpgradeRequest = {
            module_hash: sha256(v2Wasm),
            arg: new Uint8Array(IDL.encode([AppConfig], [{ owner: [], upgrader: [] }])),
            options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] },
            downgrade: false
        };
        const asked = await notesV1('deployer').request_upgrade(request);
        check('Ok' in asked, 'the app sent its request (it holds no callback for it)');
        const proposalId = await until('the proposal', async () => {
            const status = JSON.parse(await quiet(url, read('status', '--app', app.toText(), '--json'))) as { app: { live_proposal: string[] } };
            return status.app.live_proposal[0];
        });
        await upgrader(url, read('status', '--proposal', proposalId));

        step('Voters check the module against their own build and what the proposal binds, then vote');
        await upgrader(url, read('compare', '--proposal', proposalId, '--wasm', v2Path));
        const argHex = Buffer.from(request.arg).toString('hex');
        step("The recovery principal rehearses it offline on a fork of the live app: v1's pre_upgrade, v2's post_upgrade, then v2 upgraded again, against the IC's limits");
        await upgrader(url, on('rehearse', '--app', app.toText(), '--wasm', v2Path, '--arg', '(record { owner = null; upgrader = null })', '--identity', 'demo:recovery'));
        await upgrader(url, on('vote', proposalId, '--approve', '--expect-wasm', v2Path, '--expect-arg', argHex, '--identity', 'demo:alice', '--yes'));
        await upgrader(url, on('vote', proposalId, '--approve', '--expect-wasm', v2Path, '--expect-arg', argHex, '--identity', 'demo:bob', '--yes'));

        step('The upgrader executes: a rehearsal on a copy of the app, then stop, snapshot, install, start, verify (watched live)');
        await upgrader(url, read('watch', proposalId, '--interval', '100'));

        step('Audit log (anyone can read it)');
        await upgrader(url, read('audit', '--app', app.toText(), '--all'));

        step('Proof');
        const after = await certifiedInfo(agents.alice, app);
        show('module hash now', after.moduleHash ?? 'none');
        check(after.moduleHash === sha256Hex(v2Wasm) && after.moduleHash !== v1Info.moduleHash, 'module hash changed from v1 to v2 (certified state)');
        const v2 = Actor.createActor<DemoAppV2Service>(v2Idl, { agent: agents.alice, canisterId: app });
        check((await v2.version()) === 'v2', 'the app runs v2');
        check((await v2.count()) === 3n, 'all 3 notes kept');
        const migration = await v2.migration();
        check(migration.schema_version === 2n && migration.remaining_v1 === 0n, 'data migrated to the v2 model');
        const note = (await v2.get_note(0n))[0];
        check(note?.title === 'Groceries' && note.author.toText() === id('alice'), 'note 0 has a title and keeps its author');
        const reviewed = JSON.parse(await quiet(url, read('status', '--proposal', proposalId, '--json'))) as { proposal: { rehearsal: Array<{ result: Array<Record<string, unknown>> }> } };
        check('passed' in (reviewed.proposal.rehearsal[0]?.result[0] ?? {}), 'the upgrader rehearsed the upgrade on a copy of the app before touching it, and the copy passed');
        const controllers = after.controllers.map((c: Principal) => c.toText()).sort();
        check(controllers.join() === [upgraderId, id('recovery')].sort().join(), 'controllers unchanged: the upgrader and the recovery principal');

        step('A fleet: three copies of a tiny app canister in one group, upgraded by one vote, the canary first');
        const members = await agentMembers(agents.deployer, [upgraderPrincipal, who.recovery.getPrincipal()], FLEET_SIZE);
        const created = await upgrader(url, on('group', 'create', '--recovery', id('recovery'), '--voter', id('alice'), '--voter', id('bob'), '--voter', id('carol'), '--threshold', '2', '--proposer', id('maintainer'), '--health-check', 'health', '--snapshots-keep', '1', '--identity', 'demo:recovery', '--json'));
        const group = (JSON.parse(created) as { group: string }).group;
        await upgrader(url, on('group', 'join', '--group', group, ...members.flatMap((member) => ['--app', member.toText()]), '--identity', 'demo:recovery'));
        const memberV2 = await writeFleetModule('v2');
        const rolled = await upgrader(url, on('rollout', '--group', group, '--wasm', memberV2, '--canary', '1', '--batch-size', '2', '--max-concurrency', '2', '--max-failure-percent', '0', '--identity', 'demo:maintainer', '--json'));
        const rolloutId = (JSON.parse(rolled) as { proposal_id: string }).proposal_id;
        for (const voter of ['alice', 'bob'] as const) await upgrader(url, on('vote', rolloutId, '--approve', '--expect-wasm', memberV2, '--identity', `demo:${voter}`, '--yes'));
        await upgrader(url, read('watch', '--group', group, '--interval', '100'));
        const versions = await Promise.all(members.map((member) => Actor.createActor<FleetMember>(fleetMemberIdl, { agent: agents.alice, canisterId: member }).version()));
        check(versions.every((version) => version === 'v2'), `every member of the group runs v2 (${FLEET_SIZE} upgraded by one approval)`);

        step(serve ? 'The replica keeps running (Ctrl-C stops it). Try:' : 'Done. To try the CLI and the voters\' page on this story, run `npm start -- --serve`, then:');
        // A fresh replica gives the same ids each run, so these also name what `--serve` deploys.
        const cliNetwork = !serve || port === 4943 ? 'local' : url;
        const pageNetwork = serve ? url : 'http://127.0.0.1:4943';
        console.log(`  npx upgrader status --network ${cliNetwork} --upgrader ${upgraderId} --app ${app.toText()}`);
        console.log(`  npx upgrader audit --network ${cliNetwork} --upgrader ${upgraderId} --app ${app.toText()}`);
        console.log(`  npx upgrader status --network ${cliNetwork} --upgrader ${upgraderId} --app ${group}   (the group: its members and latest rollout)`);
        console.log(`  npx upgrader ui --network ${pageNetwork} --upgrader ${upgraderId} --app ${app.toText()}   (prints "ui on http://127.0.0.1:<port>")`);
        console.log(`  identities: --identity demo:<name> (${NAMES.join(', ')}; local networks only). \`npx upgrader --help\` lists every command.`);
        keepServing = serve;
        if (serve) {
            await new Promise<void>((resolve) => {
                process.once('SIGINT', () => resolve());
                process.once('SIGTERM', () => resolve());
            });
            keepServing = false;
        }
        return 0;
    } finally {
        if (!keepServing) await server.close();
    }
}

/** The fleet member module of `version`, written beside the build outputs; its path as the CLI is given it. */
async function writeFleetModule(version: FleetMemberVersion): Promise<string> {
    const path = join(azleOutDir('fleet_member'), `fleet_member_${version}.wasm`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await fleetMemberModule(version));
    return relative(process.cwd(), path);
}

/** A CLI command whose output is only read, not shown. */
async function quiet(url: string, args: string[]): Promise<string> {
    let stdout = '';
    const code = await cliMain(['--network', url, ...args], { stdout: (text) => void (stdout += text), stderr: () => undefined, env: process.env, cwd: process.cwd(), stderrIsTTY: false, untilStopped: () => Promise.resolve() });
    if (code !== 0) throw new Error(`npx upgrader ${args.join(' ')} exited ${code}`);
    return stdout;
}

runMain(main, USAGE);
