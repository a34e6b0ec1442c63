/**
 * Sealing, over the genuine @dfinity/agent against the replica server: `sealUpgrader` leaves the
 * upgrader with no controllers and the installed module's SHA-256 in the certified state (read
 * with read_state and verified against the root key), refuses canisters it must not touch, and
 * `verifySealed` never takes an unreadable, missing or empty canister for a sealed one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { Actor, CanisterStatus, HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';

import { idlFactory, type UpgraderService } from '../../canisters/upgrader/types.js';
import { certifiedInfo, connect, createCanister, installCode, resolveNetwork, setControllers } from '../../scripts/lib/ic.js';
import { gzWasmPath } from '../../scripts/paths.js';
import { priced, sealUpgrader } from '../../scripts/seal.js';
import { verifySealed } from '../../scripts/verify.js';
import { ReplicaKeys } from '../../src/replica/index.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { management } from '../server/support.js';

const UPGRADER_GZ = new Uint8Array(readFileSync(gzWasmPath('upgrader')));
const UPGRADER_HASH = createHash('sha256').update(UPGRADER_GZ).digest('hex');
const EMPTY_ARG = new Uint8Array(IDL.encode([], []));

let server: ReplicaServer;

beforeEach(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterEach(async () => {
    await server.close();
});

async function agentOf(identity = Ed25519KeyIdentity.generate()): Promise<HttpAgent> {
    return connect(resolveNetwork(server.url), identity);
}

describe('sealUpgrader', () => {
    it('leaves no controllers and the SHA-256 of the installed module in the certified state, and the sealed upgrader works with the prices it was given', async () => {
        const deployer = await agentOf();
        const sealed = await sealUpgrader(deployer, UPGRADER_GZ, undefined, priced(7n, 11n));
        expect(sealed.moduleHash).toBe(UPGRADER_HASH);
        expect(sealed.controllers).toEqual([]);

        // A stranger reads it through the agent's own CanisterStatus, which checks the certificate against the root key.
        const stranger = await agentOf();
        const status = await CanisterStatus.request({ agent: stranger, canisterId: sealed.canisterId, paths: ['controllers', 'module_hash'] });
        expect(status.get('controllers')).toEqual([]);
        expect(status.get('module_hash')).toBe(UPGRADER_HASH);
        expect(await certifiedInfo(stranger, sealed.canisterId)).toEqual({ controllers: [], moduleHash: UPGRADER_HASH });
        expect(server.node.subnet.canister(sealed.canisterId)?.settings.controllers).toEqual([]);

        // Its deployer has no power left over it.
        await expect(setControllers(deployer, sealed.canisterId, [await deployer.getPrincipal()])).rejects.toThrow(/controller/i);
        const limits = await Actor.createActor<UpgraderService>(idlFactory, { agent: stranger, canisterId: sealed.canisterId }).limits();
        expect([limits.registration_fee, limits.storage_fee_per_mib]).toEqual([7n, 11n]);
    });

    it('prepares an existing canister: removes its other controllers before installing (none can swap the module before the seal), and starts it if stopped (sealed stopped, nobody could start it)', async () => {
        const deployer = await agentOf();
        const self = await deployer.getPrincipal();
        const other = Ed25519KeyIdentity.generate().getPrincipal();
        const id = await createCanister(deployer, [other, self]);
        await management(deployer).stop_canister({ canister_id: id });
        const lines: string[] = [];
        await sealUpgrader(deployer, UPGRADER_GZ, id, undefined, (line) => lines.push(line));
        expect(lines.join('\n')).toContain('(it was stopped; sealed so, nobody could ever start it)');
        const limits = await Actor.createActor<UpgraderService>(idlFactory, { agent: deployer, canisterId: id }).limits();
        expect(limits.max_apps).toBeGreaterThan(0);

        const history = server.node.subnet.canister(id)?.history.map((change) => change.details) ?? [];
        expect(history.map((details) => details.kind)).toEqual(['creation', 'controllers_change', 'code_deployment', 'controllers_change']);
        expect(history[1]).toEqual({ kind: 'controllers_change', controllers: [self] });
        expect(history[3]).toEqual({ kind: 'controllers_change', controllers: [] });
        expect(lines.join('\n')).toContain(other.toText());
        expect(await certifiedInfo(deployer, id)).toEqual({ controllers: [], moduleHash: UPGRADER_HASH });
    });

    it('refuses a canister its identity does not control, saying whose it is, and leaves it untouched', async () => {
        const owner = await agentOf();
        const id = await createCanister(owner, [await owner.getPrincipal()]);
        const intruder = await agentOf();
        await expect(sealUpgrader(intruder, UPGRADER_GZ, id)).rejects.toThrow(
            new RegExp(`${(await intruder.getPrincipal()).toText()} is not a controller of ${id.toText()} \\(its controllers: ${(await owner.getPrincipal()).toText()}\\)`)
        );
        expect(await certifiedInfo(owner, id)).toEqual({ controllers: [await owner.getPrincipal()], moduleHash: null });
    });

    it('refuses a canister that already runs a module, and one sealed already', async () => {
        const deployer = await agentOf();
        const id = await createCanister(deployer, [await deployer.getPrincipal()]);
        await installCode(deployer, id, UPGRADER_GZ, EMPTY_ARG);
        await expect(sealUpgrader(deployer, UPGRADER_GZ, id)).rejects.toThrow(`${id.toText()} is not empty: it runs module ${UPGRADER_HASH}`);

        const sealed = await sealUpgrader(deployer, UPGRADER_GZ);
        await expect(sealUpgrader(deployer, UPGRADER_GZ, sealed.canisterId)).rejects.toThrow('it has none: it is sealed already');
    });
});

describe('verifySealed', () => {
    it('verifies a sealed upgrader against its module, and refuses another module', async () => {
        const agent = await agentOf();
        const { canisterId } = await sealUpgrader(agent, UPGRADER_GZ);
        expect(await verifySealed(agent, canisterId, UPGRADER_HASH.toUpperCase())).toMatchObject({ sealed: true, matches: true, verified: true });
        expect(await verifySealed(agent, canisterId)).toMatchObject({ sealed: true, matches: null, verified: true });
        expect(await verifySealed(agent, canisterId, '00'.repeat(32))).toMatchObject({ sealed: true, matches: false, verified: false });
    });

    it('does not verify a canister with a controller, nor a sealed empty one', async () => {
        const agent = await agentOf();
        const self = await agent.getPrincipal();
        const controlled = await createCanister(agent, [self]);
        await installCode(agent, controlled, UPGRADER_GZ, EMPTY_ARG);
        expect(await verifySealed(agent, controlled, UPGRADER_HASH)).toEqual({ sealed: false, moduleHash: UPGRADER_HASH, controllers: [self], matches: true, verified: false });

        const empty = await createCanister(agent, [self]);
        await setControllers(agent, empty, []);
        expect(await verifySealed(agent, empty)).toMatchObject({ sealed: true, moduleHash: null, verified: false });
    });

    it('fails on a canister that does not exist instead of calling it sealed', async () => {
        const agent = await agentOf();
        const missing = Principal.fromText('lxzze-o7777-77777-aaaaa-cai');
        await expect(verifySealed(agent, missing)).rejects.toThrow(`canister ${missing.toText()} does not exist on this network`);
    });

    it('fails when the certificate does not verify against the root key the agent trusts', async () => {
        const genuine = await agentOf();
        const { canisterId } = await sealUpgrader(genuine, UPGRADER_GZ);
        const misled = await HttpAgent.create({ host: server.url, identity: Ed25519KeyIdentity.generate(), rootKey: ReplicaKeys.generate().rootKeyDer, shouldFetchRootKey: false });
        await expect(verifySealed(misled, canisterId)).rejects.toThrow(`could not read the certified state of ${canisterId.toText()}`);
    });
});
