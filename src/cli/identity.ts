/**
 * Identities, as dfx keeps them: `--identity <name>` reads
 * `$HOME/.config/dfx/identity/<name>/identity.pem`; without `--identity`, the default identity
 * named in `$HOME/.config/dfx/identity.json` (`{"default": "<name>"}`, else `default`), as dfx
 * does. `--identity <path>` (a value with a `/` or ending in `.pem`) reads that PEM file.
 * PEMs: Ed25519 in PKCS#8 (`BEGIN PRIVATE KEY`) and secp256k1 in SEC1 (`BEGIN EC PRIVATE KEY`,
 * with or without dfx's `EC PARAMETERS` block). `--identity demo:<name>` derives a key from the
 * name, which anyone can: refused except on a local network. Password-protected identities
 * (`identity.pem.encrypted`) and encrypted PEMs are refused with what to do: export an
 * unencrypted PEM and pass its path.
 */
import { createPrivateKey } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { Identity } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';

import { demoIdentity } from '../../scripts/lib/ic.js';
import { UsageError } from './errors.js';
import type { Network } from './network.js';

export interface LoadedIdentity {
    identity: Identity;
    /** Where it came from, for the "identity:" line (`dfx:alice`, a path, `demo:bob`, `throwaway`). */
    source: string;
}

/** dfx's identity store under `home`. */
function dfxIdentityDir(home: string): string {
    return join(home, '.config', 'dfx', 'identity');
}

const NAME = /^[A-Za-z0-9._@-]+$/;

/**
 * The identity `spec` names (or dfx's default identity when undefined).
 * @throws UsageError when it does not exist, is encrypted or is not a supported PEM, and for a
 * demo identity off a local network.
 */
export async function loadIdentity(spec: string | undefined, options: { env: CliEnv; cwd: string; network: Network }): Promise<LoadedIdentity> {
    if (spec?.startsWith('demo:')) {
        if (!options.network.local) throw new UsageError(`--identity ${spec}: demo identities are derived from their name, so anyone can use them; they are allowed on local networks only, not ${options.network.name}`);
        return { identity: demoIdentity(spec.slice('demo:'.length)), source: spec };
    }
    if (spec !== undefined && (spec.includes('/') || spec.includes('\\') || spec.endsWith('.pem'))) {
        const path = resolve(options.cwd, spec);
        return { identity: identityFromPem(await readPem(path, `--identity ${spec}`), path), source: path };
    }
    const home = options.env.HOME ?? options.env.USERPROFILE;
    if (home === undefined) throw new UsageError('HOME is not set, so the dfx identity store cannot be found: pass --identity <pem path>');
    const name = spec ?? (await defaultIdentityName(home));
    if (!NAME.test(name)) throw new UsageError(`--identity ${JSON.stringify(name)} is not an identity name (letters, digits, . _ @ -) nor a path`);
    const dir = join(dfxIdentityDir(home), name);
    const pem = join(dir, 'identity.pem');
    if (await exists(pem)) return { identity: identityFromPem(await readPem(pem, `identity ${name}`), pem), source: `dfx:${name}` };
    if (await exists(`${pem}.encrypted`)) {
        throw new UsageError(`identity ${name} is password-protected (${pem}.encrypted), which this CLI does not decrypt: run \`dfx identity export ${name} > ${name}.pem\` and pass --identity ./${name}.pem`);
    }
    if (await exists(dir)) throw new UsageError(`identity ${name} keeps its key outside ${dir} (e.g. the system keyring): run \`dfx identity export ${name} > ${name}.pem\` and pass --identity ./${name}.pem`);
    throw new UsageError(`identity ${JSON.stringify(name)} not found (no ${pem}): create it with \`dfx identity new ${name}\`, or pass --identity <pem path>`);
}

type CliEnv = Readonly<Record<string, string | undefined>>;

/** What dfx's identity.json names as the default, else `default`. */
async function defaultIdentityName(home: string): Promise<string> {
    const path = join(home, '.config', 'dfx', 'identity.json');
    try {
        const config = JSON.parse(await readFile(path, 'utf8')) as { default?: unknown };
        return typeof config.default === 'string' ? config.default : 'default';
    } catch {
        return 'default';
    }
}

async function exists(path: string): Promise<boolean> {
    try {
        await access(path);
        return true;
    } catch {
        return false;
    }
}

async function readPem(path: string, what: string): Promise<string> {
    try {
        return await readFile(path, 'utf8');
    } catch (error) {
        throw new UsageError(`${what}: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`);
    }
}

/** The PEM block of `label` in `text`, if any. */
function pemBlock(text: string, label: string): string | undefined {
    const match = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`).exec(text);
    return match?.[0];
}

/**
 * An identity from PEM text: Ed25519 PKCS#8 or secp256k1 SEC1 (also PKCS#8-wrapped).
 * @throws UsageError for encrypted PEMs and other key kinds.
 */
export function identityFromPem(text: string, path: string): Identity {
    if (pemBlock(text, 'ENCRYPTED PRIVATE KEY') !== undefined || /Proc-Type: 4,ENCRYPTED/.test(text)) {
        throw new UsageError(`${path} is an encrypted PEM: export an unencrypted one (e.g. \`openssl pkey -in ${path} -out plain.pem\`, or \`dfx identity export <name>\`) and pass its path`);
    }
    const block = pemBlock(text, 'EC PRIVATE KEY') ?? pemBlock(text, 'PRIVATE KEY');
    if (block === undefined) throw new UsageError(`${path} holds no "BEGIN PRIVATE KEY" (Ed25519) or "BEGIN EC PRIVATE KEY" (secp256k1) block`);
    let jwk: { kty?: string; crv?: string; d?: string };
    try {
        jwk = createPrivateKey({ key: block, format: 'pem' }).export({ format: 'jwk' });
    } catch (error) {
        throw new UsageError(`${path} is not a readable private key (${error instanceof Error ? error.message : String(error)})`);
    }
    const secret = jwk.d === undefined ? undefined : new Uint8Array(Buffer.from(jwk.d, 'base64url'));
    if (secret !== undefined && jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return Ed25519KeyIdentity.fromSecretKey(secret);
    if (secret !== undefined && jwk.kty === 'EC' && jwk.crv === 'secp256k1') return Secp256k1KeyIdentity.fromSecretKey(secret);
    throw new UsageError(`${path} holds a ${jwk.crv ?? jwk.kty ?? 'unknown'} key; only Ed25519 and secp256k1 keys (dfx's kinds) are supported`);
}
