/**
 * The server's building blocks against the genuine client code: CBOR as @dfinity/agent
 * encodes and decodes it, request ids as the agent computes them, hash trees as the agent
 * looks them up, certificates as the agent verifies them, and sender signatures as the
 * identity packages produce them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Cbor, Certificate, Expiry, LookupPathStatus, lookup_path, reconstruct as agentReconstruct, requestIdOf, type HashTree as AgentHashTree } from '@dfinity/agent';
import { DelegationChain, DelegationIdentity, ECDSAKeyIdentity, Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';
import { Principal } from '@dfinity/principal';
import { decode as agentDecode } from '@dfinity/cbor';

const agentEncode = (value: unknown): Uint8Array => Cbor.encode(value);
import { CborTag, decodeCbor, encodeCbor } from '../../src/encoding/cbor.js';
import { HashTree, LabeledMap, Leaf, lookupPath, reconstruct, wantOf } from '../../src/replica/certification/hash-tree.js';
import { ReplicaKeys } from '../../src/replica/certification/keys.js';
import { hashOfMap } from '../../src/encoding/request-id.js';
import { authenticate, AuthenticationError, parseEnvelope, verifySignature } from '../../src/server/signatures.js';
import { StateTree, utf8 } from '../../src/replica/certification/state-tree.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('cbor', () => {
    it('round-trips what the agent encodes, bigints and nested maps included', () => {
        const value = { content: { request_type: 'call', arg: bytes(1, 2, 3), ingress_expiry: 1_700_000_000_000_000_000n, nonce: bytes(9), paths: [[bytes(1)], []] } };
        const decoded = decodeCbor(agentEncode(value));
        expect(decoded).toBeInstanceOf(Map);
        const content = (decoded as Map<string, unknown>).get('content') as Map<string, unknown>;
        expect(content.get('ingress_expiry')).toBe(1_700_000_000_000_000_000n);
        expect(content.get('arg')).toEqual(bytes(1, 2, 3));
        expect(content.get('paths')).toEqual([[bytes(1)], []]);
    });

    it('encodes what the agent decodes: self-describe tag only, ints by size', () => {
        const encoded = encodeCbor({ status: 'replied', n: 300, big: 2n ** 64n - 1n, list: [bytes(7)], empty: new Map() });
        expect([...encoded.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
        const decoded = agentDecode<Record<string, unknown>>(encoded);
        expect(decoded.status).toBe('replied');
        expect(decoded.n).toBe(300);
        expect(decoded.big).toBe(2n ** 64n - 1n);
        expect(decoded.list).toEqual([bytes(7)]);
    });

    it('keeps other tags and rejects trailing bytes and bad input', () => {
        const tagged = decodeCbor(encodeCbor(new CborTag(42n, 'x'), { selfDescribe: false }));
        expect(tagged).toBeInstanceOf(CborTag);
        expect(() => decodeCbor(bytes(0x01, 0x02))).toThrow(/trailing/);
        expect(() => decodeCbor(bytes(0x5a, 0xff, 0xff, 0xff, 0xff))).toThrow(/end of input/);
        expect(() => decodeCbor(bytes(0xa1, 0x01, 0x01))).toThrow(/map keys/);
    });
});

describe('request ids', () => {
    it('equal the agent\'s for calls, queries and read_state requests', () => {
        const sender = Ed25519KeyIdentity.generate().getPrincipal();
        const expiry = Expiry.fromDeltaInMilliseconds(60_000);
        const call = {
            request_type: 'call',
            canister_id: Principal.fromText('lxzze-o7777-77777-aaaaa-cai'),
            method_name: 'put',
            arg: bytes(0x44, 0x49, 0x44, 0x4c, 0, 0),
            sender,
            ingress_expiry: expiry,
            nonce: new Uint8Array(randomBytes(16))
        };
        const wire = decodeCbor(agentEncode(call)) as Map<string, never>;
        expect(hashOfMap(wire)).toEqual(new Uint8Array(requestIdOf(call)));
        const readState = { request_type: 'read_state', paths: [[utf8('request_status'), new Uint8Array(32)], [utf8('time')]], sender, ingress_expiry: expiry };
        expect(hashOfMap(decodeCbor(agentEncode(readState)) as Map<string, never>)).toEqual(new Uint8Array(requestIdOf(readState)));
    });
});

describe('hash trees', () => {
    function labels(n: number, length: (i: number) => number): Uint8Array[] {
        return Array.from({ length: n }, (_, i) => new Uint8Array(randomBytes(length(i))));
    }

    /** The same map built from scratch as a balanced tree over sorted labels: only the root hash must agree. */
    function rebuildHash(entries: Map<string, Uint8Array>): Uint8Array {
        const map = new LabeledMap();
        for (const [key, value] of entries) map.set(new Uint8Array(Buffer.from(key, 'latin1')), new Leaf(value));
        return map.hash();
    }

    it('rehashes incrementally to the same root as a fresh build, through inserts, updates and deletes', () => {
        const map = new LabeledMap();
        const entries = new Map<string, Uint8Array>();
        const keys = labels(300, (i) => (i % 7) + 1);
        keys.push(bytes(1), bytes(1, 0), bytes(1, 0, 0), new Uint8Array(0));
        for (const [i, key] of keys.entries()) {
            const value = bytes(i & 0xff);
            map.set(key, new Leaf(value));
            entries.set(Buffer.from(key).toString('latin1'), value);
            if (i % 3 === 0) {
                const victim = keys[Math.floor(i / 2)]!;
                map.delete(victim);
                entries.delete(Buffer.from(victim).toString('latin1'));
            }
        }
        expect(map.size).toBe(entries.size);
        expect(reconstruct(map.witness('all'))).toEqual(map.hash());
        expect(map.hash()).toEqual(rebuildHash(entries));
        const sorted = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
        expect([...map.labels()].map((l) => Buffer.from(l).toString('latin1'))).toEqual(sorted);
    });

    it('witnesses reveal requested paths, prune the rest, and prove absence to the agent', async () => {
        const root = new LabeledMap();
        const statuses = new LabeledMap();
        const ids = labels(200, () => 32);
        for (const id of ids) {
            const entry = new LabeledMap();
            entry.set('status', new Leaf(utf8('replied')));
            entry.set('reply', new Leaf(id.subarray(0, 4)));
            statuses.set(id, entry);
        }
        root.set('request_status', statuses);
        root.set('time', new Leaf(bytes(1)));
        const wanted = ids[17]!;
        const missing = new Uint8Array(randomBytes(32));
        const witness = root.witness(wantOf([[utf8('request_status'), wanted], [utf8('request_status'), missing], [utf8('time')]]));
        expect(reconstruct(witness)).toEqual(root.hash());
        expect(JSON.stringify(witness).length).toBeLessThan(20_000);
        const agentTree = witness as unknown as AgentHashTree;
        const found = lookup_path(['request_status', wanted, 'reply'], agentTree);
        expect(found.status).toBe(LookupPathStatus.Found);
        expect(lookupPath(witness, ['request_status', missing, 'status']).status).toBe('absent');
        expect(lookupPath(witness, ['request_status', ids[18]!, 'status']).status).not.toBe('found');
        expect(new Uint8Array(await agentReconstruct(agentTree))).toEqual(root.hash());
    });
});

describe('certificates', () => {
    it('are accepted by the agent\'s Certificate.create with the root key', async () => {
        const keys = ReplicaKeys.fromSeed('codec test');
        const tree = new StateTree(keys);
        tree.setTime(BigInt(Date.now()) * 1_000_000n);
        const certificate = tree.certificate([[utf8('subnet')]]);
        const verified = await Certificate.create({ certificate, rootKey: keys.rootKeyDer, canisterId: Principal.fromText('lxzze-o7777-77777-aaaaa-cai') });
        const nodeKey = verified.lookup_path(['subnet', keys.subnetId.toUint8Array(), 'node', keys.nodeId.toUint8Array(), 'public_key']);
        expect(nodeKey.status).toBe(LookupPathStatus.Found);
        // One signature per state: a second certificate of the same state reuses it.
        expect(tree.isSigned).toBe(true);
        tree.setTime(tree.time + 1n);
        expect(tree.isSigned).toBe(false);
    });
});

describe('sender authentication', () => {
    async function signedEnvelope(identity: Ed25519KeyIdentity | Secp256k1KeyIdentity | ECDSAKeyIdentity | DelegationIdentity, canister = 'lxzze-o7777-77777-aaaaa-cai') {
        const content = {
            request_type: 'call',
            canister_id: Principal.fromText(canister),
            method_name: 'put',
            arg: bytes(1),
            sender: identity.getPrincipal(),
            ingress_expiry: Expiry.fromDeltaInMilliseconds(60_000),
            nonce: new Uint8Array(randomBytes(16))
        };
        const request = await identity.transformRequest({ endpoint: 'call', request: {}, body: content } as never);
        const body = agentEncode((request as { body: unknown }).body);
        const envelope = parseEnvelope(body);
        return { envelope, requestId: hashOfMap(envelope.content) };
    }

    const options = (requestId: Uint8Array, target = 'lxzze-o7777-77777-aaaaa-cai') => ({
        requestId,
        nowNs: BigInt(Date.now()) * 1_000_000n,
        targetCanister: Principal.fromText(target),
        rootKeyDer: ReplicaKeys.fromSeed('auth').rootKeyDer
    });

    it('accepts Ed25519, secp256k1 and P-256 signatures', async () => {
        for (const identity of [Ed25519KeyIdentity.generate(), Secp256k1KeyIdentity.generate(), await ECDSAKeyIdentity.generate()]) {
            const { envelope, requestId } = await signedEnvelope(identity);
            expect(() => authenticate(envelope, options(requestId))).not.toThrow();
        }
    });

    it('rejects a forged signature and a sender that is not the key\'s principal', async () => {
        const { envelope, requestId } = await signedEnvelope(Ed25519KeyIdentity.generate());
        const forged = { ...envelope, senderSig: new Uint8Array(envelope.senderSig!).map((b, i) => (i === 0 ? b ^ 1 : b)) };
        expect(() => authenticate(forged, options(requestId))).toThrow(/Invalid signature/);
        const other = { ...envelope, senderPubkey: Ed25519KeyIdentity.generate().getPublicKey().toDer() };
        expect(() => authenticate(other, options(requestId))).toThrow(/does not match the sender/);
    });

    it('checks delegation chains: signatures, expiry and targets', async () => {
        const root = Ed25519KeyIdentity.generate();
        const session = Ed25519KeyIdentity.generate();
        const target = Principal.fromText('lxzze-o7777-77777-aaaaa-cai');
        const chain = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 60_000), { targets: [target] });
        const delegated = DelegationIdentity.fromDelegation(session, chain);
        const ok = await signedEnvelope(delegated);
        expect(() => authenticate(ok.envelope, options(ok.requestId))).not.toThrow();
        expect(() => authenticate(ok.envelope, options(ok.requestId, 'rrkah-fqaaa-aaaaa-aaaaq-cai'))).toThrow(/not one of the delegation targets/);
        expect(() => authenticate(ok.envelope, { ...options(ok.requestId), nowNs: BigInt(Date.now() + 120_000) * 1_000_000n })).toThrow(/expired/);
        const stranger = Ed25519KeyIdentity.generate();
        const badChain = await DelegationChain.create(stranger, session.getPublicKey(), new Date(Date.now() + 60_000));
        const bad = await signedEnvelope(DelegationIdentity.fromDelegation(session, DelegationChain.fromDelegations(badChain.delegations, root.getPublicKey().toDer())));
        expect(() => authenticate(bad.envelope, options(bad.requestId))).toThrow(AuthenticationError);
    });

    it('verifies canister signatures certified by the replica\'s root key', () => {
        const keys = ReplicaKeys.fromSeed('canister signatures');
        const canisterId = Principal.fromText('lxzze-o7777-77777-aaaaa-cai').toUint8Array();
        const seed = new Uint8Array(randomBytes(8));
        const message = new Uint8Array(randomBytes(40));
        const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
        const leaves = new LabeledMap();
        leaves.set(sha(message), new Leaf(new Uint8Array(0)));
        const seeds = new LabeledMap();
        seeds.set(sha(seed), leaves);
        const sigTree = new LabeledMap();
        sigTree.set('sig', seeds);
        const canister = new LabeledMap();
        canister.set('certified_data', new Leaf(sigTree.hash()));
        const canisters = new LabeledMap();
        canisters.set(canisterId, canister);
        const state = new LabeledMap();
        state.set('canister', canisters);
        state.set('time', new Leaf(bytes(1)));
        const certificate = encodeCbor({ tree: state.witness(wantOf([[utf8('canister'), canisterId, utf8('certified_data')]])), signature: keys.signStateRoot(state.hash()) });
        const signature = encodeCbor({ certificate, tree: sigTree.witness(wantOf([[utf8('sig'), sha(seed), sha(message)]])) });
        const raw = new Uint8Array([canisterId.length, ...canisterId, ...seed]);
        const oid = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb8, 0x43, 0x01, 0x02];
        const der = new Uint8Array([0x30, 2 + oid.length + 3 + raw.length, 0x30, oid.length, ...oid, 0x03, raw.length + 1, 0x00, ...raw]);
        expect(verifySignature(der, message, signature, keys.rootKeyDer)).toBeNull();
        expect(verifySignature(der, new Uint8Array(randomBytes(40)), signature, keys.rootKeyDer)).toMatch(/does not contain the signed message/);
        expect(verifySignature(der, message, signature, ReplicaKeys.fromSeed('another replica').rootKeyDer)).toMatch(/invalid signature/);
    });

    it('lets anonymous requests through only without keys or signatures', () => {
        const content = new Map<string, never>([['sender', bytes(4) as never]]);
        expect(() => authenticate({ content, senderPubkey: null, senderSig: null, delegations: [] }, options(new Uint8Array(32)))).not.toThrow();
        expect(() => authenticate({ content, senderPubkey: bytes(1), senderSig: bytes(2), delegations: [] }, options(new Uint8Array(32)))).toThrow(/Anonymous/);
    });
});

export type { HashTree };
