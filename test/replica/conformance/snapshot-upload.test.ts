/**
 * Snapshot upload (interface spec: upload_canister_snapshot_metadata, upload_canister_snapshot_data)
 * and download in 2,000,000-byte slices: authorization, every data kind, bounds, unfinished
 * uploads, replace_snapshot, the limit, and round trips between canisters.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MAX_CHUNK_BYTES, MAX_SNAPSHOT_SLICE_BYTES, WASM_PAGE_BYTES } from '../../../src/replica/constants.js';
import { Replica } from '../../../src/replica/index.js';
import { ManagementArgs } from '../../../src/replica/management/candid.js';
import { OWNER, Principal, STRANGER, expectReject, newReplica, query, run, systemState, text, u64 } from './support/harness.js';
import { downloadSnapshot, uploadSnapshot } from './support/snapshot-transfer.js';
import { DATA, SCRATCH, prog, universalWasm } from './support/universal.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
const TIMER = 4_000_000_000_000_000_000n;

/** A gzipped universal canister whose init writes heap, a global, one stable page, certified data and a far timer. */
async function statefulCanister(replica: Replica, tag: string, n: number): Promise<Principal> {
    const canisterId = await replica.createCanister({ sender: OWNER });
    const init = prog()
        .op('store64', DATA, n)
        .op('global_set', n)
        .ic0('stable64_grow', 1)
        .op('drop')
        .ic0('stable64_write', 0, tag)
        .ic0('certified_data_set', tag)
        .ic0('global_timer_set', TIMER)
        .op('drop');
    await replica.installCode({ canisterId, wasm: gzipSync(await universalWasm()), arg: init.build(), sender: OWNER });
    return canisterId;
}

async function stateOf(replica: Replica, id: Principal) {
    const r = await query(replica, id, prog().op('load64', DATA).appendI64().op('global_get').appendI64().ic0('stable64_size').appendI64().ic0('msg_reply'));
    const stable = text(await query(replica, id, prog().ic0('stable64_read', SCRATCH, 0, 4).ic0('msg_reply_data_append', SCRATCH, 4).ic0('msg_reply')));
    return { heap: u64(r, 0), global: u64(r, 8), stablePages: u64(r, 16), stable };
}

const take = async (replica: Replica, id: Principal) => (await replica.callManagement('take_canister_snapshot', { canister_id: id, replace_snapshot: [] }, OWNER)).id;
const load = (replica: Replica, id: Principal, snapshot: Uint8Array, sender = OWNER) =>
    replica.callManagement('load_canister_snapshot', { canister_id: id, snapshot_id: snapshot, sender_canister_version: [] }, sender);
const list = async (replica: Replica, id: Principal) => (await replica.callManagement('list_canister_snapshots', { canister_id: id }, OWNER)).map((s) => hex(s.id));
const moduleHash = async (replica: Replica, id: Principal) => hex((await replica.canisterStatus({ canisterId: id, sender: OWNER })).moduleHash ?? new Uint8Array(0));

function metadata(canisterId: Principal, sizes: { wasm?: bigint; heap?: bigint; stable?: bigint } = {}, more: Partial<ManagementArgs<'upload_canister_snapshot_metadata'>> = {}): ManagementArgs<'upload_canister_snapshot_metadata'> {
    return {
        canister_id: canisterId,
        replace_snapshot: [],
        wasm_module_size: sizes.wasm ?? 100n,
        globals: [],
        wasm_memory_size: sizes.heap ?? BigInt(WASM_PAGE_BYTES),
        stable_memory_size: sizes.stable ?? BigInt(WASM_PAGE_BYTES),
        certified_data: new Uint8Array(0),
        global_timer: [],
        on_low_wasm_memory_hook_status: [],
        ...more
    };
}
const uploadMeta = (replica: Replica, args: ManagementArgs<'upload_canister_snapshot_metadata'>, sender = OWNER) => replica.callManagement('upload_canister_snapshot_metadata', args, sender);
const uploadData = (replica: Replica, canisterId: Principal, snapshotId: Uint8Array, kind: ManagementArgs<'upload_canister_snapshot_data'>['kind'], chunk: Uint8Array, sender = OWNER) =>
    replica.callManagement('upload_canister_snapshot_data', { canister_id: canisterId, snapshot_id: snapshotId, kind, chunk }, sender);

describe('snapshot upload (spec §3.3, upload_canister_snapshot_*)', () => {
    it('a snapshot read from one canister, uploaded to another and loaded, gives it the same heap, globals, stable memory, module, chunk store, certified data and timer', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'AAAA', 41);
        await replica.callManagement('upload_chunk', { canister_id: a, chunk: new Uint8Array([1, 2, 3]) }, OWNER);
        const fromA = await downloadSnapshot(replica, a, await take(replica, a), OWNER);
        expect(fromA.metadata.source).toEqual({ taken_from_canister: null });
        expect(fromA.metadata.global_timer).toEqual([{ active: TIMER }]);

        const b = await replica.createCanister({ sender: OWNER });
        const uploaded = await uploadSnapshot(replica, b, fromA, OWNER);
        const meta = await replica.callManagement('read_canister_snapshot_metadata', { canister_id: b, snapshot_id: uploaded }, OWNER);
        expect(meta.source).toEqual({ metadata_upload: null });
        expect(meta.globals).toEqual(fromA.metadata.globals);
        await load(replica, b, uploaded);

        expect(await stateOf(replica, b)).toEqual({ heap: 41n, global: 41n, stablePages: 1n, stable: 'AAAA' });
        expect(await moduleHash(replica, b)).toBe(await moduleHash(replica, a));
        expect(text((await systemState(replica, b)).certifiedData)).toBe('AAAA');
        expect((await systemState(replica, b)).globalTimer).toBe(TIMER);
        expect((await replica.callManagement('stored_chunks', { canister_id: b }, OWNER)).map((c) => hex(c.hash))).toEqual([hex(sha256(new Uint8Array([1, 2, 3])))]);

        // Byte for byte: B's own snapshot downloads as A's did.
        const fromB = await downloadSnapshot(replica, b, await take(replica, b), OWNER);
        expect(Buffer.compare(fromB.wasm, fromA.wasm)).toBe(0);
        expect(Buffer.compare(fromB.heap, fromA.heap)).toBe(0);
        expect(Buffer.compare(fromB.stable, fromA.stable)).toBe(0);
        expect(fromB.metadata.globals).toEqual(fromA.metadata.globals);
        // And B runs on from there.
        await run(replica, b, prog().op('store64', DATA, 42).reply());
        expect((await stateOf(replica, b)).heap).toBe(42n);
    });

    it('the load is recorded in the history as from a metadata upload', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'hist', 1);
        const reader = await statefulCanister(replica, 'read', 2);
        const uploaded = await uploadSnapshot(replica, a, await downloadSnapshot(replica, a, await take(replica, a), OWNER), OWNER);
        await load(replica, a, uploaded);
        const info = await run(
            replica,
            reader,
            prog().call({
                callee: new Uint8Array(0),
                method: 'canister_info',
                arg: (await import('../../../src/replica/management/candid.js')).encodeManagementArgs('canister_info', { canister_id: a, num_requested_changes: [1n] }),
                onReply: prog().blob('msg_arg_data').appendBlob().ic0('msg_reply'),
                onReject: prog().trap('canister_info was rejected')
            })
        );
        const { decodeManagementResult } = await import('../../../src/replica/management/candid.js');
        const last = decodeManagementResult('canister_info', info).recent_changes[0]!.details;
        expect('load_snapshot' in last && last.load_snapshot.source).toEqual({ metadata_upload: null });
    });

    it('only controllers may upload; a stranger is refused before anything is created', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'ctrl', 1);
        await expectReject(uploadMeta(replica, metadata(a), STRANGER), { rejectCode: 5, errorCode: 'IC0512', matches: /Only the controllers of the canister/ });
        expect(await list(replica, a)).toEqual([]);
        const { snapshot_id } = await uploadMeta(replica, metadata(a));
        await expectReject(uploadData(replica, a, snapshot_id, { wasm_module: { offset: 0n } }, new Uint8Array(4), STRANGER), { rejectCode: 5, errorCode: 'IC0512' });
        await expectReject(replica.callManagement('read_canister_snapshot_metadata', { canister_id: a, snapshot_id }, STRANGER), { rejectCode: 5, errorCode: 'IC0512' });
    });

    it('metadata is checked as the IC checks it: page-aligned sizes within the limits, a non-empty module, certified data of at most 32 bytes', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'meta', 1);
        const refused = (args: ManagementArgs<'upload_canister_snapshot_metadata'>, problem: string) =>
            expectReject(uploadMeta(replica, args), { rejectCode: 4, errorCode: 'IC0408', matches: new RegExp(`Snapshot Metadata contains invalid data: ${problem}`) });
        await refused(metadata(a, { wasm: 0n }), 'WasmModuleEmpty');
        await refused(metadata(a, { wasm: 100n * 1024n * 1024n + 1n }), 'WasmModuleTooLarge');
        await refused(metadata(a, { heap: 1000n }), 'WasmMemoryNotPageAligned');
        await refused(metadata(a, { heap: 4n * 1024n * 1024n * 1024n + BigInt(WASM_PAGE_BYTES) }), 'WasmMemoryTooLarge');
        await refused(metadata(a, { stable: 1n }), 'StableMemoryNotPageAligned');
        await refused(metadata(a, {}, { certified_data: new Uint8Array(33) }), 'CertifiedDataTooLarge');
        await refused(metadata(a, {}, { globals: Array.from({ length: 1001 }, () => ({ i32: 0 })) }), 'ExportedGlobalsTooLarge');
        expect(await list(replica, a)).toEqual([]);
        const ok = await uploadMeta(replica, metadata(a, { wasm: 1n, heap: 0n, stable: 0n }, { certified_data: new Uint8Array(32) }));
        expect(await list(replica, a)).toEqual([hex(ok.snapshot_id)]);
    });

    it('memory allocation bounds what an upload may reserve', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'allo', 1);
        await replica.updateCanisterSettings({ canisterId: a, sender: OWNER, memoryAllocation: 64n * 1024n * 1024n });
        await expectReject(uploadMeta(replica, metadata(a, { heap: 64n * 1024n * 1024n })), { rejectCode: 4, errorCode: 'IC0402', matches: /memory allocation/ });
        await uploadMeta(replica, metadata(a, { heap: 1024n * 1024n }));
    });

    it('every data kind is written within the sizes the metadata fixed, and refused past them', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'kind', 1);
        const page = BigInt(WASM_PAGE_BYTES);
        const { snapshot_id } = await uploadMeta(replica, metadata(a, { wasm: 10n, heap: 2n * page, stable: page }));
        const outOfBounds = (offset: bigint, size: number) => ({ rejectCode: 4, errorCode: 'IC0408', message: `Invalid subslice into wasm module / main memory / stable memory: offset: ${offset}, size: ${size}\nUse the snapshot metadata API to learn the size of the wasm module / main memory / stable memory.` });

        await uploadData(replica, a, snapshot_id, { wasm_module: { offset: 6n } }, new Uint8Array([1, 2, 3, 4]));
        await expectReject(uploadData(replica, a, snapshot_id, { wasm_module: { offset: 7n } }, new Uint8Array(4)), outOfBounds(7n, 4));
        await uploadData(replica, a, snapshot_id, { wasm_memory: { offset: 2n * page - 3n } }, new Uint8Array([7, 8, 9]));
        await expectReject(uploadData(replica, a, snapshot_id, { wasm_memory: { offset: 2n * page - 2n } }, new Uint8Array(3)), outOfBounds(2n * page - 2n, 3));
        await uploadData(replica, a, snapshot_id, { stable_memory: { offset: 4094n } }, new Uint8Array([5, 6, 7, 8]));
        await expectReject(uploadData(replica, a, snapshot_id, { stable_memory: { offset: page } }, new Uint8Array(1)), outOfBounds(page, 1));
        await uploadData(replica, a, snapshot_id, { wasm_chunk: null }, new Uint8Array([9]));
        await uploadData(replica, a, snapshot_id, { wasm_chunk: null }, new Uint8Array([9]));
        await expectReject(uploadData(replica, a, snapshot_id, { wasm_chunk: null }, new Uint8Array(MAX_CHUNK_BYTES + 1)), { rejectCode: 5, errorCode: 'IC0504', matches: /Wasm chunk store/ });

        const read = async (kind: ManagementArgs<'read_canister_snapshot_data'>['kind']) => [...(await replica.callManagement('read_canister_snapshot_data', { canister_id: a, snapshot_id, kind }, OWNER)).chunk];
        expect(await read({ wasm_module: { offset: 0n, size: 10n } })).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
        expect(await read({ wasm_memory: { offset: 2n * page - 4n, size: 4n } })).toEqual([0, 7, 8, 9]);
        expect(await read({ stable_memory: { offset: 4093n, size: 6n } })).toEqual([0, 5, 6, 7, 8, 0]);
        expect(await read({ wasm_chunk: { hash: sha256(new Uint8Array([9])) } })).toEqual([9]);
        const meta = await replica.callManagement('read_canister_snapshot_metadata', { canister_id: a, snapshot_id }, OWNER);
        expect(meta.wasm_chunk_store.map((c) => hex(c.hash))).toEqual([hex(sha256(new Uint8Array([9])))]);
    });

    it('slices of 2,000,000 bytes are read and uploaded; a larger read is refused', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'big!', 1);
        const size = 4n * 1024n * 1024n;
        const { snapshot_id } = await uploadMeta(replica, metadata(a, { stable: size }));
        const slice = new Uint8Array(MAX_SNAPSHOT_SLICE_BYTES).fill(0xab);
        await uploadData(replica, a, snapshot_id, { stable_memory: { offset: 1n } }, slice);
        const { chunk } = await replica.callManagement('read_canister_snapshot_data', { canister_id: a, snapshot_id, kind: { stable_memory: { offset: 1n, size: BigInt(MAX_SNAPSHOT_SLICE_BYTES) } } }, OWNER);
        expect(Buffer.compare(chunk, slice)).toBe(0);
        await expectReject(
            replica.callManagement('read_canister_snapshot_data', { canister_id: a, snapshot_id, kind: { stable_memory: { offset: 0n, size: BigInt(MAX_SNAPSHOT_SLICE_BYTES) + 1n } } }, OWNER),
            { rejectCode: 4, errorCode: 'IC0408', message: `Requested slice too large: ${MAX_SNAPSHOT_SLICE_BYTES + 1} > ${MAX_SNAPSHOT_SLICE_BYTES}\nUse a slice size at most ${MAX_SNAPSHOT_SLICE_BYTES}` }
        );
        await expectReject(replica.callManagement('read_canister_snapshot_data', { canister_id: a, snapshot_id, kind: { stable_memory: { offset: size - 1n, size: 2n } } }, OWNER), {
            rejectCode: 4,
            errorCode: 'IC0408',
            matches: /Invalid subslice/
        });
    });

    it('an unfinished upload cannot be loaded: its module is not valid Wasm, and the canister is left as it was', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'live', 5);
        const fromA = await downloadSnapshot(replica, a, await take(replica, a), OWNER);
        const sizes = { wasm: BigInt(fromA.wasm.length), heap: fromA.metadata.wasm_memory_size, stable: fromA.metadata.stable_memory_size };
        const { snapshot_id } = await uploadMeta(replica, metadata(a, sizes, { globals: fromA.metadata.globals }));
        await expectReject(load(replica, a, snapshot_id), { rejectCode: 5, errorCode: 'IC0505', matches: /Wasm module is not valid/ });
        await uploadData(replica, a, snapshot_id, { wasm_module: { offset: 0n } }, fromA.wasm.subarray(0, fromA.wasm.length >> 1));
        await expectReject(load(replica, a, snapshot_id), { rejectCode: 5, errorCode: 'IC0505' });
        expect(await stateOf(replica, a)).toEqual({ heap: 5n, global: 5n, stablePages: 1n, stable: 'live' });
        // Finished, it loads (heap and stable memory never written: all zeros, of the sizes fixed).
        await uploadData(replica, a, snapshot_id, { wasm_module: { offset: BigInt(fromA.wasm.length >> 1) } }, fromA.wasm.subarray(fromA.wasm.length >> 1));
        await load(replica, a, snapshot_id);
        const after = await query(replica, a, prog().op('load64', DATA).appendI64().ic0('stable64_size').appendI64().ic0('msg_reply'));
        expect([u64(after, 0), u64(after, 8)]).toEqual([0n, 1n]);
    });

    it('an upload whose globals do not match its module is refused at load', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'glob', 1);
        const fromA = await downloadSnapshot(replica, a, await take(replica, a), OWNER);
        expect(fromA.metadata.globals.length).toBeGreaterThan(0);
        const wrong = { ...fromA, metadata: { ...fromA.metadata, globals: [...fromA.metadata.globals, { i64: 1n }] } };
        const uploaded = await uploadSnapshot(replica, a, wrong, OWNER);
        await expectReject(load(replica, a, uploaded), { rejectCode: 4, errorCode: 'IC0408', matches: /exported globals of canister module and snapshot metadata do not match/ });
    });

    it('only uploaded snapshots take data: a taken one is immutable (IC0409)', async () => {
        const replica = await newReplica();
        const a = await statefulCanister(replica, 'immu', 1);
        const taken = await take(replica, a);
        await expectReject(uploadData(replica, a, taken, { wasm_memory: { offset: 0n } }, new Uint8Array(1)), {
            rejectCode: 4,
            errorCode: 'IC0409',
            matches: /^Only canister snapshots created by metadata upload can be mutated\./
        });
        await expectReject(uploadData(replica, a, new Uint8Array([1, 2]), { wasm_memory: { offset: 0n } }, new Uint8Array(1)), { rejectCode: 3, errorCode: 'IC0305' });
    });

    it('replace_snapshot replaces an existing snapshot; at the limit an upload without it is refused', async () => {
        const replica = await newReplica({ maxSnapshotsPerCanister: 2 });
        const a = await statefulCanister(replica, 'limt', 1);
        const b = await statefulCanister(replica, 'othr', 2);
        const first = await take(replica, a);
        const second = (await uploadMeta(replica, metadata(a))).snapshot_id;
        await expectReject(uploadMeta(replica, metadata(a)), { rejectCode: 4, errorCode: 'IC0406', matches: /maximum number of snapshots allowed: 2/ });
        const third = (await uploadMeta(replica, metadata(a, {}, { replace_snapshot: [first] }))).snapshot_id;
        expect((await list(replica, a)).sort()).toEqual([hex(second), hex(third)].sort());
        await expectReject(uploadMeta(replica, metadata(a, {}, { replace_snapshot: [first] })), { rejectCode: 3, errorCode: 'IC0305' });
        const ofB = await take(replica, b);
        await expectReject(uploadMeta(replica, metadata(a, {}, { replace_snapshot: [ofB] })), { rejectCode: 4, errorCode: 'IC0406', matches: /does not belong to canister/ });
        expect((await list(replica, a)).sort()).toEqual([hex(second), hex(third)].sort());
    });
});
