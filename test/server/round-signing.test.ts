/**
 * A live node signs each round that answered requests once, in the round, for every response
 * of it; with a store, while the round's log record is being made durable (the disk's fsync
 * and the BLS signature overlap instead of adding up).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { MANAGEMENT_CANISTER_ID, ReplicaKeys, utf8 } from '../../src/replica/index.js';
import { ReplicaNode, StateStore } from '../../src/server/node.js';
import { openStateDir } from '../../src/server/persistence.js';

const CREATE_ARG = new Uint8Array(
    IDL.encode(
        [IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(IDL.Null), specified_id: IDL.Opt(IDL.Principal), sender_canister_version: IDL.Opt(IDL.Nat64) })],
        [{ amount: [10n ** 12n], settings: [], specified_id: [], sender_canister_version: [] }]
    )
);

function createCanister(node: ReplicaNode, n: number): string {
    const messageId = n.toString(16).padStart(64, '0');
    const submitted = node.submit({ sender: Principal.anonymous(), canisterId: MANAGEMENT_CANISTER_ID, method: 'provisional_create_canister_with_cycles', arg: CREATE_ARG, messageId });
    if ('err' in submitted) throw new Error(submitted.err.message);
    return messageId;
}

/** A store that writes nothing and records, per commit, whether the node gave it work to overlap and what that work did. */
function recordingStore(): { store: StateStore; commits: Array<{ overlapped: boolean; signedBefore: boolean; signedAfter: boolean }> } {
    const commits: Array<{ overlapped: boolean; signedBefore: boolean; signedAfter: boolean }> = [];
    return {
        commits,
        store: {
            async commit(node, whileSyncing) {
                const signedBefore = node.tree.isSigned;
                await new Promise((resolve) => setTimeout(resolve, 1));
                whileSyncing?.();
                commits.push({ overlapped: whileSyncing !== undefined, signedBefore, signedAfter: node.tree.isSigned });
            },
            async close() {}
        }
    };
}

describe('signing a round', () => {
    it('a live node signs a round that answered requests while its log record is made durable, once for all its responses', async () => {
        const { store, commits } = recordingStore();
        const node = await ReplicaNode.create({ keys: ReplicaKeys.generate(), live: true, store });
        try {
            const ids = [createCanister(node, 1), createCanister(node, 2)];
            const statuses = await Promise.all(ids.map((id) => node.awaitIngress(id, { timeoutMs: 10_000 })));
            expect(statuses.map((s) => s?.status)).toEqual(['replied', 'replied']);
            const answering = commits.filter((c) => c.overlapped);
            expect(answering.length).toBeGreaterThanOrEqual(1);
            for (const commit of answering) expect(commit).toEqual({ overlapped: true, signedBefore: false, signedAfter: true });
            // Both responses' certificates are of the signed state: no signature more.
            const signatures = node.tree.signatureCount;
            const certificates = await node.whenSettled(() => ids.map((id) => node.certificate([[utf8('request_status'), Buffer.from(id, 'hex')]])));
            expect(certificates).toHaveLength(2);
            expect(node.tree.signatureCount).toBe(signatures);
        } finally {
            await node.close();
        }
    });

    it('a round that answered nothing is not signed until a certificate asks for it', async () => {
        const { store, commits } = recordingStore();
        const node = await ReplicaNode.create({ keys: ReplicaKeys.generate(), store });
        try {
            node.setLive(true);
            await node.runRound();
            expect(commits.at(-1)).toEqual({ overlapped: false, signedBefore: false, signedAfter: false });
            expect(node.tree.isSigned).toBe(false);
        } finally {
            await node.close();
        }
    });

    it('the state directory runs the overlapped work once per commit, before the commit resolves', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'replica-signing-'));
        try {
            const node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
            try {
                createCanister(node, 3);
                node.subnet.tick();
                let calls = 0;
                await node.store!.commit(node, () => calls++);
                expect(calls).toBe(1);
                // Nothing changed since: nothing to write, the work still runs once.
                await node.store!.commit(node, () => calls++);
                expect(calls).toBe(2);
            } finally {
                await node.close();
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
