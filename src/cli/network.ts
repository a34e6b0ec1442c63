/**
 * Which network to talk to and which upgrader. `--network local` is http://127.0.0.1:4943, the
 * port of `dfx start` and of the embedded replica's server (`npm run replica`); icp-cli's local
 * network listens on 8000 (`--network http://127.0.0.1:8000`). `--network ic` is the IC
 * (https://icp-api.io); any other value must be a URL. The root key is fetched from the network
 * on every network but the IC, whose key the agent knows.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { HttpAgent, type Identity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';

import { parsePrincipal } from './args.js';
import { isNetworkFailure, networkError, UsageError } from './errors.js';

export const LOCAL_URL = 'http://127.0.0.1:4943';
const IC_URL = 'https://icp-api.io';

const IC_HOSTS = new Set(['icp-api.io', 'ic0.app', 'icp0.io']);
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface Network {
    /** `local`, `ic`, or the URL given (also the key looked up in canister_ids.json). */
    name: string;
    url: string;
    /** The IC itself: the agent verifies against the IC's own root key. */
    mainnet: boolean;
    /** On this machine: demo identities are allowed. */
    local: boolean;
}

/** @throws UsageError for a name that is neither `local`, `ic` nor an http(s) URL. */
export function resolveNetwork(name: string): Network {
    if (name === 'local') return { name, url: LOCAL_URL, mainnet: false, local: true };
    if (name === 'ic') return { name, url: IC_URL, mainnet: true, local: false };
    let url: URL;
    try {
        url = new URL(name);
    } catch {
        throw new UsageError(`unknown network ${JSON.stringify(name)}: use local, ic or a URL such as ${LOCAL_URL}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--network ${name}: only http and https URLs are served`);
    return { name, url: url.origin, mainnet: IC_HOSTS.has(url.hostname), local: LOCAL_HOSTS.has(url.hostname) };
}

/**
 * An agent for `network` as `identity` (the root key fetched on anything but the IC).
 * @throws CliFailure `NetworkError` when the network cannot be reached.
 */
export async function connect(network: Network, identity: Identity): Promise<HttpAgent> {
    try {
        return await HttpAgent.create({ host: network.url, identity, shouldFetchRootKey: !network.mainnet, retryTimes: 1 });
    } catch (error) {
        if (isNetworkFailure(error) || !network.mainnet) throw networkError(network.url, error);
        throw error;
    }
}

/** `{ "upgrader": { "<network>": "<id>" } }`, dfx's canister_ids.json layout. */
type CanisterIds = Record<string, Record<string, string> | undefined>;

/**
 * The upgrader's id: `--upgrader`, else canister_ids.json in `cwd` under the network's name.
 * @throws UsageError when neither gives one, or the id is not a principal.
 */
export async function resolveUpgraderId(given: string | undefined, network: Network, cwd: string): Promise<Principal> {
    if (given !== undefined) return parsePrincipal(given, '--upgrader');
    const path = join(cwd, 'canister_ids.json');
    let ids: CanisterIds | undefined;
    try {
        ids = JSON.parse(await readFile(path, 'utf8')) as CanisterIds;
    } catch (error) {
        if (!isMissingFile(error)) throw new UsageError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const id = ids?.upgrader?.[network.name];
    if (id === undefined) throw new UsageError(`no upgrader id for network ${network.name}: pass --upgrader <id>, or add {"upgrader": {"${network.name}": "<id>"}} to canister_ids.json (deploy --save writes it)`);
    return parsePrincipal(id, `canister_ids.json's upgrader.${network.name}`);
}

/** Records the upgrader's id for `network` in `cwd`'s canister_ids.json, keeping what else it holds. */
export async function saveUpgraderId(id: Principal, network: Network, cwd: string): Promise<string> {
    const path = join(cwd, 'canister_ids.json');
    let ids: CanisterIds = {};
    try {
        ids = JSON.parse(await readFile(path, 'utf8')) as CanisterIds;
    } catch (error) {
        if (!isMissingFile(error)) throw new UsageError(`${path} is not valid JSON; fix or remove it first`);
    }
    ids.upgrader = { ...(ids.upgrader ?? {}), [network.name]: id.toText() };
    await writeFile(path, `${JSON.stringify(ids, null, 2)}\n`);
    return path;
}

/** Whether a file-system error says the file does not exist (tested by shape: such errors may come from another realm). */
function isMissingFile(error: unknown): boolean {
    return typeof error === 'object' && error !== null && Reflect.get(error, 'code') === 'ENOENT';
}
