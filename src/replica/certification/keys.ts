/**
 * The replica's key material: the BLS12-381 root key that signs certified state (as a
 * root subnet does: no delegation), and the Ed25519 node key that signs query responses.
 *
 * The subnet id is `selfAuthenticating(root key DER)`, which is what @dfinity/agent assumes
 * for a certificate without a delegation; the node id is `selfAuthenticating(node key DER)`.
 * Keys are generated at random, derived from a seed (stable ids across runs), or loaded
 * from a state directory.
 */
import { createPrivateKey, createPublicKey, KeyObject, randomBytes, sign as nodeSign } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381';
import { Principal } from '@dfinity/principal';
import { fromHex, toHex } from '../../encoding/hex.js';
import { sha256 } from '../../encoding/request-id.js';

/** DER prefix of a BLS12-381 G2 public key as the IC encodes it (followed by 96 key bytes). */
export const BLS_DER_PREFIX = fromHex('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100');
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

const textEncoder = new TextEncoder();

/** Domain separator `len ‖ text` of the IC's signature schemes. */
export function domainSeparator(text: string): Uint8Array {
    const bytes = textEncoder.encode(text);
    const out = new Uint8Array(bytes.length + 1);
    out[0] = bytes.length;
    out.set(bytes, 1);
    return out;
}

const STATE_ROOT_DOMAIN = domainSeparator('ic-state-root');
const RESPONSE_DOMAIN = domainSeparator('ic-response');

/** The secret parts, as stored in a state directory. */
export interface KeyMaterial {
    /** 32-byte big-endian BLS12-381 secret scalar. */
    blsSecretKey: Uint8Array;
    /** 32-byte Ed25519 seed of the node key. */
    nodeSeed: Uint8Array;
}

export class ReplicaKeys {
    /** DER of the root public key (133 bytes): what /api/v2/status reports as root_key. */
    readonly rootKeyDer: Uint8Array;
    readonly subnetId: Principal;
    readonly nodeId: Principal;
    /** DER of the node's Ed25519 public key (44 bytes). */
    readonly nodePublicKeyDer: Uint8Array;
    readonly #blsSecretKey: Uint8Array;
    readonly #nodeKey: KeyObject;
    readonly material: KeyMaterial;

    constructor(material: KeyMaterial) {
        if (material.blsSecretKey.length !== 32 || material.nodeSeed.length !== 32) throw new Error('ReplicaKeys: secret keys must be 32 bytes');
        this.material = material;
        this.#blsSecretKey = material.blsSecretKey;
        const blsPublic = bls12_381.getPublicKeyForShortSignatures(this.#blsSecretKey);
        this.rootKeyDer = concat(BLS_DER_PREFIX, blsPublic);
        this.subnetId = Principal.selfAuthenticating(this.rootKeyDer);
        this.#nodeKey = createPrivateKey({ key: Buffer.from(concat(ED25519_PKCS8_PREFIX, material.nodeSeed)), format: 'der', type: 'pkcs8' });
        const spki = createPublicKey(this.#nodeKey).export({ format: 'der', type: 'spki' });
        this.nodePublicKeyDer = new Uint8Array(spki);
        this.nodeId = Principal.selfAuthenticating(this.nodePublicKeyDer);
    }

    static generate(): ReplicaKeys {
        return ReplicaKeys.fromSeed(randomBytes(32));
    }

    /** Deterministic keys: the same seed always gives the same subnet and node ids. */
    static fromSeed(seed: Uint8Array | string): ReplicaKeys {
        const bytes = typeof seed === 'string' ? textEncoder.encode(seed) : seed;
        const order = bls12_381.fields.Fr.ORDER;
        let scalar = 0n;
        for (let i = 0; scalar === 0n; i++) {
            scalar = BigInt('0x' + toHex(sha256(textEncoder.encode(`bls-root-key/${i}/`), bytes))) % order;
        }
        const blsSecretKey = fromHex(scalar.toString(16).padStart(64, '0'));
        return new ReplicaKeys({ blsSecretKey, nodeSeed: sha256(textEncoder.encode('node-key/'), bytes) });
    }

    /** Signs a state tree root hash: the `signature` of a certificate (48 bytes). */
    signStateRoot(rootHash: Uint8Array): Uint8Array {
        return bls12_381.signShortSignature(concat(STATE_ROOT_DOMAIN, rootHash), this.#blsSecretKey);
    }

    /** Ed25519 node signature over `"\x0Bic-response" ‖ hash` (query responses). */
    signResponse(hash: Uint8Array): Uint8Array {
        return new Uint8Array(nodeSign(null, concat(RESPONSE_DOMAIN, hash), this.#nodeKey));
    }

    toJSON(): { blsSecretKey: string; nodeSeed: string } {
        return { blsSecretKey: toHex(this.material.blsSecretKey), nodeSeed: toHex(this.material.nodeSeed) };
    }

    static fromJSON(json: unknown): ReplicaKeys {
        if (typeof json !== 'object' || json === null) throw new Error('keys: not an object');
        const bls = Reflect.get(json, 'blsSecretKey');
        const node = Reflect.get(json, 'nodeSeed');
        if (typeof bls !== 'string' || typeof node !== 'string' || !/^[0-9a-f]{64}$/.test(bls) || !/^[0-9a-f]{64}$/.test(node)) {
            throw new Error('keys: blsSecretKey and nodeSeed must be 64 hex digits');
        }
        return new ReplicaKeys({ blsSecretKey: fromHex(bls), nodeSeed: fromHex(node) });
    }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
    let length = 0;
    for (const p of parts) length += p.length;
    const out = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
        out.set(p, at);
        at += p.length;
    }
    return out;
}
