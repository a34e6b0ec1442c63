/** The client's snapshot download and upload through the replica's HTTP server, with the genuine @dfinity/agent. */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { downloadSnapshot } from '../../src/client/snapshots/download.js';
import { snapshotManagement } from '../../src/client/snapshots/management.js';
import { SLICE_BYTES, type TransferProgress } from '../../src/client/snapshots/parts.js';
import { sourceOf, uploadSnapshot } from '../../src/client/snapshots/upload.js';
import { ReplicaKeys } from '../../src/replica/certification/keys.js';
import { startReplicaServer } from '../../src/server/server.js';
import { gzipSync } from 'node:zlib';
import type { Principal } from '@dfinity/principal';
import { DATA, SCRATCH, prog, universalWasm } from '../replica/conformance/support/universal.js';
import { agentFor, management, settingsWith } from '../server/support.js';

describe('client snapshot transfer over HTTP', () => {
    it('downloads a canister snapshot in slices and uploads it into another canister, which then answers as the first', async () => {
        const server = await startReplicaServer({ port: 0, keys: ReplicaKeys.fromSeed('snapshot transfer'), log: () => undefined });
        try {
            const agent = await agentFor(server.url, Ed25519KeyIdentity.generate());
            const create = async () =>
                (await management(agent).provisional_create_canister_with_cycles({ amount: [10n ** 15n], settings: [settingsWith([await agent.getPrincipal()])], specified_id: [], sender_canister_version: [] })).canister_id;
            const a = await create();
            // A gzipped module, heap state and 5 MB of stable memory (three slices).
            const init = prog().op('store64', DATA, 11).ic0('stable64_grow', 80).op('drop').ic0('stable64_write', 4_500_000, 'far out');
            await management(agent).install_code({ mode: { install: null }, canister_id: a, wasm_module: gzipSync(await universalWasm()), arg: init.build(), sender_canister_version: [] });
            const mgmt = snapshotManagement(agent);
            const { id } = await mgmt.take_canister_snapshot({ canister_id: a, replace_snapshot: [] });
            const seen: TransferProgress[] = [];
            const snapshot = await downloadSnapshot(snapshotManagement(agent), a, id, (p) => seen.push(p));
            expect(seen.filter((p) => p.part === 'stable_memory')).toHaveLength(Math.ceil(Number(snapshot.metadata.stable_memory_size) / SLICE_BYTES));
            expect(seen[seen.length - 1]!.done).toBe(seen[seen.length - 1]!.total);

            const b = await create();
            const uploaded = await uploadSnapshot(snapshotManagement(agent), b, sourceOf(snapshot));
            await mgmt.load_canister_snapshot({ canister_id: b, snapshot_id: uploaded, sender_canister_version: [] });
            const read = async (canisterId: Principal) => {
                const reply = await agent.query(canisterId, { methodName: 'query', arg: prog().op('load64', DATA).appendI64().ic0('stable64_read', SCRATCH, 4_500_000, 7).ic0('msg_reply_data_append', SCRATCH, 7).ic0('msg_reply').build() });
                if (reply.status !== 'replied') throw new Error('query rejected');
                return Buffer.from(reply.reply.arg).toString('hex');
            };
            expect(await read(b)).toBe(await read(a));
            const [statusA, statusB] = [await mgmt.canister_status({ canister_id: a }), await mgmt.canister_status({ canister_id: b })];
            expect(statusB.module_hash).toEqual(statusA.module_hash);
            const code = (id: Principal) => server.node.subnet.canister(id)!.code!;
            expect(Buffer.compare(code(b).stable.toBytes(), code(a).stable.toBytes())).toBe(0);
            expect(Buffer.compare(code(b).heap.toBytes(), code(a).heap.toBytes())).toBe(0);
        } finally {
            await server.close();
        }
    });

    it('an upload that fails half-way deletes the snapshot it created', async () => {
        const server = await startReplicaServer({ port: 0, keys: ReplicaKeys.fromSeed('failed upload'), log: () => undefined });
        try {
            const agent = await agentFor(server.url, Ed25519KeyIdentity.generate());
            const { canister_id } = await management(agent).provisional_create_canister_with_cycles({ amount: [10n ** 15n], settings: [settingsWith([await agent.getPrincipal()])], specified_id: [], sender_canister_version: [] });
            const bytes = (size: number) => ({ size, read: (offset: number, length: number) => new Uint8Array(length).fill(offset % 251) });
            const failing = { size: 65_536, read: () => Promise.reject(new Error('disk read failed')) };
            const metadata = {
                source: { metadata_upload: null },
                taken_at_timestamp: 0n,
                wasm_module_size: 8n,
                globals: [],
                wasm_memory_size: 65_536n,
                stable_memory_size: 65_536n,
                wasm_chunk_store: [],
                canister_version: 0n,
                certified_data: new Uint8Array(0),
                global_timer: [],
                on_low_wasm_memory_hook_status: []
            } satisfies Parameters<typeof uploadSnapshot>[2]['metadata'];
            const upload = uploadSnapshot(snapshotManagement(agent), canister_id, { metadata, parts: { wasm_module: bytes(8), wasm_memory: bytes(65_536), stable_memory: failing }, chunks: [] });
            await expect(upload).rejects.toThrow('disk read failed');
            expect(await snapshotManagement(agent).list_canister_snapshots({ canister_id })).toEqual([]);
        } finally {
            await server.close();
        }
    });
});
