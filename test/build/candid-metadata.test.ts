/**
 * The build embeds each canister's Candid interface as dfx does (`icp:public candid:service` and
 * `candid:args`), and the replica serves it from the certified state to anyone, as
 * `canister/<id>/metadata/candid:service`, read here with the genuine agent.
 */
import { readFileSync } from 'node:fs';

import { CanisterStatus } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';

import { candidArgs, withCandidMetadata } from '../../scripts/lib/candid-metadata';
import { didPath, gzWasmPath, wasmPath } from '../../scripts/paths';
import { candidMetadataOf, customSections } from '../../src/client/wasm-metadata';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server';
import { agentFor, deployKvStore } from '../server/support';

const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

describe('Candid metadata in the module', () => {
    it('appends candid:service and candid:args as public custom sections, readable back', async () => {
        const did = 'type A = record { a : nat };\nservice : (opt A, text) -> { get : () -> (A) query };\n';
        const wasm = withCandidMetadata(EMPTY_MODULE, did);
        expect([...customSections(wasm).keys()]).toEqual(['icp:public candid:service', 'icp:public candid:args']);
        expect(await candidMetadataOf(wasm)).toEqual({ service: did, args: '(opt A, text)' });
        expect(candidArgs('service : { f : () -> () };')).toBe('()');
    });

    it('reads none from a module without them, and refuses bytes that only look gzipped', async () => {
        expect(await candidMetadataOf(EMPTY_MODULE)).toEqual({ service: undefined, args: undefined });
        await expect(candidMetadataOf(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).rejects.toThrow(/not valid gzip/);
    });

    it('is in every built module, raw and gzipped: the upgrader carries the .did its build wrote', async () => {
        const did = readFileSync(didPath('upgrader'), 'utf8');
        expect((await candidMetadataOf(new Uint8Array(readFileSync(wasmPath('upgrader'))))).service).toBe(did);
        const fromGz = await candidMetadataOf(new Uint8Array(readFileSync(gzWasmPath('upgrader'))));
        expect(fromGz.service).toBe(did);
        expect(fromGz.args).toMatch(/^\(opt record \{/);
    });
});

describe('Candid metadata on the replica', () => {
    let server: ReplicaServer;
    beforeAll(async () => {
        server = await startReplicaServer({ port: 0, log: () => undefined });
    });
    afterAll(async () => {
        await server.close();
    });

    it("is served to anyone from the certified state as the canister's candid:service", async () => {
        const { canisterId } = await deployKvStore(await agentFor(server.url), { chunked: false });
        const stranger = await agentFor(server.url, Ed25519KeyIdentity.generate());
        const status = await CanisterStatus.request({ canisterId, agent: stranger, paths: ['candid'] });
        expect(status.get('candid')).toBe(readFileSync(didPath('kv_store'), 'utf8'));
    });
});
