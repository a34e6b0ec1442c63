/**
 * The server's state-root signer: whichever implementation signs (mcl-wasm when installed,
 * else @noble/curves), certificates carry exactly the IC scheme's signature, and a signer
 * that does not match @noble/curves is never used.
 */
import { bls12_381 } from '@noble/curves/bls12-381';
import { ReplicaKeys, domainSeparator } from '../../src/replica/certification/keys.js';
import { FastSigningKeys, Mcl, fastKeysWith, loadMcl, withFastStateSigner } from '../../src/server/state-signer.js';
import { ReplicaNode } from '../../src/server/node.js';

function rootKey(keys: ReplicaKeys): Uint8Array {
    return keys.rootKeyDer.subarray(keys.rootKeyDer.length - 96);
}

function message(root: Uint8Array): Uint8Array {
    const domain = domainSeparator('ic-state-root');
    const out = new Uint8Array(domain.length + root.length);
    out.set(domain);
    out.set(root, domain.length);
    return out;
}

describe('state-root signer', () => {
    it('signs what @noble/curves signs, verifiable under the root key, with the installed backend', async () => {
        const keys = ReplicaKeys.generate();
        const fast = await withFastStateSigner(keys);
        const mcl = await loadMcl();
        // mcl-wasm is optional: with it the keys are replaced, without it they are kept.
        expect(fast instanceof FastSigningKeys).toBe(mcl !== null);
        for (let i = 0; i < 4; i++) {
            const root = crypto.getRandomValues(new Uint8Array(32));
            const signature = fast.signStateRoot(root);
            expect(Buffer.from(signature)).toEqual(Buffer.from(keys.signStateRoot(root)));
            expect(bls12_381.verifyShortSignature(signature, message(root), rootKey(keys))).toBe(true);
        }
    });

    it('signs the same bytes with mcl hashing to the curve and with @noble/curves hashing to the field', async () => {
        const mcl = await loadMcl();
        if (mcl === null) return expect(mcl).toBeNull(); // mcl-wasm is optional
        const keys = ReplicaKeys.generate();
        const ownHash = fastKeysWith(keys, mcl);
        const fieldHash = fastKeysWith(keys, { ...mcl, hashAndMapToG1: undefined });
        expect(ownHash).toBeInstanceOf(FastSigningKeys);
        expect(fieldHash).toBeInstanceOf(FastSigningKeys);
        const root = crypto.getRandomValues(new Uint8Array(32));
        const expected = Buffer.from(keys.signStateRoot(root));
        expect(Buffer.from(ownHash.signStateRoot(root))).toEqual(expected);
        expect(Buffer.from(fieldHash.signStateRoot(root))).toEqual(expected);
    });

    it('keeps @noble/curves when the faster backend signs anything else', () => {
        const keys = ReplicaKeys.generate();
        const wrong = new FastSigningKeys(keys.material, () => new Uint8Array(48));
        expect(Buffer.from(wrong.signStateRoot(new Uint8Array(32)))).not.toEqual(Buffer.from(keys.signStateRoot(new Uint8Array(32))));
        // A backend whose points serialize wrongly must be refused by the start-up check.
        const broken = {
            BLS12_381: 5,
            IRTF: 5,
            init: async () => undefined,
            setETHserialization: () => undefined,
            setMapToMode: () => undefined,
            Fp: class {
                setBigEndianMod(): void {}
                mapToG1(): { serialize(): Uint8Array } {
                    return { serialize: () => new Uint8Array(48) };
                }
            },
            Fr: class {
                setBigEndianMod(): void {}
            },
            add: (a: { serialize(): Uint8Array }) => a,
            mul: (a: { serialize(): Uint8Array }) => a
        } satisfies Mcl;
        expect(fastKeysWith(keys, broken)).toBe(keys);
    });

    it('a node signs its state roots under the root key it reports, with the same key material', async () => {
        const keys = ReplicaKeys.generate();
        const node = await ReplicaNode.create({ keys });
        try {
            expect(node.keys.toJSON()).toEqual(keys.toJSON());
            const root = crypto.getRandomValues(new Uint8Array(32));
            expect(bls12_381.verifyShortSignature(node.keys.signStateRoot(root), message(root), rootKey(node.keys))).toBe(true);
        } finally {
            await node.close();
        }
    });
});
