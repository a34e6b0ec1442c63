/**
 * What the scripts need from an IC network, over @dfinity/agent only, so that the same code
 * runs against the embedded replica's HTTP server, a dfx / icp-cli local network, or the IC:
 * choosing the network and identity explicitly, management-canister calls, and reading a
 * canister's controllers and module hash from the certified state.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';

import { Actor, Cbor, Certificate, HttpAgent, type Identity, LookupPathStatus } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';

import { fromHex, toHex } from '../../src/encoding/hex.js';
import { type CanisterSettings as CandidSettings, managementIdlFactory, NO_SETTINGS } from '../../src/replica/management/candid.js';
import { UsageError } from './args.js';

const LOCAL_URL = 'http://127.0.0.1:4943';
const MAINNET_URL = 'https://icp-api.io';
/** Hosts of the IC's boundary nodes: their root key is the IC's, built into the agent, never fetched. */
const MAINNET_HOSTS = ['icp-api.io', 'ic0.app', 'icp0.io'];

/**
 * A network named on the command line: `local`, `ic`, or a URL. On mainnet the agent checks
 * certificates against the IC's root key it has built in; on any other network it fetches the
 * root key from that network, so its answers are only as trustworthy as its operator.
 */
export type Network = { name: string; url: string; mainnet: boolean };

export function resolveNetwork(network: string): Network {
    if (network === 'local') return { name: 'local', url: LOCAL_URL, mainnet: false };
    if (network === 'ic') return { name: 'ic', url: MAINNET_URL, mainnet: true };
    let url: URL | null = null;
    try {
        url = /^https?:\/\//.test(network) ? new URL(network) : null;
    } catch {
        url = null;
    }
    if (url === null) throw new UsageError(`unknown network ${JSON.stringify(network)}: use "local", "ic" or a URL such as ${LOCAL_URL}`);
    const host = url.hostname;
    return { name: network, url: network, mainnet: MAINNET_HOSTS.some((known) => host === known || host.endsWith(`.${known}`)) };
}

/**
 * Loads an Ed25519 identity: a JSON file as written by `Ed25519KeyIdentity.toJSON()`, or a file
 * holding a 32-byte secret key in hex. There is deliberately no default identity.
 * @throws UsageError when the file cannot be read or holds neither form.
 */
export async function loadIdentity(path: string): Promise<Ed25519KeyIdentity> {
    let text: string;
    try {
        text = (await readFile(path, 'utf8')).trim();
    } catch (error) {
        throw new UsageError(`cannot read the identity file ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
        if (text.startsWith('[')) return Ed25519KeyIdentity.fromJSON(text);
    } catch {
        // reported below with the expected forms
    }
    if (/^[0-9a-f]{64}$/i.test(text)) return Ed25519KeyIdentity.fromSecretKey(fromHex(text));
    throw new UsageError(`${path} holds neither an Ed25519KeyIdentity JSON nor a 32-byte secret key in hex`);
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
    canister_status(args: { canister_id: Principal }): Promise<{ status: { running: null } | { stopping: null } | { stopped: null } }>;
    start_canister(args: { canister_id: Principal }): Promise<void>;
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

/** Whether a canister runs (canister_status: its controllers only). */
export async function runStatus(agent: HttpAgent, canisterId: Principal): Promise<'running' | 'stopping' | 'stopped'> {
    const { status } = await management(agent, canisterId).canister_status({ canister_id: canisterId });
    return 'running' in status ? 'running' : 'stopping' in status ? 'stopping' : 'stopped';
}

export async function startCanister(agent: HttpAgent, canisterId: Principal): Promise<void> {
    await management(agent, canisterId).start_canister({ canister_id: canisterId });
}

/** What the certified state says about a canister: its controllers and module hash (hex; null for an empty canister). */
export type CertifiedInfo = { controllers: Principal[]; moduleHash: string | null };

/**
 * A canister's controllers and module hash, read from the certified state (one `read_state` of
 * canister/<id>/controllers and canister/<id>/module_hash) and verified by the agent against the
 * root key. Unlike the agent's CanisterStatus, which reports any failure as a missing value,
 * every failure throws, so that an unreadable or missing canister never looks like one without
 * controllers.
 * @throws when the read fails, the certificate does not verify, or the canister does not exist.
 */
export async function certifiedInfo(agent: HttpAgent, canisterId: Principal): Promise<CertifiedInfo> {
    const path = (leaf: string): Uint8Array[] => [utf8('canister'), canisterId.toUint8Array(), utf8(leaf)];
    const controllersPath = path('controllers');
    const moduleHashPath = path('module_hash');
    const rootKey = agent.rootKey ?? (await agent.fetchRootKey());
    let certificate: Certificate;
    try {
        const response = await agent.readState(canisterId, { paths: [controllersPath, moduleHashPath] });
        certificate = await Certificate.create({ certificate: response.certificate, rootKey, canisterId, agent });
    } catch (error) {
        throw new Error(`could not read the certified state of ${canisterId.toText()}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const controllers = certificate.lookup_path(controllersPath);
    if (controllers.status === LookupPathStatus.Absent) {
        throw new Error(`canister ${canisterId.toText()} does not exist on this network (the certified state has no entry for it): check the id and --network`);
    }
    if (controllers.status !== LookupPathStatus.Found) throw new Error(`the certificate for ${canisterId.toText()} does not cover its controllers (${controllers.status})`);
    const moduleHash = certificate.lookup_path(moduleHashPath);
    if (moduleHash.status !== LookupPathStatus.Found && moduleHash.status !== LookupPathStatus.Absent) {
        throw new Error(`the certificate for ${canisterId.toText()} does not cover its module hash (${moduleHash.status})`);
    }
    return {
        controllers: decodeControllers(controllers.value),
        moduleHash: moduleHash.status === LookupPathStatus.Found ? toHex(moduleHash.value) : null
    };
}

/** The certified controllers: a CBOR array of principals' bytes. */
function decodeControllers(cbor: Uint8Array): Principal[] {
    const decoded: unknown = Cbor.decode(cbor);
    if (!Array.isArray(decoded) || !decoded.every((item): item is Uint8Array => item instanceof Uint8Array)) {
        throw new Error('the certified controllers are not a CBOR array of principals');
    }
    return decoded.map((bytes) => Principal.fromUint8Array(bytes));
}

function utf8(text: string): Uint8Array {
    return new TextEncoder().encode(text);
}

export function sha256Hex(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
}
