/**
 * The CLI end to end against the replica server, with dfx-store identities (Ed25519 and
 * secp256k1) and --json parsed: deploy and seal, verify, register, upload (resumed), propose,
 * vote, watch an upgrade to its outcome, status, audit; a policy change; cancel; and the
 * refusals a voter can meet (not a voter, an unknown proposal).
 */
import { readFileSync } from 'node:fs';

import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';

import { UpgraderClient } from '../../src/client/upgrader.js';
import { gzWasmPath } from '../../scripts/paths.js';
import { toHex } from '../../src/encoding/hex.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { agentAs, cli, governedApp, makeHome, V2_ARG_HEX, V2_WASM } from './support.js';

let server: ReplicaServer;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

it('deploys and seals, registers, uploads (resuming), proposes, votes, watches the upgrade to its outcome, and reads status and audit, all as --json', async () => {
    const { home, run, upgrader, app } = await governedApp(server.url);

    const sealed = await run(['verify', '--expect-wasm', gzWasmPath('upgrader'), '--json']);
    expect(sealed.code).toBe(0);
    expect(sealed.json()).toMatchObject({ canister: upgrader, sealed: true, controllers: [], matches: true });
    const mismatch = await run(['verify', '--expect', toHex(new Uint8Array(32)), '--json']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.json()).toMatchObject({ sealed: true, matches: false });
    const unsealed = await run(['verify', '--canister', app, '--json']);
    expect(unsealed.code).toBe(1);
    expect(unsealed.json<{ controllers: string[] }>().controllers.sort()).toEqual([upgrader, home.principal('recovery')].sort());

    // An interrupted upload: the first of its two chunks sent by the maintainer's own client.
    const wasm = new Uint8Array(readFileSync(V2_WASM));
    const hash = sha256(wasm);
    const maintainer = UpgraderClient.create({ agent: await agentAs(server.url, home.identities.maintainer!), canisterId: upgrader });
    const declared = await maintainer.createModule({ app: Principal.fromText(app), hash, size: BigInt(wasm.length) });
    expect(declared.chunks_expected).toBe(2);
    await maintainer.uploadChunk({ app: Principal.fromText(app), hash, index: 0, chunk: wasm.subarray(0, 1024 * 1024) });
    const uploaded = await run(['upload', V2_WASM, '--app', app, '--identity', 'maintainer', '--json']);
    expect(uploaded.code).toBe(0);
    expect(uploaded.json()).toMatchObject({ sha256: toHex(hash), chunks_already_there: 1, chunks_sent: 1, module: { complete: true, chunks_received: 2 } });

    const proposed = await run(['propose', '--app', app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--identity', 'maintainer', '--json']);
    expect(proposed.code).toBe(0);
    const id = proposed.json<{ proposal_id: string }>().proposal_id;
    expect(proposed.json()).toMatchObject({ proposal: { status: { open: null }, action: { upgrade: { module_hash: toHex(hash), arg: V2_ARG_HEX } } } });

    const status = await run(['status', '--proposal', id, '--json']);
    expect(status.json()).toMatchObject({ proposal: { id }, app: { app, live_proposal: [id] }, execution: null, step: null });

    const first = await run(['vote', id, '--approve', '--expect-wasm', V2_WASM, '--expect-arg', V2_ARG_HEX, '--identity', 'alice', '--yes', '--json']);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ voted: 'approve', proposal: { approving_weight: 1, status: { open: null } } });
    const second = await run(['vote', id, '--approve', '--identity', 'bob', '--yes', '--json']);
    expect(second.code).toBe(0);

    const watched = await run(['watch', id, '--interval', '100', '--timeout', '120', '--json']);
    expect(watched.stderr).toBe('');
    expect(watched.code).toBe(0);
    const outcome = watched.json<{ outcome: string; success: boolean; events: Array<{ event: Record<string, unknown> }> }>();
    expect(outcome).toMatchObject({ outcome: 'upgraded', success: true });
    const steps = outcome.events.flatMap((e) => ('step_started' in e.event ? [Object.keys(e.event.step_started as object)[0]] : []));
    expect(steps).toEqual(expect.arrayContaining(['check', 'stop', 'snapshot', 'install', 'start', 'verify', 'health_check']));

    const after = await run(['status', '--app', app, '--json']);
    expect(after.json()).toMatchObject({ app: { app, live_proposal: [] }, proposal: null, execution: null });
    const audit = await run(['audit', '--app', app, '--limit', '5', '--all', '--json']);
    const log = audit.json<{ entries: Array<{ event: Record<string, unknown> }>; next: string | null; total: string }>();
    expect(log.next).toBeNull();
    expect(log.entries.length).toBe(Number(log.total));
    expect(log.entries.some((e) => 'status_changed' in e.event)).toBe(true);
    const page = await run(['audit', '--app', app, '--limit', '2', '--json']);
    expect(page.json()).toMatchObject({ next: '2' });
});

it('refuses a vote from a non-voter (NotAVoterError), a vote on an unknown proposal (ProposalNotFoundError), and a vote for what was not reviewed; cancels', async () => {
    const { run, upgrader, app } = await governedApp(server.url);
    const uploaded = await run(['upload', V2_WASM, '--app', app, '--identity', 'maintainer', '--json', '--progress']);
    expect(uploaded.code).toBe(0);
    expect(uploaded.stderr).toBe('chunks 0/2\nchunks 1/2\nchunks 2/2\n');
    expect(uploaded.json()).toMatchObject({ chunks_already_there: 0, chunks_sent: 2 });
    const id = (await run(['propose', '--app', app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--identity', 'maintainer', '--json'])).json<{ proposal_id: string }>().proposal_id;

    // Text form; and a reader without any dfx identity reads with a throwaway key.
    const text = await cli(['status', '--network', server.url, '--upgrader', upgrader, '--proposal', id], { home: makeHome([]).dir });
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^network: http:\/\/127\.0\.0\.1:\d+; identity: throwaway \(read-only; dfx's default identity is missing or unusable\)/);
    expect(text.stdout).toMatch(new RegExp(`^app: +${app}$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^proposal: +${id}$[\\s\\S]*^status: +open$`, 'm'));
    expect(text.stdout).toMatch(/^execution: none running$/m);

    const stranger = await run(['vote', id, '--approve', '--identity', 'stranger', '--yes', '--json']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/^NotAVoterError: .* is not a voter of this app's policy\. Vote as one of its voters \(--identity <name>\); `npx upgrader status --app <app>` lists them\.\n$/);
    expect(stranger.json()).toMatchObject({ error: { name: 'NotAVoterError', exit_code: 1 } });

    const unknown = await run(['vote', '999', '--approve', '--identity', 'alice', '--yes']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^network: .*\nProposalNotFoundError: Proposal 999 does not exist/);

    const wrong = await run(['vote', id, '--approve', '--expect-arg', '4449444c0000', '--identity', 'alice', '--yes']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/NotWhatWasReviewed: .*nothing was voted/);

    const noConfirm = await run(['vote', id, '--approve', '--identity', 'alice']);
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toMatch(/Pass --yes/);

    const rejected = await run(['cancel', id, '--identity', 'alice', '--json']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^CallRejected: the IC rejected the call \(IC0406\)/);

    const cancelled = await run(['cancel', id, '--identity', 'maintainer', '--json']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.json()).toMatchObject({ proposal: { status: { cancelled: expect.any(String) } } });
    const watched = await run(['watch', id, '--json']);
    expect(watched.code).toBe(1);
    expect(watched.json()).toMatchObject({ success: false });
    expect(watched.json<{ outcome: string }>().outcome).toMatch(/^cancelled/);
});

it('proposes a policy change, which voters approve with the subject recomputed from its fields', async () => {
    const { home, run, app } = await governedApp(server.url);
    const proposed = await run(['propose', '--app', app, '--voter', home.principal('alice'), '--voter', `${home.principal('carol')}:3`, '--threshold', '3', '--snapshots-keep', '1', '--rehearse', '--identity', 'maintainer', '--json']);
    expect(proposed.code).toBe(0);
    const id = proposed.json<{ proposal_id: string }>().proposal_id;
    for (const voter of ['alice', 'carol']) expect((await run(['vote', id, '--approve', '--identity', voter, '--yes'])).code).toBe(0);
    const watched = await run(['watch', id, '--interval', '100', '--json']);
    expect(watched.json()).toMatchObject({ outcome: 'policy_changed', success: true });
    const status = await run(['status', '--app', app, '--json']);
    expect(status.json()).toMatchObject({ app: { policy: { threshold: 3, voters: [{ principal: home.principal('alice'), weight: 1 }, { principal: home.principal('carol'), weight: 3 }] }, snapshot_policy: { keep: 1, rehearse: true } } });
});
