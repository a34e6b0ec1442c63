/** The client's snapshot download and upload through the replica's HTTP server, with the genuine @dfinity/agent. */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { downloadSnapshot } from '../../src/client/snapshots/download.js';
import { snapshotManagement } from '../../src/client/snapshots/management.js';
import { SLICE_BYTES, type TransferProgress } from '../../src/client/snapshots/parts.js';
import { sourceOf, uploadSnapshot } from '../../src/client/snapshots/upload.js';
import { ReplicaKeys } from '../../src/replica/certification/keys.js';
import { startReplicaServer } from '../../src/server/server.js';
import { agentFor, deployKvStore, kvActor, management, settingsWith } from '../server/support.js';

describe('client snapshot transfer over HTTP', () => {
    it('downloads a canister snapshot in slices and uploads it into another canister, which then answers as the first', async () => {
        const server = await startReplicaServer({ port: 0, keys: ReplicaKeys.fromSeed('snapshot transfer'), log: () => undefined });
        try {
            const agent = await agentFor(server.url, Ed25519KeyIdentity.generate());
            const { canisterId: a } = await deployKvStore(agent, { chunked: false });
            await kvActor(agent, a).put('key', 'value');
            const mgmt = snapshotManagement(agent);
            const { id } = await mgmt.take_canister_snapshot({ canister_id: a, replace_snapshot: [] });
            const seen: TransferProgress[] = [];
            const snapshot = await downloadSnapshot(agent, a, id, (p) => seen.push(p));
            expect(seen.length).toBeGreaterThan(Math.floor(Number(snapshot.metadata.stable_memory_size) / SLICE_BYTES));
            expect(seen[seen.length - 1]!.done).toBe(seen[seen.length - 1]!.total);

            const { canister_id: b } = await management(agent).provisional_create_canister_with_cycles({ amount: [10n ** 15n], settings: [settingsWith([await agent.getPrincipal()])], specified_id: [], sender_canister_version: [] });
            const uploaded = await uploadSnapshot(agent, b, sourceOf(snapshot));
            await mgmt.load_canister_snapshot({ canister_id: b, snapshot_id: uploaded, sender_canister_version: [] });
            expect(await kvActor(agent, b).get('key')).toEqual(['value']);
            const [statusA, statusB] = [await mgmt.canister_status({ canister_id: a }), await mgmt.canister_status({ canister_id: b })];
            expect(statusB.module_hash).toEqual(statusA.module_hash);
        } finally {
            await server.close();
        }
    });
});
