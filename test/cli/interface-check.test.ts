/**
 * `npx upgrader interface-check` on .did files, modules (their candid:service metadata) and live
 * canisters (certified metadata), with the upgrade argument checked against the new init
 * arguments; and the verdict where voters review a proposal (`status --proposal`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { gzWasmPath } from '../../scripts/paths.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { cli, governedApp, makeHome, V2_ARG_HEX, V2_WASM } from './support.js';

const OLD_DID = `type Item = record { id : nat64; name : text };
service : { get : (nat64) -> (opt Item) query; put : (text) -> (nat64) }`;
/** Gains a method, an optional result field and an optional trailing argument: nothing breaks. */
const COMPATIBLE_DID = `type Item = record { id : nat64; name : text; tags : opt vec text };
service : { get : (nat64) -> (opt Item) query; put : (text, opt text) -> (nat64); count : () -> (nat) query }`;
/** Loses `put` and turns the query `get` into an update: both break old clients. */
const BREAKING_DID = `service : { get : (nat64) -> (opt record { id : nat64; name : text }) }`;

let server: ReplicaServer;
let dir: string;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
    dir = mkdtempSync(join(tmpdir(), 'interface-check-'));
    for (const [name, text] of Object.entries({ 'old.did': OLD_DID, 'compatible.did': COMPATIBLE_DID, 'breaking.did': BREAKING_DID, 'broken.did': 'service : { get : (nat64 -> () }' })) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'plain.wasm'), new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
});

afterAll(async () => {
    await server.close();
});

const offline = (args: string[]) => cli(['interface-check', ...args], { home: makeHome([]).dir, cwd: dir });

it('says compatible (exit 0) for .did files whose new service only adds, and names each break (exit 1) otherwise', async () => {
    const compatible = await offline(['--old', 'old.did', '--new', 'compatible.did', '--json']);
    expect(compatible.code).toBe(0);
    expect(compatible.json()).toMatchObject({ compatible: true, breaking: [] });

    const breaking = await offline(['--old', 'old.did', '--new', 'breaking.did', '--json']);
    expect(breaking.code).toBe(1);
    const report = breaking.json<{ compatible: boolean; breaking: Array<{ method: string; path: string; reason: string }> }>();
    expect(report.compatible).toBe(false);
    expect(report.breaking.map((b) => b.method).sort()).toEqual(['get', 'put']);
    const text = await offline(['--old', 'old.did', '--new', 'breaking.did']);
    expect(text.stdout).toContain('interface: BREAKS CLIENTS');
    expect(text.stdout).toMatch(/✗ put: .*removed/);
});

it('refuses bad input with one line and exit 2: an unparsable .did, a module without metadata, a path that is nothing', async () => {
    for (const args of [['--old', 'broken.did', '--new', 'old.did'], ['--old', 'old.did', '--new', 'plain.wasm'], ['--old', 'old.did', '--new', 'missing.did']]) {
        const run = await offline(args);
        expect(run.code).toBe(2);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(run.stderr).not.toMatch(/\n\s+at /);
    }
});

it('reads modules and a live canister: demo app v1 to v2 breaks its clients; the argument is checked against v2\'s init arguments', async () => {
    const modules = await offline(['--old', gzWasmPath('demo_app_v1'), '--new', V2_WASM, '--json']);
    expect(modules.code).toBe(1);
    const breaks = modules.json<{ breaking: Array<{ method: string }> }>().breaking.map((b) => b.method);
    expect(breaks).toEqual(expect.arrayContaining(['add_attachments', 'add_note']));

    const { run, app } = await governedApp(server.url);
    const same = await run(['interface-check', '--old', app, '--new', gzWasmPath('demo_app_v1'), '--arg', V2_ARG_HEX, '--json']);
    expect(same.code).toBe(0);
    expect(same.json()).toMatchObject({ compatible: true, argument: { decodes: true } });
    const badArg = await run(['interface-check', '--old', app, '--new', gzWasmPath('demo_app_v1'), '--arg', '4449444c0000', '--json']);
    expect(badArg.code).toBe(1);
    expect(badArg.json()).toMatchObject({ compatible: false, argument: { decodes: false }, breaking: [{ method: '(init)' }] });
});

it('takes the argument as Candid text, encoded at the new module\'s init arguments, and says where text is wrong', async () => {
    const v1 = gzWasmPath('demo_app_v1');
    const text = await offline(['--old', v1, '--new', v1, '--arg', '(record { upgrader = opt principal "aaaaa-aa" })', '--json']);
    expect(text.code).toBe(0);
    expect(text.json()).toMatchObject({ compatible: true, argument: { decodes: true } });
    const human = await offline(['--old', v1, '--new', v1, '--arg', '(record { owner = null; upgrader = null })']);
    expect(human.stdout).toContain("the argument decodes as the new module's init arguments");

    const wrongType = await offline(['--old', v1, '--new', v1, '--arg', '(record { upgrader = opt "aaaaa-aa" })']);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toMatch(/neither hex nor a Candid value .*: Candid value at offset \d+: a text value is not of type principal/);
    const unparsable = await offline(['--old', v1, '--new', v1, '--arg', '(record { upgrader = })']);
    expect(unparsable.code).toBe(2);
    expect(unparsable.stderr).toMatch(/Candid syntax error at offset 21/);
    const noArgsMetadata = await offline(['--old', 'old.did', '--new', 'old.did', '--arg', '(42)']);
    expect(noArgsMetadata.code).toBe(2);
    expect(noArgsMetadata.stderr).toMatch(/--arg needs the new module's init arguments/);
});

it('shows the verdict where a proposal is reviewed: status --proposal flags a module that breaks the app\'s clients', async () => {
    const { run, app } = await governedApp(server.url);
    expect((await run(['upload', V2_WASM, '--app', app, '--identity', 'maintainer'])).code).toBe(0);
    // The argument as Candid text, typed by the module's own candid:args: the same bytes as the hex form.
    const proposed = await run(['propose', '--app', app, '--wasm', V2_WASM, '--arg', '(record { owner = null; upgrader = null })', '--identity', 'maintainer', '--json']);
    expect(proposed.json()).toMatchObject({ proposal: { action: { upgrade: { arg: V2_ARG_HEX } } } });
    const id = proposed.json<{ proposal_id: string }>().proposal_id;
    const status = await run(['status', '--proposal', id]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('interface: BREAKS CLIENTS');
    expect(status.stdout).toMatch(/✗ add_attachments: .*removed/);
    const json = await run(['status', '--proposal', id, '--json']);
    expect(json.json()).toMatchObject({ interface: { kind: 'checked', verdict: { compatible: false, argument: { decodes: true } } } });
});
