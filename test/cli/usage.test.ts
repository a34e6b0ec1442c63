/**
 * The CLI's answers to bad input, and its identities, without a replica: usage errors exit 2
 * with one line, an unreachable network exits 1 with one line, `--help` of every command has an
 * example, and identities come from dfx's store (both PEM kinds, the default identity), a PEM
 * path, or a demo name on local networks only.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { demoIdentity } from '../../scripts/lib/ic.js';
import { gzWasmPath } from '../../scripts/paths.js';
import { commands } from '../../src/cli/commands/index.js';
import { cli, makeHome, pemOf } from './support.js';

const UPGRADER = 'ryjl3-tyaaa-aaaaa-aaaba-cai';

it('prints help with an example for every command, and exits 0', async () => {
    const home = makeHome([]);
    const names = commands({ io: { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: '/', stderrIsTTY: false, untilStopped: () => Promise.resolve() } }).map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['deploy', 'verify', 'register', 'upload', 'propose', 'vote', 'cancel', 'status', 'watch', 'audit', 'pause', 'unpause', 'emergency', 'restore', 'eject']));
    for (const name of names) {
        const help = await cli([name, '--help'], { home: home.dir });
        expect(help.code).toBe(0);
        expect(help.stdout).toMatch(new RegExp(`Usage: upgrader ${name}[\\s\\S]*Examples:\\n  \\$ npx upgrader ${name} `));
    }
    const top = await cli(['--help'], { home: home.dir });
    expect(top.stdout).toMatch(/Exit codes: 0 ok; 1 refused or failed/);
});

it('exits 2 with one line for usage errors: unknown command or option, a missing required option, a bad value, no upgrader id', async () => {
    const home = makeHome(['default']);
    const cases: Array<[string[], RegExp]> = [
        [['frobnicate'], /^error: unknown command 'frobnicate'/],
        [['status', '--bogus'], /^error: unknown option '--bogus'/],
        [['pause'], /^error: required option '--app <id>' not specified/],
        [['status', '--network', 'moon', '--app', UPGRADER], /^usage error: unknown network "moon": use local, ic or a URL/],
        [['status', '--upgrader', 'not-a-principal'], /^usage error: --upgrader: "not-a-principal" is not a principal/],
        [['status', '--app', UPGRADER], /^usage error: no upgrader id for network local: pass --upgrader <id>, or add \{"upgrader": \{"local": "<id>"\}\} to canister_ids.json/],
        [['vote', '1', '--upgrader', UPGRADER], /^usage error: say --approve or --reject/],
        [['propose', '--app', UPGRADER, '--upgrader', UPGRADER, '--module', 'abc'], /^usage error: --module: a SHA-256 is 64 hex digits/]
    ];
    for (const [args, line] of cases) {
        const run = await cli(args, { home: home.dir });
        expect({ args, code: run.code }).toEqual({ args, code: 2 });
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(line);
        expect(run.stderr.trim().split('\n').filter((l) => !l.startsWith('(Did you mean'))).toHaveLength(1);
    }
});

it('exits 1 with one line naming NetworkError when the network cannot be reached', async () => {
    const home = makeHome(['default']);
    const port = await freePort();
    const run = await cli(['status', '--network', `http://127.0.0.1:${port}`, '--upgrader', UPGRADER, '--json'], { home: home.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^NetworkError: cannot reach http://127.0.0.1:${port} \\(.*\\)\\. Start a replica there`));
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.json()).toMatchObject({ error: { name: 'NetworkError', exit_code: 1 } });
});

it("loads identities from dfx's store (Ed25519 and secp256k1, the default one as dfx names it), PEM paths, and demo names on local networks only", async () => {
    const home = makeHome(['alice', 'bob'], 'bob');
    const whoami = async (args: string[]): Promise<string> => {
        const run = await cli(['whoami', '--json', ...args], { home: home.dir });
        expect(run.code).toBe(0);
        return run.json<{ principal: string }>().principal;
    };
    expect(await whoami(['--identity', 'alice'])).toBe(home.principal('alice'));
    expect(await whoami(['--identity', 'bob'])).toBe(home.principal('bob'));
    expect(await whoami([])).toBe(home.principal('bob'));
    expect(await whoami(['--identity', join(home.dir, '.config/dfx/identity/alice/identity.pem')])).toBe(home.principal('alice'));
    expect(await whoami(['--identity', 'demo:carol'])).toBe(demoIdentity('carol').getPrincipal().toText());

    const noDefault = makeHome(['default', 'other']);
    expect(await cli(['whoami', '--json'], { home: noDefault.dir }).then((r) => r.json<{ principal: string }>().principal)).toBe(noDefault.principal('default'));

    const onIc = await cli(['whoami', '--network', 'ic', '--identity', 'demo:carol'], { home: home.dir });
    expect(onIc.code).toBe(2);
    expect(onIc.stderr).toMatch(/^usage error: --identity demo:carol: demo identities .* local networks only/);
});

it('exits 2 naming what to do for a missing, password-protected or encrypted identity', async () => {
    const home = makeHome(['alice']);
    const missing = await cli(['whoami', '--identity', 'nobody'], { home: home.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^usage error: identity "nobody" not found .*dfx identity new nobody/);
    const noDefault = await cli(['whoami'], { home: home.dir });
    expect(noDefault.code).toBe(2);
    expect(noDefault.stderr).toMatch(/^usage error: identity "default" not found/);

    const locked = join(home.dir, '.config/dfx/identity/locked');
    mkdirSync(locked, { recursive: true });
    writeFileSync(join(locked, 'identity.pem.encrypted'), 'opaque');
    const encryptedStore = await cli(['whoami', '--identity', 'locked'], { home: home.dir });
    expect(encryptedStore.code).toBe(2);
    expect(encryptedStore.stderr).toMatch(/^usage error: identity locked is password-protected .*dfx identity export locked/);

    const encryptedPem = join(home.dir, 'encrypted.pem');
    writeFileSync(encryptedPem, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString());
    const encrypted = await cli(['whoami', '--identity', encryptedPem], { home: home.dir });
    expect(encrypted.code).toBe(2);
    expect(encrypted.stderr).toMatch(/is an encrypted PEM: export an unencrypted one/);

    const rsa = join(home.dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const unsupported = await cli(['whoami', '--identity', rsa], { home: home.dir });
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toMatch(/only Ed25519 and secp256k1 keys/);
    expect(pemOf('secp256k1')).toMatch(/BEGIN EC PRIVATE KEY/);
});

it('asks on a terminal before a consequential command, and does nothing when the answer is no', async () => {
    const home = makeHome(['deployer'], 'deployer');
    const port = await freePort();
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    terminal.end('n\n');
    const run = await cli(['deploy', '--network', `http://127.0.0.1:${port}`, '--wasm', gzWasmPath('upgrader')], { home: home.dir, stdin: terminal });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Seal the upgrader \(module [0-9a-f]{16}…\) on http:\/\/127\.0\.0\.1:\d+\? Nobody will ever be able to change its code or prices\. \[y\/N\] NotConfirmed: not confirmed; nothing was done\n$/);
});

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
}
