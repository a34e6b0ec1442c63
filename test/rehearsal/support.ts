/** Live apps on an embedded replica, and their state as the rehearsal reads it (a downloaded snapshot). */
import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { wasmPath } from '../../scripts/paths.js';
import { Actor, Replica } from '../../src/replica/index.js';
import type { AppState } from '../../src/rehearsal/app-state.js';
import { downloadAppState } from '../../src/rehearsal/download.js';
import { replicaManagement } from '../../src/rehearsal/replica-management.js';

const owner = Principal.fromUint8Array(new Uint8Array([7, 0xaa, 0xbb, 0x02]));
const recovery = Principal.fromUint8Array(new Uint8Array([8, 0xaa, 0xbb, 0x02]));

/** The footgun fixtures' init and post_upgrade argument: hashing rounds per record in pre_upgrade. */
export function footgunArg(checksumRounds: number): Uint8Array {
    return new Uint8Array(IDL.encode([IDL.Nat32], [checksumRounds]));
}

const footgunIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
    I.Service({
        add: I.Func([I.Text, I.Opt(I.Vec(I.Text))], [I.Nat64], []),
        fill: I.Func([I.Nat32, I.Nat32], [I.Nat64], []),
        count: I.Func([], [I.Nat64], ['query']),
        version: I.Func([], [I.Text], ['query'])
    });

export interface Footgun {
    add(title: string, tags: [] | [string[]]): Promise<bigint>;
    fill(count: number, size: number): Promise<bigint>;
    count(): Promise<bigint>;
    version(): Promise<string>;
}

export function moduleOf(name: string): Uint8Array {
    return new Uint8Array(readFileSync(wasmPath(name)));
}

/** footgun v1, live, with `owner` and `recovery` as controllers. */
export async function liveFootgun(replica: Replica, checksumRounds: number): Promise<{ canisterId: Principal; actor: Actor<Footgun> }> {
    return replica.setupCanister<Footgun>({ idlFactory: footgunIdl, wasm: wasmPath('footgun_v1'), arg: footgunArg(checksumRounds), sender: owner, controllers: [owner, recovery] });
}

/** The app's state as a controller downloads it. */
export async function stateOf(replica: Replica, canisterId: Principal): Promise<AppState> {
    return downloadAppState(replicaManagement(replica, owner), canisterId);
}

