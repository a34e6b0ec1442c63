/** The page's key handling (src/ui/page/identity.ts), in Node: the formats it imports and how it keeps the key. */
import { generateKeyPairSync } from 'node:crypto';

import { Ed25519KeyIdentity } from '@dfinity/identity';

import { exportKey, loadOrCreateKey, parseKeyFile, replaceKey } from '../../src/ui/page/identity.js';
import { toHex } from '../../src/encoding/hex.js';

/** A Storage in memory (the page uses the browser's localStorage). */
function memoryStorage(): Storage {
    const items = new Map<string, string>();
    return {
        get length() {
            return items.size;
        },
        clear: () => items.clear(),
        getItem: (key) => items.get(key) ?? null,
        key: (index) => [...items.keys()][index] ?? null,
        removeItem: (key) => void items.delete(key),
        setItem: (key, value) => void items.set(key, value)
    };
}

it('imports an Ed25519 PKCS#8 PEM (as openssl writes it), a hex secret key and its own JSON export', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const seed = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32));
    const expected = Ed25519KeyIdentity.fromSecretKey(seed).getPrincipal().toText();
    expect(parseKeyFile(pem).getPrincipal().toText()).toBe(expected);
    expect(parseKeyFile(`  ${toHex(seed)}\n`).getPrincipal().toText()).toBe(expected);
    const made = Ed25519KeyIdentity.generate();
    expect(parseKeyFile(exportKey(made)).getPrincipal().toText()).toBe(made.getPrincipal().toText());
});

it('refuses what it cannot sign with, saying what it accepts', () => {
    expect(() => parseKeyFile('-----BEGIN EC PRIVATE KEY-----\nMHQCAQEE\n-----END EC PRIVATE KEY-----')).toThrow(/secp256k1 key \(dfx's default\)/);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => parseKeyFile(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/not an Ed25519 PKCS#8 private key/);
    expect(() => parseKeyFile('hello')).toThrow(/Not a key file: import an Ed25519KeyIdentity JSON/);
    expect(() => parseKeyFile('["00", "11"]')).toThrow(/not an Ed25519 key/);
});

it('makes a key on first use, keeps it, and replaces an unreadable one', () => {
    const storage = memoryStorage();
    const first = loadOrCreateKey(storage);
    expect(loadOrCreateKey(storage).getPrincipal().toText()).toBe(first.getPrincipal().toText());
    const other = replaceKey(Ed25519KeyIdentity.generate(), storage);
    expect(loadOrCreateKey(storage).getPrincipal().toText()).toBe(other.getPrincipal().toText());
    storage.setItem('upgrader-voter-key', 'garbage');
    const fresh = loadOrCreateKey(storage);
    expect(fresh.getPrincipal().toText()).not.toBe(other.getPrincipal().toText());
    expect(loadOrCreateKey(storage).getPrincipal().toText()).toBe(fresh.getPrincipal().toText());
});
