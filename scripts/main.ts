/**
 * npm start: the main job, end to end over @dfinity/agent against the embedded replica's HTTP
 * server (started in this process). Builds the canisters; deploys and seals the upgrader; deploys
 * demo app v1 with the upgrader and a recovery principal as its controllers; writes notes; uploads
 * v2; lets the app propose its own upgrade (one-way); has two of three voters approve; waits for
 * the upgrader to execute; prints every step, the audit log and the proof (data kept and migrated,
 * module hash changed, read from the certified state). Exits 0, or 1 on any failure.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { Actor, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { AppConfig, type DemoAppV1Service, idlFactory as v1Idl } from '../canisters/demo_app/v1/types.js';
import { type DemoAppV2Service, idlFactory as v2Idl } from '../canisters/demo_app/v2/types.js';
import type { AuditEvent, Outcome, UpgradeRequest } from '../canisters/upgrader/types.js';
import { expectedSubject, UpgraderClient } from '../src/client/upgrader.js';
import { toHex } from '../src/encoding/hex.js';
import { startReplicaServer } from '../src/server/server.js';
import { buildCanisters } from './build-lib.js';
import { certifiedInfo, connect, createCanister, demoIdentity, installCode, resolveNetwork, setControllers, sha256Hex } from './lib/ic.js';
import { gzWasmPath } from './paths.js';
import { priced, sealUpgrader } from './seal.js';
import { verifySealed } from './verify.js';

const step = (text: string): void => console.log(`\n▶ ${text}`);
const show = (label: string, value: unknown): void => console.log(`  ${label.padEnd(18)} ${typeof value === 'string' ? value : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);

function check(condition: boolean, what: string): void {
    if (!condition) throw new Error(`check failed: ${what}`);
    console.log(`  ✓ ${what}`);
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

function eventText(event: AuditEvent): string {
    const [name, value] = Object.entries(event)[0] ?? ['?', null];
    if (value === null) return name;
    if (value instanceof Uint8Array) return `${name} ${toHex(value).slice(0, 12)}…`;
    return `${name} ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
}

async function main(): Promise<void> {
    step('Building the canisters (offline, only what changed)');
    await buildCanisters({ names: ['upgrader', 'demo_app_v1', 'demo_app_v2'], log: (line) => console.log(`  ${line}`) });

    step('Starting the embedded replica behind its HTTP server (in this process)');
    const server = await startReplicaServer({ port: 0, log: () => undefined });
    try {
        const network = resolveNetwork(server.url);
        show('network', `${network.url} (embedded replica; use scripts/seal.ts --network for others)`);
        const names = ['deployer', 'recovery', 'alice', 'bob', 'carol', 'maintainer'] as const;
        const who = Object.fromEntries(names.map((name) => [name, demoIdentity(name)])) as Record<(typeof names)[number], ReturnType<typeof demoIdentity>>;
        const agents = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await connect(network, who[name])] as const))) as Record<(typeof names)[number], HttpAgent>;
        for (const name of names) show(name, who[name].getPrincipal().toText());

        step('Deploying and sealing the upgrader (a private deployment: registration and storage free)');
        const upgraderWasm = new Uint8Array(await readFile(gzWasmPath('upgrader')));
        const sealed = await sealUpgrader(agents.deployer, upgraderWasm, undefined, priced(0n, 0n));
        const upgraderId = sealed.canisterId;
        show('upgrader', upgraderId.toText());
        show('module hash', sealed.moduleHash);
        const verdict = await verifySealed(agents.alice, upgraderId, sealed.moduleHash);
        check(verdict.sealed && verdict.matches === true, 'certified state: no controllers, module hash as built');
        const client = (name: (typeof names)[number]): UpgraderClient => UpgraderClient.create({ agent: agents[name], canisterId: upgraderId });

        step('Deploying demo app v1; its controllers become the upgrader and the recovery principal');
        const recovery = who.recovery.getPrincipal();
        const app = await createCanister(agents.deployer, [who.deployer.getPrincipal()]);
        const config = new Uint8Array(IDL.encode([AppConfig], [{ owner: [who.deployer.getPrincipal()], upgrader: [upgraderId] }]));
        await installCode(agents.deployer, app, new Uint8Array(await readFile(gzWasmPath('demo_app_v1'))), config);
        await setControllers(agents.deployer, app, [upgraderId, recovery]);
        const v1Info = await certifiedInfo(agents.alice, app);
        show('app', app.toText());
        show('controllers', v1Info.controllers.map((c) => c.toText()));
        show('module hash (v1)', v1Info.moduleHash ?? 'none');

        step('Registering the app (by its recovery principal, a controller): voters alice, bob, carol; 2 of 3');
        const info = await client('recovery').register({
            app,
            recovery,
            policy: {
                voters: [who.alice, who.bob, who.carol].map((id) => ({ principal: id.getPrincipal(), weight: 1 })),
                threshold: 2,
                proposers: [who.maintainer.getPrincipal()],
                proposal_lifetime_seconds: 86_400n,
                health_check: ['health']
            },
            snapshot_policy: { keep: 2, required: true }
        });
        show('registered by', info.registered_by.toText());

        step('Writing notes with v1');
        const notesV1 = (name: (typeof names)[number]): DemoAppV1Service => Actor.createActor<DemoAppV1Service>(v1Idl, { agent: agents[name], canisterId: app });
        await notesV1('alice').add_note('Groceries\nmilk, eggs, bread');
        await notesV1('bob').add_note('Release plan\nship v2 once the DAO approves');
        await notesV1('carol').add_note('A one-line note');
        show('notes', await notesV1('alice').count());

        step('Uploading demo app v2 to the upgrader (1 MiB chunks; the IC checks its hash at install)');
        const v2Wasm = new Uint8Array(await readFile(gzWasmPath('demo_app_v2')));
        const module = await client('maintainer').uploadModule({ app, wasm: v2Wasm, onProgress: (sent, total) => console.log(`  chunk ${sent}/${total}`) });
        show('module hash (v2)', toHex(module.hash));

        step('The app proposes its own upgrade (one-way call through app_lib)');
        const request: UpgradeRequest = {
            module_hash: module.hash,
            arg: new Uint8Array(IDL.encode([AppConfig], [{ owner: [], upgrader: [] }])),
            options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] },
            downgrade: false
        };
        const asked = await notesV1('deployer').request_upgrade(request);
        check('Ok' in asked, 'the app sent its request (it holds no callback for it)');
        const proposalId = await until('the proposal', async () => (await client('alice').getApp(app))?.live_proposal[0]);
        const proposal = await client('alice').getProposal(proposalId);
        show('proposal', proposalId);
        show('proposer', proposal?.proposer.toText() ?? '?');

        step('Voters recompute what they approve (module, argument hash, options, from module) and vote');
        const subject = proposal === undefined ? undefined : expectedSubject(proposal);
        check(subject !== undefined && proposal !== undefined && Buffer.from(subject).equals(Buffer.from(proposal.subject)), 'the proposal binds the reviewed module, argument and options');
        if (subject === undefined) throw new Error('no upgrade subject');
        const first = await client('alice').vote({ proposal_id: proposalId, subject, approve: true });
        show('after alice', Object.keys(first.status)[0]);
        const second = await client('bob').vote({ proposal_id: proposalId, subject, approve: true });
        show('after bob', Object.keys(second.status)[0]);

        step('The upgrader executes: stop, snapshot, install, start, verify');
        const outcome = await until<Outcome>('the execution', async () => {
            const status = (await client('carol').getProposal(proposalId))?.status;
            return status !== undefined && 'executed' in status ? status.executed : undefined;
        });
        show('outcome', outcome);
        check('upgraded' in outcome, 'upgraded and verified');

        step('Audit log (anyone can read it)');
        for await (const entry of client('carol').auditEntries(app)) console.log(`  #${String(entry.seq).padStart(3)} ${eventText(entry.event)}`);

        step('Proof');
        const after = await certifiedInfo(agents.alice, app);
        show('module hash now', after.moduleHash ?? 'none');
        check(after.moduleHash === sha256Hex(v2Wasm) && after.moduleHash !== v1Info.moduleHash, 'module hash changed from v1 to v2 (certified state)');
        const v2 = Actor.createActor<DemoAppV2Service>(v2Idl, { agent: agents.alice, canisterId: app });
        check((await v2.version()) === 'v2', 'the app runs v2');
        check((await v2.count()) === 3n, 'all 3 notes kept');
        const migration = await v2.migration();
        show('migration', migration);
        check(migration.schema_version === 2n && migration.remaining_v1 === 0n, 'data migrated to the v2 model');
        const note = (await v2.get_note(0n))[0];
        show('note 0', { title: note?.title, body: note?.body, tags: note?.tags });
        check(note?.title === 'Groceries' && note.author.toText() === who.alice.getPrincipal().toText(), 'note 0 has a title and keeps its author');
        check(after.controllers.map((c: Principal) => c.toText()).sort().join() === [upgraderId, recovery].map((c) => c.toText()).sort().join(), 'controllers unchanged: the upgrader and the recovery principal');
        console.log('\nDone.');
    } finally {
        await server.close();
    }
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        console.error(`\nnpm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exit(1);
    }
);
