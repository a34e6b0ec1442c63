/**
 * Authentication of request envelopes (IC interface spec, "Authentication"):
 * `{content, sender_pubkey?, sender_sig?, sender_delegation?}`.
 *
 * - anonymous senders (0x04) carry no key, signature or delegation;
 * - otherwise `sender` must be `selfAuthenticating(sender_pubkey)`, each delegation must be
 *   signed by the previous key (the first by `sender_pubkey`) over
 *   `"\x1Aic-request-auth-delegation" ‖ hash_of_map(delegation)`, must not have expired and,
 *   when it names targets, must name the canister; and the last key must sign
 *   `"\x0Aic-request" ‖ request_id`.
 *
 * Key types: Ed25519, ECDSA on P-256 and secp256k1 (64-byte r‖s over SHA-256), and
 * canister signatures (certified by this replica's root key). WebAuthn keys are refused.
 */
import { createPublicKey, KeyObject, verify as nodeVerify } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381';
import { Principal } from '@dfinity/principal';
import { CborMap, CborValue, decodeCbor, isBytes, isCborMap } from '../encoding/cbor.js';
import { BLS_DER_PREFIX, concat, domainSeparator, lookupPath, reconstruct } from '../replica/index.js';
import type { HashTree } from '../replica/index.js';
import { toHex } from '../encoding/hex.js';
import { hashOfMap, sha256 } from '../encoding/request-id.js';

const REQUEST_DOMAIN = domainSeparator('ic-request');
const DELEGATION_DOMAIN = domainSeparator('ic-request-auth-delegation');
const STATE_ROOT_DOMAIN = domainSeparator('ic-state-root');

const MAX_DELEGATIONS = 20;
const MAX_TARGETS = 1000;

export const ANONYMOUS = new Uint8Array([0x04]);

export class AuthenticationError extends Error {
    constructor(
        message: string,
        readonly status: 400 | 403 = 400
    ) {
        super(message);
    }
}

export interface SignedDelegation {
    /** The delegation map as sent (its hash is what was signed). */
    delegation: CborMap;
    pubkey: Uint8Array;
    expiration: bigint;
    targets: Uint8Array[] | null;
    signature: Uint8Array;
}

export interface Envelope {
    content: CborMap;
    senderPubkey: Uint8Array | null;
    senderSig: Uint8Array | null;
    delegations: SignedDelegation[];
}

/** Decodes a request body into its envelope. @throws AuthenticationError (400) on malformed input. */
export function parseEnvelope(body: Uint8Array): Envelope {
    let value: CborValue;
    try {
        value = decodeCbor(body);
    } catch (error) {
        throw new AuthenticationError(`Could not parse body as read request: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!isCborMap(value)) throw new AuthenticationError('Could not parse body as read request: the envelope is not a CBOR map');
    const content = value.get('content');
    if (content === undefined || !isCborMap(content)) throw new AuthenticationError('Could not parse body as read request: missing field `content`');
    const optionalBytes = (name: string): Uint8Array | null => {
        const v = value.get(name);
        if (v === undefined || v === null) return null;
        if (!isBytes(v)) throw new AuthenticationError(`Could not parse body as read request: field \`${name}\` must be a blob`);
        return v;
    };
    const delegations: SignedDelegation[] = [];
    const rawDelegations = value.get('sender_delegation');
    if (rawDelegations !== undefined && rawDelegations !== null) {
        if (!Array.isArray(rawDelegations)) throw new AuthenticationError('Could not parse body as read request: `sender_delegation` must be an array');
        for (const item of rawDelegations) delegations.push(parseSignedDelegation(item));
    }
    return { content, senderPubkey: optionalBytes('sender_pubkey'), senderSig: optionalBytes('sender_sig'), delegations };
}

function parseSignedDelegation(item: CborValue): SignedDelegation {
    const bad = (why: string): AuthenticationError => new AuthenticationError(`Could not parse body as read request: invalid delegation: ${why}`);
    if (!isCborMap(item)) throw bad('not a map');
    const delegation = item.get('delegation');
    const signature = item.get('signature');
    if (delegation === undefined || !isCborMap(delegation)) throw bad('missing `delegation`');
    if (signature === undefined || !isBytes(signature)) throw bad('missing `signature`');
    const pubkey = delegation.get('pubkey');
    const expiration = delegation.get('expiration');
    if (pubkey === undefined || !isBytes(pubkey)) throw bad('missing `pubkey`');
    if (typeof expiration !== 'bigint') throw bad('missing `expiration`');
    const rawTargets = delegation.get('targets');
    let targets: Uint8Array[] | null = null;
    if (rawTargets !== undefined && rawTargets !== null) {
        if (!Array.isArray(rawTargets) || !rawTargets.every(isBytes)) throw bad('`targets` must be an array of blobs');
        targets = rawTargets as Uint8Array[];
    }
    return { delegation, pubkey, expiration, targets, signature };
}

export interface AuthenticateOptions {
    /** The request id (hash of `content`). */
    requestId: Uint8Array;
    /** The replica's current time in ns (delegation expiry). */
    nowNs: bigint;
    /** The canister delegation targets must allow (null: no target check). */
    targetCanister: Principal | null;
    /** The replica's root key (DER), to verify canister signatures. */
    rootKeyDer: Uint8Array;
}

/** Checks the envelope's sender, delegations and signature. @throws AuthenticationError */
export function authenticate(envelope: Envelope, options: AuthenticateOptions): void {
    const sender = envelope.content.get('sender');
    if (sender === undefined || !isBytes(sender)) throw new AuthenticationError('Could not parse body as read request: missing field `sender`');
    const rid = `0x${toHex(options.requestId)}`;
    const fail = (reason: string): AuthenticationError => new AuthenticationError(`Failed to authenticate request ${rid} due to: ${reason}`);

    if (Buffer.compare(sender, ANONYMOUS) === 0) {
        if (envelope.senderPubkey !== null || envelope.senderSig !== null || envelope.delegations.length > 0) {
            throw fail('Anonymous requests must not carry a public key, signature or delegation');
        }
        return;
    }
    if (envelope.senderPubkey === null || envelope.senderSig === null) {
        throw fail(`Missing signature: the request from ${Principal.fromUint8Array(sender).toText()} is not signed`);
    }
    const expected = Principal.selfAuthenticating(envelope.senderPubkey).toUint8Array();
    if (Buffer.compare(expected, sender) !== 0) {
        throw fail(
            `The user's public key does not match the sender: sender ${Principal.fromUint8Array(sender).toText()}, but the public key's principal is ${Principal.fromUint8Array(expected).toText()}`
        );
    }
    if (envelope.delegations.length > MAX_DELEGATIONS) throw fail(`Invalid delegation: the chain has ${envelope.delegations.length} delegations, at most ${MAX_DELEGATIONS} are allowed`);

    let key = envelope.senderPubkey;
    const seen = new Set<string>([toHex(key)]);
    for (const [i, d] of envelope.delegations.entries()) {
        const message = concat(DELEGATION_DOMAIN, hashOfMap(d.delegation));
        const problem = verifySignature(key, message, d.signature, options.rootKeyDer);
        if (problem !== null) throw fail(`Invalid delegation: Invalid signature of delegation ${i}: ${problem}`);
        if (d.expiration < options.nowNs) {
            throw fail(`Invalid delegation: Delegation has expired: expiration ${nsToIso(d.expiration)} is before the current time ${nsToIso(options.nowNs)}`);
        }
        if (d.targets !== null) {
            if (d.targets.length > MAX_TARGETS) throw fail(`Invalid delegation: delegation ${i} has more than ${MAX_TARGETS} targets`);
            const target = options.targetCanister;
            if (target !== null && !d.targets.some((t) => Buffer.compare(t, target.toUint8Array()) === 0)) {
                throw fail(`Invalid delegation: Canister ${target.toText()} is not one of the delegation targets`);
            }
        }
        const next = toHex(d.pubkey);
        if (seen.has(next)) throw fail('Invalid delegation: the chain contains a cycle (a public key appears twice)');
        seen.add(next);
        key = d.pubkey;
    }
    const problem = verifySignature(key, concat(REQUEST_DOMAIN, options.requestId), envelope.senderSig, options.rootKeyDer);
    if (problem !== null) throw fail(`Invalid signature: Invalid basic signature: ${problem}`);
}

function nsToIso(ns: bigint): string {
    return new Date(Number(ns / 1_000_000n)).toISOString();
}

// ------------------------------------------------------------------ keys and signatures

const OID_ED25519 = '2b6570';
const OID_EC_PUBLIC_KEY = '2a8648ce3d0201';
const OID_P256 = '2a8648ce3d030107';
const OID_SECP256K1 = '2b8104000a';
const OID_CANISTER_SIG = '2b0601040183b8430102';
const OID_WEBAUTHN = '2b0601040183b8430101';

interface DerItem {
    tag: number;
    content: Uint8Array;
}

function readDer(bytes: Uint8Array, at: number): { item: DerItem; next: number } {
    if (at + 2 > bytes.length) throw new Error('truncated DER');
    const tag = bytes[at]!;
    let length = bytes[at + 1]!;
    let start = at + 2;
    if (length & 0x80) {
        const n = length & 0x7f;
        if (n === 0 || n > 3 || start + n > bytes.length) throw new Error('bad DER length');
        length = 0;
        for (let i = 0; i < n; i++) length = (length << 8) | bytes[start + i]!;
        start += n;
    }
    if (start + length > bytes.length) throw new Error('truncated DER');
    return { item: { tag, content: bytes.subarray(start, start + length) }, next: start + length };
}

interface PublicKeyInfo {
    algorithm: string;
    parameters: string | null;
    key: Uint8Array;
}

/** Parses a SubjectPublicKeyInfo: algorithm OID (hex), curve OID (hex) and key bytes. */
function parsePublicKeyDer(der: Uint8Array): PublicKeyInfo {
    const { item: spki, next } = readDer(der, 0);
    if (spki.tag !== 0x30 || next !== der.length) throw new Error('not a DER SEQUENCE');
    const { item: algSeq, next: afterAlg } = readDer(spki.content, 0);
    if (algSeq.tag !== 0x30) throw new Error('missing AlgorithmIdentifier');
    const { item: oid, next: afterOid } = readDer(algSeq.content, 0);
    if (oid.tag !== 0x06) throw new Error('missing algorithm OID');
    let parameters: string | null = null;
    if (afterOid < algSeq.content.length) {
        const { item: param } = readDer(algSeq.content, afterOid);
        if (param.tag === 0x06) parameters = toHex(param.content);
    }
    const { item: bits } = readDer(spki.content, afterAlg);
    if (bits.tag !== 0x03 || bits.content.length < 1 || bits.content[0] !== 0) throw new Error('missing public key BIT STRING');
    return { algorithm: toHex(oid.content), parameters, key: bits.content.subarray(1) };
}

const keyCache = new Map<string, KeyObject>();

function nodeKey(der: Uint8Array): KeyObject {
    const hex = toHex(der);
    let key = keyCache.get(hex);
    if (key === undefined) {
        key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
        if (keyCache.size > 10_000) keyCache.clear();
        keyCache.set(hex, key);
    }
    return key;
}

/** Verifies `signature` over `message` with a DER public key; returns null if valid, else why not. */
export function verifySignature(publicKeyDer: Uint8Array, message: Uint8Array, signature: Uint8Array, rootKeyDer: Uint8Array): string | null {
    let info: PublicKeyInfo;
    try {
        info = parsePublicKeyDer(publicKeyDer);
    } catch (error) {
        return `Malformed public key ${toHex(publicKeyDer)}: ${error instanceof Error ? error.message : String(error)}`;
    }
    try {
        switch (info.algorithm) {
            case OID_ED25519: {
                if (info.key.length !== 32) return 'Ed25519 public key must be 32 bytes';
                const ok = signature.length === 64 && nodeVerify(null, message, nodeKey(publicKeyDer), signature);
                return ok ? null : `Ed25519 signature could not be verified: public key ${toHex(info.key)}, signature ${toHex(signature)}`;
            }
            case OID_EC_PUBLIC_KEY: {
                const curve = info.parameters === OID_P256 ? 'P-256' : info.parameters === OID_SECP256K1 ? 'secp256k1' : null;
                if (curve === null) return `Unsupported ECDSA curve (OID ${info.parameters ?? 'none'})`;
                const ok = signature.length === 64 && nodeVerify('sha256', message, { key: nodeKey(publicKeyDer), dsaEncoding: 'ieee-p1363' }, signature);
                return ok ? null : `ECDSA ${curve} signature could not be verified: public key ${toHex(info.key)}, signature ${toHex(signature)}`;
            }
            case OID_CANISTER_SIG:
                return verifyCanisterSignature(info.key, message, signature, rootKeyDer);
            case OID_WEBAUTHN:
                return 'WebAuthn signatures are not supported by the embedded replica';
            default:
                return `Unsupported public key algorithm (OID ${info.algorithm})`;
        }
    } catch (error) {
        return `Signature verification failed: ${error instanceof Error ? error.message : String(error)}`;
    }
}

/**
 * A canister signature: the key is `len(canister_id) ‖ canister_id ‖ seed`; the signature
 * is CBOR `{certificate, tree}` where the certificate (by this replica's root key) gives the
 * canister's certified data, which must be the root hash of `tree`, and `tree` must contain
 * `/sig/<sha256(seed)>/<sha256(message)>`.
 */
function verifyCanisterSignature(rawKey: Uint8Array, message: Uint8Array, signature: Uint8Array, rootKeyDer: Uint8Array): string | null {
    const idLength = rawKey[0];
    if (idLength === undefined || rawKey.length < 1 + idLength) return 'Malformed canister signature public key';
    const canisterId = rawKey.subarray(1, 1 + idLength);
    const seed = rawKey.subarray(1 + idLength);
    const decoded = decodeCbor(signature);
    if (!isCborMap(decoded)) return 'Malformed canister signature';
    const certificateBytes = decoded.get('certificate');
    const rawSigTree = decoded.get('tree');
    if (certificateBytes === undefined || !isBytes(certificateBytes) || !isHashTree(rawSigTree)) return 'Malformed canister signature: needs certificate and tree';
    const sigTree = toHashTree(rawSigTree);
    const certificate = decodeCbor(certificateBytes);
    if (!isCborMap(certificate)) return 'Malformed canister signature certificate';
    const rawCertTree = certificate.get('tree');
    const certSig = certificate.get('signature');
    if (!isHashTree(rawCertTree) || certSig === undefined || !isBytes(certSig)) return 'Malformed canister signature certificate';
    const certTree = toHashTree(rawCertTree);
    if (certificate.get('delegation') !== undefined) return 'Canister signature certificates with delegations are not supported by the embedded replica';
    const rootKey = rootKeyDer.subarray(BLS_DER_PREFIX.length);
    if (!bls12_381.verifyShortSignature(certSig, concat(STATE_ROOT_DOMAIN, reconstruct(certTree)), rootKey)) return 'Canister signature certificate has an invalid signature';
    const certified = lookupPath(certTree, ['canister', canisterId, 'certified_data']);
    if (certified.status !== 'found') return 'Canister signature certificate does not certify the canister\'s data';
    if (Buffer.compare(certified.value, reconstruct(sigTree)) !== 0) return 'Canister signature tree does not match the certified data';
    const leaf = lookupPath(sigTree, ['sig', sha256(seed), sha256(message)]);
    if (leaf.status !== 'found') return 'Canister signature tree does not contain the signed message';
    return null;
}

function isHashTree(value: CborValue | undefined): boolean {
    if (!Array.isArray(value) || value.length === 0) return false;
    const kind = value[0];
    switch (kind) {
        case 0n:
            return value.length === 1;
        case 1n:
            return value.length === 3 && isHashTree(value[1]) && isHashTree(value[2]);
        case 2n:
            return value.length === 3 && isBytes(value[1]) && isHashTree(value[2]);
        case 3n:
        case 4n:
            return value.length === 2 && isBytes(value[1]);
        default:
            return false;
    }
}

/** Converts a decoded tree (bigint tags) into the numeric-tag form the hashing code uses. */
function toHashTree(value: CborValue | undefined): HashTree {
    if (!isHashTree(value)) throw new Error('not a hash tree');
    const items = value as CborValue[];
    switch (items[0]) {
        case 0n:
            return [0];
        case 1n:
            return [1, toHashTree(items[1]), toHashTree(items[2])];
        case 2n:
            return [2, items[1] as Uint8Array, toHashTree(items[2])];
        case 3n:
            return [3, items[1] as Uint8Array];
        default:
            return [4, items[1] as Uint8Array];
    }
}
