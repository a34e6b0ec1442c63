/**
 * What the voters' page tests stand on: a replica server with a sealed upgrader (free, a private
 * deployment) and demo app v1 (controlled by the upgrader and a recovery principal), then the app
 * registered with the given voters, v2 uploaded and proposed by a maintainer, and the page served
 * against it. Each test builds its own.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { IDL } from '@dfinity/candid';
import type { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

import { AppConfig } from '../../canisters/demo_app/v1/types.js';
import { UpgraderClient } from '../../src/client/upgrader.js';
import { startReplicaServer, type ReplicaServer } from '../../src/server/index.js';
import { startVoterPage, type VoterPage } from '../../src/ui/server.js';
import { connect, createCanister, demoIdentity, installCode, resolveNetwork, setControllers } from '../../scripts/lib/ic.js';
import { gzWasmPath } from '../../scripts/paths.js';
import { priced, sealUpgrader } from '../../scripts/seal.js';

export interface Deployment {
    server: ReplicaServer;
    upgraderId: Principal;
    app: Principal;
    /** A client of the upgrader as `as`. */
    client(as: Ed25519KeyIdentity): Promise<UpgraderClient>;
    maintainer: Ed25519KeyIdentity;
    recovery: Ed25519KeyIdentity;
    close(): Promise<void>;
}

/** The replica server, the sealed upgrader and demo app v1, not registered yet. */
async function deploy(): Promise<Deployment> {
    const server = await startReplicaServer({ port: 0, log: () => undefined });
    try {
        const network = resolveNetwork(server.url);
        const deployer = demoIdentity('ui deployer');
        const recovery = demoIdentity('ui recovery');
        const maintainer = demoIdentity('ui maintainer');
        const deployerAgent = await connect(network, deployer);
        const sealed = await sealUpgrader(deployerAgent, new Uint8Array(await readFile(gzWasmPath('upgrader'))), undefined, priced(0n, 0n));
        const app = await createCanister(deployerAgent, [deployer.getPrincipal()]);
        const config = new Uint8Array(IDL.encode([AppConfig], [{ owner: [deployer.getPrincipal()], upgrader: [sealed.canisterId] }]));
        await installCode(deployerAgent, app, new Uint8Array(await readFile(gzWasmPath('demo_app_v1'))), config);
        await setControllers(deployerAgent, app, [sealed.canisterId, recovery.getPrincipal()]);
        const client = async (as: Ed25519KeyIdentity): Promise<UpgraderClient> => UpgraderClient.create({ agent: await connect(network, as), canisterId: sealed.canisterId });
        return { server, upgraderId: sealed.canisterId, app, client, maintainer, recovery, close: () => server.close() };
    } catch (error) {
        await server.close();
        throw error;
    }
}

/** Registers the app (as its recovery principal) with `voters`, weight 1 each, and `threshold`. */
export async function register(deployment: Deployment, voters: Principal[], threshold: number): Promise<void> {
    await (await deployment.client(deployment.recovery)).register({
        app: deployment.app,
        recovery: deployment.recovery.getPrincipal(),
        policy: { voters: voters.map((principal) => ({ principal, weight: 1 })), threshold, proposers: [deployment.maintainer.getPrincipal()], proposal_lifetime_seconds: 86_400n, health_check: ['health'] },
        snapshot_policy: { keep: 1, required: false, rehearse: false }
    });
}

/** Uploads demo app v2 and proposes the upgrade (as the maintainer); returns the proposal id. */
export async function proposeV2(deployment: Deployment): Promise<bigint> {
    const upgrader = await deployment.client(deployment.maintainer);
    const module = await upgrader.uploadModule({ app: deployment.app, wasm: new Uint8Array(await readFile(gzWasmPath('demo_app_v2'))) });
    const arg = new Uint8Array(IDL.encode([AppConfig], [{ owner: [], upgrader: [] }]));
    return upgrader.proposeUpgrade(deployment.app, { module_hash: module.hash, arg, options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] }, downgrade: false });
}

async function servePage(deployment: Deployment): Promise<VoterPage> {
    return startVoterPage({ networkUrl: deployment.server.url, upgraderId: deployment.upgraderId.toText() });
}

/** Where screenshots go (git-ignored). */
export const ARTIFACTS = 'test-artifacts/ui';

/**
 * Debian's chromium (CHROMIUM_PATH overrides /usr/bin/chromium), headless, launched before the
 * file's tests and closed after them; call at the top of a test file, then `browser()` in tests.
 */
export function sharedBrowser(): () => Browser {
    let browser: Browser | undefined;
    beforeAll(async () => {
        mkdirSync(ARTIFACTS, { recursive: true });
        browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    });
    afterAll(async () => {
        await browser?.close();
    });
    return () => {
        if (browser === undefined) throw new Error('the browser starts in beforeAll: call browser() inside a test');
        return browser;
    };
}

export interface PageSession {
    deployment: Deployment;
    server: VoterPage;
    page: Page;
    /** Errors the page threw, collected as they come. */
    pageErrors: string[];
}

/** A fresh deployment, the page served against it and a browser page on it; all closed once `body` ends. */
export async function withPage(browser: Browser, options: BrowserContextOptions, body: (session: PageSession) => Promise<void>): Promise<void> {
    const deployment = await deploy();
    const server = await servePage(deployment);
    const context = await browser.newContext(options);
    try {
        const page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await body({ deployment, server, page, pageErrors });
    } finally {
        await context.close();
        await server.close();
        await deployment.close();
    }
}

/** The page's own principal (it makes a key on first visit). */
export async function pagePrincipal(page: Page): Promise<Principal> {
    const text = await page.locator('#voter-principal').textContent({ timeout: 30_000 });
    return Principal.fromText(text ?? '');
}
