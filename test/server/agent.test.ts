/**
 * The IC HTTP interface of the replica server, driven by the genuine clients: an unmodified
 * @dfinity/agent HttpAgent (shouldFetchRootKey) and Actor, with Ed25519, secp256k1,
 * delegated and anonymous identities, and the @icp-sdk/core agent (v4 calls, v3 queries
 * and read_state). The kv_store Azle canister is installed through the management
 * canister by an Ed25519 controller.
 */
import {
    AnonymousIdentity,
    CanisterStatus,
    CertifiedRejectErrorCode,
    Cbor,
    Expiry,
    HttpAgent,
    RejectError,
    UncertifiedRejectUpdateErrorCode,
    QueryResponseStatus,
    pollForResponse
} from '@dfinity/agent';
import { DelegationChain, DelegationIdentity, Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { Actor as SdkActor, Certificate as SdkCertificate, HttpAgent as SdkHttpAgent, check_canister_ranges as sdkCheckCanisterRanges } from '@icp-sdk/core/agent';
import { Principal as SdkPrincipal } from '@icp-sdk/core/principal';
import { Ed25519KeyIdentity as SdkEd25519KeyIdentity } from '@icp-sdk/core/identity';
import { ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { wat } from '../replica/wasm/helpers.js';
import { KvStore, agentFor, deployKvStore, hex, kvActor, kvStoreIdl, management, sha256 } from './support.js';

/** An Ed25519 identity whose signatures are corrupted: the replica must refuse its requests. */
class ForgingIdentity extends Ed25519KeyIdentity {
    static create(): ForgingIdentity {
        const real = Ed25519KeyIdentity.generate();
        const { secretKey } = real.getKeyPair();
        return new ForgingIdentity(real.getPublicKey(), secretKey);
    }

    override async sign(challenge: Uint8Array): Promise<Uint8Array & { __signature__: void }> {
        const signature = new Uint8Array(await super.sign(challenge));
        signature[10] ^= 0xff;
        return signature as Uint8Array & { __signature__: void };
    }
}

let server: ReplicaServer;
let owner: Ed25519KeyIdentity;
let ownerAgent: HttpAgent;
let canisterId: Principal;
let module: Uint8Array;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
    owner = Ed25519KeyIdentity.generate();
    ownerAgent = await agentFor(server.url, owner);
    ({ canisterId, module } = await deployKvStore(ownerAgent, { chunked: true }));
});

afterAll(async () => {
    await server.close();
});

describe('IC HTTP interface with @dfinity/agent', () => {
    it('installs kv_store in chunks as an Ed25519 controller and reads module hash, controllers and time', async () => {
        const status = await CanisterStatus.request({ canisterId, agent: ownerAgent, paths: ['module_hash', 'controllers', 'time'] });
        expect(status.get('module_hash')).toBe(hex(sha256(module)));
        const controllers = status.get('controllers') as Principal[];
        expect(controllers.map((p) => p.toText())).toEqual([owner.getPrincipal().toText()]);
        const time = status.get('time') as Date;
        expect(Math.abs(time.getTime() - Date.now())).toBeLessThan(10_000);
    });

    it('runs updates and queries for Ed25519, secp256k1 and anonymous senders, who each see their own principal', async () => {
        for (const identity of [owner, Secp256k1KeyIdentity.generate(), new AnonymousIdentity()]) {
            const agent = identity === owner ? ownerAgent : await agentFor(server.url, identity);
            const kv = kvActor(agent, canisterId);
            const key = `k-${identity.getPrincipal().toText()}`;
            expect(await kv.put(key, 'v1')).toEqual([]);
            expect(await kv.put(key, 'v2')).toEqual(['v1']);
            expect(await kv.get(key)).toEqual(['v2']);
            expect((await kv.whoami()).toText()).toBe(identity.getPrincipal().toText());
        }
    });

    it('refuses a request with a forged sender signature', async () => {
        const agent = await agentFor(server.url, ForgingIdentity.create(), { retryTimes: 0 });
        const kv = kvActor(agent, canisterId);
        await expect(kv.put('forged', 'x')).rejects.toThrow(/Invalid signature/);
        await expect(kv.get('forged')).rejects.toThrow(/Invalid signature/);
        expect(await kvActor(ownerAgent, canisterId).get('forged')).toEqual([]);
    });

    it('accepts delegated identities within their targets and expiry, and refuses others', async () => {
        const session = Ed25519KeyIdentity.generate();
        const chain = await DelegationChain.create(owner, session.getPublicKey(), new Date(Date.now() + 60_000), { targets: [canisterId] });
        const delegated = await agentFor(server.url, DelegationIdentity.fromDelegation(session, chain));
        expect((await kvActor(delegated, canisterId).whoami()).toText()).toBe(owner.getPrincipal().toText());
        expect(await kvActor(delegated, canisterId).increment()).toBeGreaterThan(0n);
        const elsewhere = await DelegationChain.create(owner, session.getPublicKey(), new Date(Date.now() + 60_000), { targets: [Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai')] });
        const refused = await agentFor(server.url, DelegationIdentity.fromDelegation(session, elsewhere), { retryTimes: 0 });
        await expect(kvActor(refused, canisterId).increment()).rejects.toThrow(/not one of the delegation targets/);
    });

    it('answers asynchronous (v2) calls with 202 and the status through read_state', async () => {
        const arg = new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['async', 'yes']));
        const { requestId, response } = await ownerAgent.call(canisterId, { methodName: 'put', arg, effectiveCanisterId: canisterId, callSync: false });
        expect(response.status).toBe(202);
        const { reply } = await pollForResponse(ownerAgent, canisterId, requestId);
        expect(IDL.decode([IDL.Opt(IDL.Text)], reply)).toEqual([[]]);
        expect(await kvActor(ownerAgent, canisterId).get('async')).toEqual(['yes']);
    });

    it('rejects before execution without a certificate, and certifies canister errors', async () => {
        const missing = kvActor(ownerAgent, Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai'));
        const notFound = await missing.increment().catch((e: unknown) => e);
        expect(notFound).toBeInstanceOf(RejectError);
        const uncertified = (notFound as RejectError).code as UncertifiedRejectUpdateErrorCode;
        expect(uncertified).toBeInstanceOf(UncertifiedRejectUpdateErrorCode);
        expect(uncertified.rejectCode).toBe(3);
        expect(uncertified.rejectErrorCode).toBe('IC0301');

        const trapped = await kvActor(ownerAgent, canisterId)
            .putThenTrap('t', 'x')
            .catch((e: unknown) => e);
        const certified = (trapped as RejectError).code as CertifiedRejectErrorCode;
        expect(certified).toBeInstanceOf(CertifiedRejectErrorCode);
        expect(certified.rejectCode).toBe(5);
        expect(certified.rejectErrorCode).toBe('IC0503');
        expect(await kvActor(ownerAgent, canisterId).get('t')).toEqual([]);
    });

    it('refuses management calls from non-controllers before execution', async () => {
        const stranger = await agentFor(server.url, Ed25519KeyIdentity.generate());
        const refusal = await management(stranger)
            .stop_canister({ canister_id: canisterId })
            .catch((e: unknown) => e);
        expect(((refusal as RejectError).code as UncertifiedRejectUpdateErrorCode).rejectErrorCode).toBe('IC0512');
    });

    it('answers an out-of-range ingress expiry with the IC text, and the agent recovers by syncing its clock', async () => {
        const body: Uint8Array<ArrayBuffer> = new Uint8Array(Cbor.encode({
            content: {
                request_type: 'call',
                canister_id: canisterId,
                method_name: 'increment',
                arg: new Uint8Array(IDL.encode([], [])),
                sender: Principal.anonymous(),
                ingress_expiry: Expiry.fromDeltaInMilliseconds(-120_000)
            }
        }));
        const response = await fetch(`${server.url}/api/v3/canister/${canisterId.toText()}/call`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body });
        expect(response.status).toBe(400);
        expect(await response.text()).toMatch(/^Invalid request expiry: /);

        // Replica time an hour ahead of this client: its first call is refused, it syncs, and succeeds.
        // The clock cannot go back, so this runs on a server of its own: the shared one keeps the wall clock.
        const ahead = await startReplicaServer({ port: 0, log: () => undefined });
        try {
            const aheadCanister = (await deployKvStore(await agentFor(ahead.url, Ed25519KeyIdentity.generate()), { chunked: false })).canisterId;
            await ahead.node.settled();
            ahead.node.subnet.time += 3_600_000_000_000n;
            await ahead.node.runRound();
            const skewed = await agentFor(ahead.url, Ed25519KeyIdentity.generate());
            expect(await kvActor(skewed, aheadCanister).increment()).toBeGreaterThan(0n);
            expect(Math.abs(skewed.getTimeDiffMsecs() - 3_600_000)).toBeLessThan(60_000);
        } finally {
            await ahead.close();
        }
    });

    it('serves @icp-sdk/core agents: v4 calls, v3 queries and read_state', async () => {
        const agent = await SdkHttpAgent.create({ host: server.url, shouldFetchRootKey: true, identity: SdkEd25519KeyIdentity.generate() });
        const kv = SdkActor.createActor(kvStoreIdl as never, { agent, canisterId: canisterId.toText() }) as unknown as KvStore;
        expect(await kv.put('sdk', 'v5')).toEqual([]);
        expect(await kv.get('sdk')).toEqual(['v5']);
        const subnetId = await agent.getSubnetIdFromCanister(canisterId.toText());
        expect(subnetId.toText()).toBe(server.node.keys.subnetId.toText());
        // The subnet form of read_state, with the sharded /canister_ranges newer agents read.
        const sid = server.node.keys.subnetId;
        const { certificate } = await agent.readSubnetState(sid.toText(), { paths: [[new TextEncoder().encode('canister_ranges'), sid.toUint8Array()], [new TextEncoder().encode('subnet')]] });
        const verified = await SdkCertificate.create({ certificate, rootKey: agent.rootKey!, principal: { subnetId: SdkPrincipal.fromText(sid.toText()) }, agent });
        expect(sdkCheckCanisterRanges({ canisterId: SdkPrincipal.fromText(canisterId.toText()), subnetId: SdkPrincipal.fromText(sid.toText()), tree: verified.cert.tree })).toBe(true);
    });

    it('runs rounds by itself for due timers, with time following the wall clock', async () => {
        const module = await wat(`(module
            (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
            (import "ic0" "time" (func $time (result i64)))
            (import "ic0" "msg_reply" (func $reply))
            (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
            (memory 1)
            (func (export "canister_init") (drop (call $timer_set (i64.add (call $time) (i64.const 300000000)))))
            (func (export "canister_global_timer")
                (i64.store (i32.const 0) (call $time))
                (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1))))
            (func (export "canister_query fired") (call $append (i32.const 0) (i32.const 12)) (call $reply)))`);
        const mgmt = management(ownerAgent);
        const { canister_id } = await mgmt.provisional_create_canister_with_cycles({ amount: [10n ** 13n], settings: [], specified_id: [], sender_canister_version: [] });
        const before = server.node.subnet.time;
        await mgmt.install_code({ mode: { install: null }, canister_id, wasm_module: module, arg: new Uint8Array(0), sender_canister_version: [] });
        const canister = server.node.subnet.canister(canister_id)!;
        expect(canister.globalTimer).not.toBe(0n);
        const start = Date.now();
        while (canister.globalTimer !== 0n && Date.now() - start < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(canister.globalTimer).toBe(0n);
        const response = await ownerAgent.query(canister_id, { methodName: 'fired', arg: new Uint8Array(0) });
        if (response.status !== QueryResponseStatus.Replied) throw new Error('query rejected');
        const view = new DataView(response.reply.arg.buffer, response.reply.arg.byteOffset, 12);
        expect(view.getUint32(8, true)).toBe(1);
        const firedAfterMs = Number((view.getBigUint64(0, true) - before) / 1_000_000n);
        expect(firedAfterMs).toBeGreaterThanOrEqual(300);
        expect(firedAfterMs).toBeLessThan(5_000);
    });

    it('certifies each state once: calls and read_states of one round share one signature', async () => {
        const agents = await Promise.all(Array.from({ length: 8 }, () => agentFor(server.url)));
        const tree = server.node.tree;
        let rounds = server.node.rounds;
        let signatures = tree.signatureCount;
        const results = await Promise.all(agents.map((agent) => kvActor(agent, canisterId).increment()));
        expect(new Set(results).size).toBe(8);
        expect(tree.signatureCount - signatures).toBeLessThanOrEqual(server.node.rounds - rounds);

        await server.node.runRound();
        rounds = server.node.rounds;
        signatures = tree.signatureCount;
        await Promise.all(agents.map((agent) => CanisterStatus.request({ canisterId, agent, paths: ['time', 'controllers'] })));
        expect(tree.signatureCount - signatures).toBeLessThanOrEqual(1 + server.node.rounds - rounds);
    });
});
