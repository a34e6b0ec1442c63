/**
 * Helpers of the CLI tests: a temporary HOME with a dfx identity store (Ed25519 and secp256k1
 * PEMs, as dfx writes them), `main` run in-process with captured output, and a demo app deployed
 * with the upgrader and a recovery principal as its controllers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { HttpAgent, Identity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal as PrincipalClass, type Principal } from '@dfinity/principal';

import { AppConfig } from '../../canisters/demo_app/v1/types.js';
import { createCanister, installCode, setControllers } from '../../scripts/lib/ic.js';
import { gzWasmPath } from '../../scripts/paths.js';
import { identityFromPem } from '../../src/cli/identity.js';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { connect, resolveNetwork } from '../../src/cli/network.js';
import { toHex } from '../../src/encoding/hex.js';

export type KeyKind = 'ed25519' | 'secp256k1';

/** A PEM as dfx writes it: Ed25519 as PKCS#8, secp256k1 as SEC1 after an EC PARAMETERS block. */
export function pemOf(kind: KeyKind): string {
    if (kind === 'ed25519') return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const sec1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    return `-----BEGIN EC PARAMETERS-----\nBgUrgQQACg==\n-----END EC PARAMETERS-----\n${sec1}`;
}

export interface Home {
    dir: string;
    /** Each identity of the store, by name. */
    identities: Record<string, Identity>;
    principal(name: string): string;
}

/**
 * A temporary HOME whose dfx store holds `names`, alternately Ed25519 and secp256k1, with
 * `defaultName` as dfx's default identity.
 */
export function makeHome(names: readonly string[], defaultName?: string): Home {
    const dir = mkdtempSync(join(tmpdir(), 'upgrader-cli-home-'));
    const identities: Record<string, Identity> = {};
    names.forEach((name, index) => {
        const folder = join(dir, '.config', 'dfx', 'identity', name);
        mkdirSync(folder, { recursive: true });
        const pem = pemOf(index % 2 === 0 ? 'ed25519' : 'secp256k1');
        writeFileSync(join(folder, 'identity.pem'), pem);
        identities[name] = identityFromPem(pem, name);
    });
    if (defaultName !== undefined) writeFileSync(join(dir, '.config', 'dfx', 'identity.json'), JSON.stringify({ default: defaultName }));
    return { dir, identities, principal: (name) => identities[name]!.getPrincipal().toText() };
}

export interface CliRun {
    code: number;
    stdout: string;
    stderr: string;
    /** stdout parsed as the one JSON document it must be. */
    json<T = Record<string, unknown>>(): T;
}

/** Runs `main` in-process as the CLI would run with `args`, HOME and the working directory given. */
export async function cli(args: readonly string[], options: { home: string; cwd?: string; env?: Record<string, string>; stdin?: CliIo['stdin']; untilStopped?: () => Promise<void> }): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
        stdout: (text) => void (stdout += text),
        stderr: (text) => void (stderr += text),
        env: { HOME: options.home, ...options.env },
        cwd: options.cwd ?? options.home,
        stderrIsTTY: false,
        stdin: options.stdin,
        untilStopped: options.untilStopped ?? (() => Promise.reject(new Error('this test does not expect a command that serves until stopped')))
    });
    return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

/** An agent on the server as one of the home's identities (for what the CLI does not do: deploying the app). */
export async function agentAs(url: string, identity: Identity): Promise<HttpAgent> {
    return connect(resolveNetwork(url), identity);
}

/** An app's module and its init argument. */
export interface AppModule {
    wasm: Uint8Array;
    arg: Uint8Array;
}

/** The app (default: demo app v1, owned by `deployer`), installed by `deployer`, then controlled by the upgrader and `recovery` only. */
async function deployApp(deployer: HttpAgent, upgrader: Principal, recovery: Principal, module?: AppModule): Promise<Principal> {
    const owner = await deployer.getPrincipal();
    const app = await createCanister(deployer, [owner]);
    const config = new Uint8Array(IDL.encode([AppConfig], [{ owner: [owner], upgrader: [upgrader] }]));
    const { wasm, arg } = module ?? { wasm: new Uint8Array(readFileSync(gzWasmPath('demo_app_v1'))), arg: config };
    await installCode(deployer, app, wasm, arg);
    await setControllers(deployer, app, [upgrader, recovery]);
    return app;
}

/** demo_app_v2's post_upgrade argument, in hex. */
export const V2_ARG_HEX = toHex(new Uint8Array(IDL.encode([AppConfig], [{ owner: [], upgrader: [] }])));
export const V2_WASM = gzWasmPath('demo_app_v2');

const NAMES = ['deployer', 'recovery', 'alice', 'bob', 'carol', 'maintainer', 'stranger'] as const;

export interface GovernedApp {
    home: Home;
    /** The CLI on the server, in the home (whose canister_ids.json names the upgrader). */
    run: (args: string[]) => Promise<CliRun>;
    upgrader: string;
    app: string;
}

/**
 * Through the CLI: a fresh home (deployer, recovery, alice, bob, carol, maintainer, stranger),
 * a sealed free upgrader recorded in its canister_ids.json, and demo app v1 (or `module`)
 * registered by its recovery principal with voters alice, bob and carol (2 of 3), proposer
 * maintainer and health check `health`.
 */
export async function governedApp(url: string, module?: AppModule): Promise<GovernedApp> {
    const home = makeHome(NAMES, 'deployer');
    const run = (args: string[]): Promise<CliRun> => cli(['--network', url, ...args], { home: home.dir });
    const deployed = await run(['deploy', '--registration-fee', '0', '--storage-fee-per-mib', '0', '--save', '--yes', '--json']);
    if (deployed.code !== 0 || deployed.stderr !== '') throw new Error(`deploy failed: ${deployed.stderr}`);
    const upgrader = deployed.json<{ upgrader: string }>().upgrader;
    const deployer = await agentAs(url, home.identities.deployer!);
    const app = await deployApp(deployer, PrincipalClass.fromText(upgrader), PrincipalClass.fromText(home.principal('recovery')), module);
    const registered = await run([
        'register', '--app', app.toText(), '--recovery', home.principal('recovery'),
        '--voter', home.principal('alice'), '--voter', home.principal('bob'), '--voter', `${home.principal('carol')}:1`,
        '--threshold', '2', '--proposer', home.principal('maintainer'), '--health-check', 'health', '--identity', 'recovery', '--json'
    ]);
    if (registered.code !== 0) throw new Error(`register failed: ${registered.stderr}`);
    return { home, run, upgrader, app: app.toText() };
}
