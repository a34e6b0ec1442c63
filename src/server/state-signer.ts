/**
 * Faster BLS signing of certified state for the server's replicas.
 *
 * Every round's certificate costs one BLS12-381 signature in the IC's scheme (signature in
 * G1, public key in G2, hash-to-curve with DST `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_`
 * over `"\x0dic-state-root" ‖ root hash`). With @noble/curves it takes 25-55 ms on this
 * project's 2-core machine, which bounds how often rounds can answer. With the `mcl-wasm`
 * dependency (herumi's mcl compiled to WebAssembly), the server hashes to the field with
 * @noble/curves and maps to the curve and multiplies with mcl: the same bytes (checked at start
 * against @noble/curves), about 10× faster. Should mcl fail to load or to agree at start,
 * signing stays with @noble/curves.
 *
 * mcl's multiplication is not constant-time. The key is a local replica's root key that
 * certifies test state on this machine; nothing outside it trusts that key.
 */
import { bls12_381 } from '@noble/curves/bls12-381';
import { hash_to_field } from '@noble/curves/abstract/hash-to-curve';
import { sha256 } from '@noble/hashes/sha2';
import { domainSeparator, ReplicaKeys } from '../replica/index.js';
import type { KeyMaterial } from '../replica/index.js';

const DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_';
const STATE_ROOT_DOMAIN = domainSeparator('ic-state-root');

/** What the server uses of mcl-wasm's API. */
interface MclPoint {
    serialize(): Uint8Array;
}
interface MclFp {
    setBigEndianMod(bytes: Uint8Array): void;
    mapToG1(): MclPoint;
}
interface MclFr {
    setBigEndianMod(bytes: Uint8Array): void;
}
/** The raw module: enough to set mcl's G1 hash-to-curve DST (herumi mcl's `mclBnG1_setDst`). */
interface MclModule {
    _malloc(size: number): number;
    _free(pointer: number): void;
    HEAP8: Int8Array;
    _mclBnG1_setDst?(pointer: number, length: number): number;
}
export interface Mcl {
    BLS12_381: number;
    IRTF: number;
    init(curve: number): Promise<void>;
    setETHserialization(on: boolean): void;
    setMapToMode(mode: number): void;
    Fp: new () => MclFp;
    Fr: new () => MclFr;
    add(a: MclPoint, b: MclPoint): MclPoint;
    mul(point: MclPoint, scalar: MclFr): MclPoint;
    /** Hash to G1 with mcl's G1 DST (present in mcl-wasm 2.x; optional for other builds). */
    hashAndMapToG1?(message: Uint8Array): MclPoint;
    mod?: MclModule;
}

export type MessageSigner = (message: Uint8Array) => Uint8Array;

let mclReady: Promise<Mcl | null> | null = null;
/** Whether mcl's own hash to G1 uses the IC's DST (set once when mcl is loaded). */
let hashesWithIcDst = false;

/** Makes the IC's DST mcl's G1 hash-to-curve DST; false if this mcl build cannot. */
function setG1Dst(mcl: Mcl): boolean {
    const mod = mcl.mod;
    if (mod?._mclBnG1_setDst === undefined || mcl.hashAndMapToG1 === undefined) return false;
    const dst = new TextEncoder().encode(DST);
    const pointer = mod._malloc(dst.length);
    try {
        mod.HEAP8.set(dst, pointer);
        return mod._mclBnG1_setDst(pointer, dst.length) === 0;
    } finally {
        mod._free(pointer);
    }
}

async function importMcl(): Promise<Mcl | null> {
    // A variable specifier: mcl-wasm ships no types; the interface above is what the server uses.
    const name = 'mcl-wasm';
    try {
        const module = (await import(name)) as Mcl & { default?: Mcl };
        return module.default ?? module;
    } catch {
        return null;
    }
}

/** Loads and sets up mcl once per process (null when it is not installed). */
export function loadMcl(load: () => Promise<Mcl | null> = importMcl): Promise<Mcl | null> {
    mclReady ??= (async () => {
        const mcl = await load();
        if (mcl === null) return null;
        await mcl.init(mcl.BLS12_381);
        mcl.setETHserialization(true);
        mcl.setMapToMode(mcl.IRTF);
        hashesWithIcDst = setG1Dst(mcl);
        return mcl;
    })();
    return mclReady;
}

function bigEndian(value: bigint, bytes: number): Uint8Array {
    return Uint8Array.from(Buffer.from(value.toString(16).padStart(bytes * 2, '0'), 'hex'));
}

/** Signs as @noble/curves' `signShortSignature` does, with mcl doing the curve arithmetic. */
function mclSigner(mcl: Mcl, secretKey: Uint8Array): MessageSigner {
    const scalar = new mcl.Fr();
    scalar.setBigEndianMod(secretKey);
    const hashToCurve = mcl.hashAndMapToG1?.bind(mcl);
    if (hashesWithIcDst && hashToCurve !== undefined) return (message) => mcl.mul(hashToCurve(message), scalar).serialize();
    const p = bls12_381.fields.Fp.ORDER;
    return (message) => {
        const [u0, u1] = hash_to_field(message, 2, { DST, p, m: 1, k: 128, expand: 'xmd', hash: sha256 });
        const point = (u: bigint[]): MclPoint => {
            const element = new mcl.Fp();
            element.setBigEndianMod(bigEndian(u[0]!, 48));
            return element.mapToG1();
        };
        // The two mapped points' sum, cofactor cleared (mapToG1 clears each; clearing is linear).
        return mcl.mul(mcl.add(point(u0!), point(u1!)), scalar).serialize();
    };
}

/** Replica keys whose state roots are signed by `signer` (same scheme, same bytes). */
export class FastSigningKeys extends ReplicaKeys {
    readonly #sign: MessageSigner;

    constructor(material: KeyMaterial, signer: MessageSigner) {
        super(material);
        this.#sign = signer;
    }

    override signStateRoot(rootHash: Uint8Array): Uint8Array {
        const message = new Uint8Array(STATE_ROOT_DOMAIN.length + rootHash.length);
        message.set(STATE_ROOT_DOMAIN);
        message.set(rootHash, STATE_ROOT_DOMAIN.length);
        return this.#sign(message);
    }
}

/**
 * `keys` signing with mcl-wasm when it is installed and signs exactly as @noble/curves
 * does (checked on a sample); else `keys` unchanged.
 */
export async function withFastStateSigner(keys: ReplicaKeys, load?: () => Promise<Mcl | null>): Promise<ReplicaKeys> {
    if (keys instanceof FastSigningKeys) return keys;
    const mcl = await loadMcl(load);
    return mcl === null ? keys : fastKeysWith(keys, mcl);
}

/** `keys` signing with an initialised mcl if it signs a sample exactly as `keys` does; else `keys`. */
export function fastKeysWith(keys: ReplicaKeys, mcl: Mcl): ReplicaKeys {
    const fast = new FastSigningKeys(keys.material, mclSigner(mcl, keys.material.blsSecretKey));
    const sample = new Uint8Array(32).fill(0x5a);
    if (Buffer.compare(fast.signStateRoot(sample), keys.signStateRoot(sample)) !== 0) return keys;
    return fast;
}
