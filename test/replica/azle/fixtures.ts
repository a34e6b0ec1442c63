import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { wasmPath } from '../../../scripts/paths.js';
import { Actor, Replica } from '../../../src/replica/index.js';

const OptText = IDL.Opt(IDL.Text);

/** Candid of the kv_store fixture canister (canisters/fixtures/kv_store). */
export const kvStoreIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
    I.Service({
        put: I.Func([I.Text, I.Text], [OptText], []),
        get: I.Func([I.Text], [OptText], ['query']),
        len: I.Func([], [I.Nat64], ['query']),
        putThenTrap: I.Func([I.Text, I.Text], [], []),
        whoami: I.Func([], [I.Principal], ['query']),
        installer: I.Func([], [I.Principal], ['query']),
        increment: I.Func([], [I.Nat64], []),
        counter: I.Func([], [I.Nat64], ['query']),
        upgrades: I.Func([], [I.Nat64], ['query']),
        performance: I.Func([], [I.Nat64], ['query']),
        fill: I.Func([I.Nat32, I.Nat32], [I.Nat64], []),
        canisterVersion: I.Func([], [I.Nat64], ['query']),
        timeNow: I.Func([], [I.Nat64], ['query']),
        setCertified: I.Func([I.Vec(I.Nat8)], [], []),
        acceptCycles: I.Func([I.Nat], [I.Nat], []),
        cycleBalance: I.Func([], [I.Nat], ['query'])
    });

export interface KvStore {
    put(key: string, value: string): Promise<[] | [string]>;
    get(key: string): Promise<[] | [string]>;
    len(): Promise<bigint>;
    putThenTrap(key: string, value: string): Promise<undefined>;
    whoami(): Promise<Principal>;
    installer(): Promise<Principal>;
    increment(): Promise<bigint>;
    counter(): Promise<bigint>;
    upgrades(): Promise<bigint>;
    performance(): Promise<bigint>;
    fill(count: number, size: number): Promise<bigint>;
    canisterVersion(): Promise<bigint>;
    timeNow(): Promise<bigint>;
    setCertified(data: Uint8Array): Promise<undefined>;
    acceptCycles(max: bigint): Promise<bigint>;
    cycleBalance(): Promise<bigint>;
}

/** Candid of the caller fixture canister (canisters/fixtures/caller). */
const callerIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
    I.Service({
        callGet: I.Func([I.Principal, I.Text], [OptText], []),
        callPut: I.Func([I.Principal, I.Text, I.Text], [OptText], []),
        notifyPut: I.Func([I.Principal, I.Text, I.Text], [], []),
        callTrap: I.Func([I.Principal, I.Text, I.Text], [I.Text], []),
        callWithCycles: I.Func([I.Principal, I.Nat], [I.Nat], []),
        callMissingMethod: I.Func([I.Principal], [I.Text], []),
        rawRand: I.Func([], [I.Vec(I.Nat8)], []),
        cycleBalance: I.Func([], [I.Nat], ['query'])
    });

export interface Caller {
    callGet(target: Principal, key: string): Promise<[] | [string]>;
    callPut(target: Principal, key: string, value: string): Promise<[] | [string]>;
    notifyPut(target: Principal, key: string, value: string): Promise<undefined>;
    callTrap(target: Principal, key: string, value: string): Promise<string>;
    callWithCycles(target: Principal, amount: bigint): Promise<bigint>;
    callMissingMethod(target: Principal): Promise<string>;
    rawRand(): Promise<Uint8Array>;
    cycleBalance(): Promise<bigint>;
}

export const KV_STORE_WASM = wasmPath('kv_store');
const CALLER_WASM = wasmPath('caller');

/** Installs the kv_store fixture with `controller` as its only controller. */
export async function deployKvStore(replica: Replica, controller: Principal): Promise<{ canisterId: Principal; actor: Actor<KvStore> }> {
    return replica.setupCanister<KvStore>({ idlFactory: kvStoreIdl, wasm: KV_STORE_WASM, sender: controller, controllers: [controller] });
}

export async function deployCaller(replica: Replica, controller: Principal): Promise<{ canisterId: Principal; actor: Actor<Caller> }> {
    return replica.setupCanister<Caller>({ idlFactory: callerIdl, wasm: CALLER_WASM, sender: controller, controllers: [controller] });
}

/** A deterministic user principal for tests. */
export function user(n: number): Principal {
    return Principal.fromUint8Array(new Uint8Array([n, 0xaa, 0xbb, 0x02]));
}
