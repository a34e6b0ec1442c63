/**
 * What the scripts need from an IC network, over @dfinity/agent only, so that the same code
 * runs against the embedded replica's HTTP server, a dfx / icp-cli local network, or the IC:
 * choosing the network and identity explicitly, management-canister calls, and reading a
 * canister's controllers and module hash from the certified state.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';

import { Actor, CanisterStatus, HttpAgent, type Identity } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';

import { fromHex } from '../../src/encoding/hex.js';
import { type CanisterSettings as CandidSettings, managementIdlFactory, NO_SETTINGS } from '../../src/replica/management/candid.js';

const LOCAL_URL = 'http://127.0.0.1:4943';
const MAINNET_URL = 'https://icp-api.io';

/** A network named on the command line: `local`, `ic`, or a URL. */
export type Network = { name: string; url: string; mainnet: boolean };

export function resolveNetwork(network: string): Network {
    if (network === 'local') return { name: 'local', url: LOCAL_URL, mainnet: false };
    if (network === 'ic') return { name: 'ic', url: MAINNET_URL, mainnet: true };
    if (/^https?:\/\//.test(network)) return { name: network, url: network, mainnet: network.startsWith(MAINNET_URL) };
    throw new Error(`Unknown network ${JSON.stringify(network)}: use "local", "ic" or a URL such as ${LOCAL_URL}`);
}

/**
 * Loads an Ed25519 identity: a JSON file as written by `Ed25519KeyIdentity.toJSON()`, or a file
 * holding a 32-byte secret key in hex. There is deliberately no default identity.
 */
export async function loadIdentity(path: string): Promise<Ed25519KeyIdentity> {
    const text = (await readFile(path, 'utf8')).trim();
    if (text.startsWith('[')) return Ed25519KeyIdentity.fromJSON(text);
    if (/^[0-9a-f]{64}$/i.test(text)) return Ed25519KeyIdentity.fromSecretKey(fromHex(text));
    throw new Error(`${path} holds neither an Ed25519KeyIdentity JSON nor a 32-byte hex secret key`);
}

/** A deterministic identity from a name (for local demos only: anyone can derive it). */
export function demoIdentity(name: string): Ed25519KeyIdentity {
    return Ed25519KeyIdentity.generate(new Uint8Array(createHash('sha256').update(`demo identity ${name}`).digest()));
}

/** An agent for `network` as `identity`; fetches the root key on anything but mainnet. */
export async function connect(network: Network, identity: Identity): Promise<HttpAgent> {
    return HttpAgent.create({ host: network.url, identity, shouldFetchRootKey: !network.mainnet });
}

/** The management-canister methods the scripts call. */
interface Management {
    provisional_create_canister_with_cycles(args: { amount: [] | [bigint]; settings: [] | [CandidSettings]; specified_id: []; sender_canister_version: [] }): Promise<{ canister_id: Principal }>;
    install_code(args: { mode: { install: null } | { upgrade: [] }; canister_id: Principal; wasm_module: Uint8Array; arg: Uint8Array; sender_canister_version: [] }): Promise<void>;
    update_settings(args: { canister_id: Principal; settings: CandidSettings; sender_canister_version: [] }): Promise<void>;
}

/** The management canister, with `effectiveCanisterId` routing the calls to its subnet. */
function management(agent: HttpAgent, effectiveCanisterId: Principal): Management {
    return Actor.createActor(managementIdlFactory, {
        agent,
        canisterId: Principal.managementCanister(),
        effectiveCanisterId
    }) as unknown as Management;
}

/**
 * Creates a canister with cycles (a local network's provisional API; on the IC, create canisters
 * with the cycles ledger or dfx and pass their ids instead).
 */
export async function createCanister(agent: HttpAgent, controllers: Principal[], cycles = 10n ** 15n): Promise<Principal> {
    const anyCanister = Principal.fromText('aaaaa-aa');
    const result = await management(agent, anyCanister).provisional_create_canister_with_cycles({
        amount: [cycles],
        settings: [{ ...NO_SETTINGS, controllers: [controllers] }],
        specified_id: [],
        sender_canister_version: []
    });
    return result.canister_id;
}

/** Installs a module (raw or gzipped, at most ~2 MB for one message) with a Candid argument. */
export async function installCode(agent: HttpAgent, canisterId: Principal, wasm: Uint8Array, arg: Uint8Array): Promise<void> {
    await management(agent, canisterId).install_code({ mode: { install: null }, canister_id: canisterId, wasm_module: wasm, arg, sender_canister_version: [] });
}

export async function setControllers(agent: HttpAgent, canisterId: Principal, controllers: Principal[]): Promise<void> {
    await management(agent, canisterId).update_settings({ canister_id: canisterId, settings: { ...NO_SETTINGS, controllers: [controllers] }, sender_canister_version: [] });
}

/** A canister's controllers and module hash, read from the certified state (`read_state`), which the agent verifies against the root key. */
export async function certifiedInfo(agent: HttpAgent, canisterId: Principal): Promise<{ controllers: Principal[]; moduleHash: string | null }> {
    const status = await CanisterStatus.request({ canisterId, agent, paths: ['controllers', 'module_hash'] });
    const controllers = status.get('controllers');
    const moduleHash = status.get('module_hash');
    return {
        controllers: Array.isArray(controllers) ? controllers.filter((c): c is Principal => c instanceof Principal) : [],
        moduleHash: typeof moduleHash === 'string' ? moduleHash : null
    };
}

export function sha256Hex(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
}

/** The value of `--name value` in argv, or undefined. */
export function option(argv: readonly string[], name: string): string | undefined {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
}
