/**
 * npm start: the main job. Builds the canisters, starts the embedded replica in this
 * process, deploys the kv_store canister, writes to it, upgrades it and shows that its
 * stable state survived, then shows a trapping call rolled back. Prints every step; exits 0.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { CallRejectedError, Replica } from '../src/replica/index.js';
import { buildCanisters } from './build-lib.js';
import { wasmPath } from './paths.js';

const kvStoreIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
    I.Service({
        put: I.Func([I.Text, I.Text], [I.Opt(I.Text)], []),
        get: I.Func([I.Text], [I.Opt(I.Text)], ['query']),
        len: I.Func([], [I.Nat64], ['query']),
        putThenTrap: I.Func([I.Text, I.Text], [], []),
        upgrades: I.Func([], [I.Nat64], ['query'])
    });

interface KvStore {
    put(key: string, value: string): Promise<[] | [string]>;
    get(key: string): Promise<[] | [string]>;
    len(): Promise<bigint>;
    putThenTrap(key: string, value: string): Promise<undefined>;
    upgrades(): Promise<bigint>;
}

const step = (text: string) => console.log(`\n▶ ${text}`);
const show = (label: string, value: unknown) => console.log(`  ${label}: ${typeof value === 'bigint' ? value.toString() : JSON.stringify(value)}`);

step('Building canisters (offline, only what changed)');
await buildCanisters({ names: ['kv_store'], log: (line) => console.log(`  ${line}`) });

step('Starting the embedded replica (in this process)');
const replica = await Replica.create();
const owner = Principal.fromUint8Array(new Uint8Array([1, 2, 3, 4, 2]));
show('controller', owner.toText());

step('Deploying kv_store (a real Azle canister; state in StableBTreeMaps)');
const wasm = wasmPath('kv_store');
const { canisterId, actor } = await replica.setupCanister<KvStore>({ idlFactory: kvStoreIdl, wasm, sender: owner, controllers: [owner] });
show('canister', canisterId.toText());
const expectedHash = createHash('sha256').update(await readFile(wasm)).digest('hex');

step('Writing three entries');
for (const [k, v] of [['alice', '10'], ['bob', '20'], ['carol', '30']] as const) await actor.put(k, v);
show('len', await actor.len());

step('Upgrading the canister (stable memory kept, heap replaced)');
await replica.upgradeCanister({ canisterId, wasm, sender: owner });
const status = await replica.canisterStatus({ canisterId, sender: owner });
show('module hash', Buffer.from(status.moduleHash ?? []).toString('hex'));
show('module hash is the sha256 of the installed module', Buffer.from(status.moduleHash ?? []).toString('hex') === expectedHash);
show('post_upgrade runs', await actor.upgrades());
show('bob after upgrade', await actor.get('bob'));

step('A call that writes and then traps is rolled back');
try {
    await actor.putThenTrap('mallory', 'x');
} catch (error) {
    if (!(error instanceof CallRejectedError)) throw error;
    show('rejected with', `${error.errorCode} (reject code ${error.rejectCode})`);
}
show('mallory', await actor.get('mallory'));
show('len', await actor.len());

await replica.tearDown();
console.log('\n✔ done');
