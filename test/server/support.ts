/**
 * Helpers of the server tests: the management canister and the kv_store fixture through
 * a genuine @dfinity/agent HttpAgent.
 */
import { readFileSync } from 'node:fs';
import { Actor, ActorSubclass, HttpAgent, Identity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { gzWasmPath, wasmPath } from '../../scripts/paths.js';
import { sha256 } from '../../src/encoding/request-id.js';
import { managementIdlFactory } from '../../src/replica/index.js';
import { NO_SETTINGS, type CanisterSettings as Settings } from '../../src/replica/management/candid.js';
import { KvStore, kvStoreIdl } from '../replica/azle/fixtures.js';

export { kvStoreIdl };
export type { KvStore };

export const KV_WASM = wasmPath('kv_store');
export const KV_WASM_GZ = gzWasmPath('kv_store');
export const EMPTY_ARG = new Uint8Array(IDL.encode([], []));
/** Any id in the subnet's range: the effective canister id of provisional creates. */
export const ANY_CANISTER = Principal.fromText('lxzze-o7777-77777-aaaaa-cai');

type Mode = { install: null } | { reinstall: null } | { upgrade: [] };

/** The management canister methods the tests use. */
export interface Management {
    provisional_create_canister_with_cycles(args: { amount: [] | [bigint]; settings: [] | [Settings]; specified_id: [] | [Principal]; sender_canister_version: [] }): Promise<{ canister_id: Principal }>;
    install_code(args: { mode: Mode; canister_id: Principal; wasm_module: Uint8Array; arg: Uint8Array; sender_canister_version: [] }): Promise<undefined>;
    upload_chunk(args: { canister_id: Principal; chunk: Uint8Array }): Promise<{ hash: Uint8Array }>;
    clear_chunk_store(args: { canister_id: Principal }): Promise<undefined>;
    install_chunked_code(args: {
        mode: Mode;
        target_canister: Principal;
        store_canister: [];
        chunk_hashes_list: Array<{ hash: Uint8Array }>;
        wasm_module_hash: Uint8Array;
        arg: Uint8Array;
        sender_canister_version: [];
    }): Promise<undefined>;
    stop_canister(args: { canister_id: Principal }): Promise<undefined>;
    start_canister(args: { canister_id: Principal }): Promise<undefined>;
}

/** The management canister as an agent Actor; each call's effective canister id is the canister it names. */
export function management(agent: HttpAgent): ActorSubclass<Management> {
    return Actor.createActor<Management>(managementIdlFactory, {
        agent,
        canisterId: Principal.fromText('aaaaa-aa'),
        callTransform: (_method, args) => {
            const first = args[0] as { canister_id?: Principal; target_canister?: Principal } | undefined;
            return { effectiveCanisterId: first?.canister_id ?? first?.target_canister ?? ANY_CANISTER };
        }
    });
}

export function settingsWith(controllers: Principal[]): Settings {
    return { ...NO_SETTINGS, controllers: [controllers] };
}

export async function agentFor(url: string, identity?: Identity, options: { retryTimes?: number } = {}): Promise<HttpAgent> {
    return HttpAgent.create({ host: url, shouldFetchRootKey: true, identity, retryTimes: options.retryTimes });
}

/**
 * Creates a canister controlled by the agent's identity and installs kv_store: the raw
 * 3.5 MB module through the chunk store (upload_chunk + install_chunked_code) when
 * `chunked`, else the gzipped module with install_code.
 */
export async function deployKvStore(agent: HttpAgent, options: { chunked: boolean }): Promise<{ canisterId: Principal; module: Uint8Array }> {
    const mgmt = management(agent);
    const controller = await agent.getPrincipal();
    const { canister_id } = await mgmt.provisional_create_canister_with_cycles({ amount: [10n ** 15n], settings: [settingsWith([controller])], specified_id: [], sender_canister_version: [] });
    if (!options.chunked) {
        const module = new Uint8Array(readFileSync(KV_WASM_GZ));
        await mgmt.install_code({ mode: { install: null }, canister_id, wasm_module: module, arg: EMPTY_ARG, sender_canister_version: [] });
        return { canisterId: canister_id, module };
    }
    const module = new Uint8Array(readFileSync(KV_WASM));
    await mgmt.clear_chunk_store({ canister_id });
    const hashes: Array<{ hash: Uint8Array }> = [];
    for (let at = 0; at < module.length; at += 1_000_000) {
        hashes.push(await mgmt.upload_chunk({ canister_id, chunk: module.subarray(at, at + 1_000_000) }));
    }
    await mgmt.install_chunked_code({
        mode: { install: null },
        target_canister: canister_id,
        store_canister: [],
        chunk_hashes_list: hashes,
        wasm_module_hash: sha256(module),
        arg: EMPTY_ARG,
        sender_canister_version: []
    });
    return { canisterId: canister_id, module };
}

export function kvActor(agent: HttpAgent, canisterId: Principal): ActorSubclass<KvStore> {
    return Actor.createActor<KvStore>(kvStoreIdl, { agent, canisterId });
}

export { toHex as hex } from '../../src/encoding/hex.js';
export { sha256 };
