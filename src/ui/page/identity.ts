/**
 * The voter's key: an Ed25519 key made in this browser and kept in its localStorage (never sent
 * anywhere; only signatures leave the page), or imported from a file in one of the formats the
 * project's scripts read: `Ed25519KeyIdentity.toJSON()` JSON, a 32-byte secret key in hex, or an
 * Ed25519 PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey -algorithm ed25519`
 * writes it, with or without the public key).
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';

const STORAGE_KEY = 'upgrader-voter-key';

/** A key file that is none of the formats above; the message says what is accepted. */
class KeyFormatError extends Error {
    override name = 'KeyFormatError';
}

/** The stored key, or a new one (stored) when there is none or the stored one is unreadable. */
export function loadOrCreateKey(storage: Storage = localStorage): Ed25519KeyIdentity {
    const stored = storage.getItem(STORAGE_KEY);
    if (stored !== null) {
        try {
            return Ed25519KeyIdentity.fromJSON(stored);
        } catch {
            // Unreadable (edited by hand): replaced below, as on a first visit.
        }
    }
    return replaceKey(Ed25519KeyIdentity.generate(), storage);
}

/** Keeps `identity` as this browser's key, replacing the previous one. */
export function replaceKey(identity: Ed25519KeyIdentity, storage: Storage = localStorage): Ed25519KeyIdentity {
    storage.setItem(STORAGE_KEY, JSON.stringify(identity.toJSON()));
    return identity;
}

/** The key as a JSON file the page (and the scripts' `loadIdentity`) can import again. */
export function exportKey(identity: Ed25519KeyIdentity): string {
    return `${JSON.stringify(identity.toJSON())}\n`;
}

function bytesOfHex(hex: string): Uint8Array {
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
}

/** Ed25519's algorithm identifier (OID 1.3.101.112) and the OCTET STRING holding the 32-byte seed, in PKCS#8. */
const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70];
const SEED_PREFIX = [0x04, 0x22, 0x04, 0x20];

function indexOf(bytes: Uint8Array, pattern: number[], from = 0): number {
    outer: for (let i = from; i + pattern.length <= bytes.length; i++) {
        for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
        return i;
    }
    return -1;
}

function fromPem(text: string): Ed25519KeyIdentity {
    const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(text);
    if (match === null) {
        throw new KeyFormatError(text.includes('EC PRIVATE KEY') ? 'This PEM holds a secp256k1 key (dfx\'s default); the page signs with Ed25519 keys only: make one with `openssl genpkey -algorithm ed25519 -out voter.pem` and name its principal a voter, or use the page\'s own key.' : 'A PEM file must hold an Ed25519 private key (-----BEGIN PRIVATE KEY-----).');
    }
    const der = Uint8Array.from(atob(match[1]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    const oid = indexOf(der, ED25519_OID);
    const seed = oid < 0 ? -1 : indexOf(der, SEED_PREFIX, oid);
    if (seed < 0 || seed + SEED_PREFIX.length + 32 > der.length) throw new KeyFormatError('This PEM is not an Ed25519 PKCS#8 private key; the page signs with Ed25519 keys only.');
    return Ed25519KeyIdentity.fromSecretKey(der.slice(seed + SEED_PREFIX.length, seed + SEED_PREFIX.length + 32));
}

/**
 * Reads a key file's text.
 * @throws KeyFormatError when it is none of the accepted formats.
 */
export function parseKeyFile(text: string): Ed25519KeyIdentity {
    const trimmed = text.trim();
    if (trimmed.startsWith('[')) {
        try {
            return Ed25519KeyIdentity.fromJSON(trimmed);
        } catch (error) {
            throw new KeyFormatError(`This JSON is not an Ed25519 key as Ed25519KeyIdentity.toJSON() writes it ([public key DER hex, secret key hex]): ${error instanceof Error ? error.message : String(error)}`);
        }
    }
    if (/^[0-9a-f]{64}$/i.test(trimmed)) return Ed25519KeyIdentity.fromSecretKey(bytesOfHex(trimmed));
    if (trimmed.startsWith('-----BEGIN')) return fromPem(trimmed);
    throw new KeyFormatError('Not a key file: import an Ed25519KeyIdentity JSON, a 32-byte secret key in hex (64 characters), or an Ed25519 PEM (-----BEGIN PRIVATE KEY-----).');
}
