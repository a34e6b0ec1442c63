/**
 * An uploaded snapshot in the server's --state-dir: data uploaded before a restart is kept (an
 * uploaded snapshot changes after it is first saved, so each change is saved again), the upload
 * goes on after the restart, and the snapshot loads.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Principal } from '@dfinity/principal';

import { MANAGEMENT_CANISTER_ID } from '../../src/replica/index.js';
import { decodeManagementResult, encodeManagementArgs, ManagementArgs, ManagementMethod, ManagementResult } from '../../src/replica/management/candid.js';
import { openStateDir } from '../../src/server/persistence.js';
import { EMPTY_ARG, KV_WASM_GZ } from './support.js';
import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';

const dir = mkdtempSync(join(tmpdir(), 'upgrader-snapshot-upload-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps an uploaded snapshot, half uploaded, across a restart; the rest follows and it loads', async () => {
    const controller = Principal.fromUint8Array(new Uint8Array([7, 7, 8, 2]));
    let node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
    const call = async <M extends ManagementMethod>(method: M, args: ManagementArgs<M>): Promise<ManagementResult<M>> => {
        const id = randomBytes(32).toString('hex');
        const submitted = node.submit({ sender: controller, canisterId: MANAGEMENT_CANISTER_ID, method, arg: encodeManagementArgs(method, args), messageId: id });
        if ('err' in submitted) throw new Error(submitted.err.message);
        const status = await node.awaitIngress(id, { maxRounds: 20 });
        if (status?.status !== 'replied') throw new Error(`${method}: ${JSON.stringify(status)}`);
        return decodeManagementResult(method, status.reply);
    };
    const put = async (canisterId: Principal, key: string, value: string): Promise<void> => {
        const id = randomBytes(32).toString('hex');
        node.submit({ sender: controller, canisterId, method: 'put', arg: new Uint8Array(IDL.encode([IDL.Text, IDL.Text], [key, value])), messageId: id });
        expect((await node.awaitIngress(id, { maxRounds: 20 }))?.status).toBe('replied');
    };
    const get = (canisterId: Principal, key: string): unknown =>
        IDL.decode([IDL.Opt(IDL.Text)], (node.subnet.query({ sender: controller, canisterId, method: 'get', arg: new Uint8Array(IDL.encode([IDL.Text], [key])) }) as { payload: Uint8Array }).payload)[0];
    const create = async () =>
        (await call('provisional_create_canister_with_cycles', { amount: [10n ** 15n], settings: [{ controllers: [[controller]], compute_allocation: [], memory_allocation: [], freezing_threshold: [], reserved_cycles_limit: [], log_visibility: [], wasm_memory_limit: [], wasm_memory_threshold: [], environment_variables: [] }], specified_id: [], sender_canister_version: [] })).canister_id;

    const source = await create();
    await call('install_code', { mode: { install: null }, canister_id: source, wasm_module: new Uint8Array(readFileSync(KV_WASM_GZ)), arg: EMPTY_ARG, sender_canister_version: [] });
    await put(source, 'k', 'copied');
    const { id } = await call('take_canister_snapshot', { canister_id: source, replace_snapshot: [] });
    const meta = await call('read_canister_snapshot_metadata', { canister_id: source, snapshot_id: id });
    const read = async (kind: 'wasm_module' | 'wasm_memory' | 'stable_memory', total: bigint) => {
        const out = new Uint8Array(Number(total));
        for (let at = 0n; at < total; at += 2_000_000n) {
            const size = total - at < 2_000_000n ? total - at : 2_000_000n;
            out.set((await call('read_canister_snapshot_data', { canister_id: source, snapshot_id: id, kind: { [kind]: { offset: at, size } } as { wasm_module: { offset: bigint; size: bigint } } })).chunk, Number(at));
        }
        return out;
    };
    const parts = { wasm_module: await read('wasm_module', meta.wasm_module_size), wasm_memory: await read('wasm_memory', meta.wasm_memory_size), stable_memory: await read('stable_memory', meta.stable_memory_size) };

    const target = await create();
    const { snapshot_id } = await call('upload_canister_snapshot_metadata', {
        canister_id: target,
        replace_snapshot: [],
        wasm_module_size: meta.wasm_module_size,
        globals: meta.globals,
        wasm_memory_size: meta.wasm_memory_size,
        stable_memory_size: meta.stable_memory_size,
        certified_data: meta.certified_data,
        global_timer: meta.global_timer,
        on_low_wasm_memory_hook_status: meta.on_low_wasm_memory_hook_status
    });
    const upload = async (kind: keyof typeof parts) => {
        const bytes = parts[kind];
        for (let at = 0; at < bytes.length; at += 2_000_000) {
            await call('upload_canister_snapshot_data', { canister_id: target, snapshot_id, kind: { [kind]: { offset: BigInt(at) } } as { wasm_module: { offset: bigint } }, chunk: bytes.subarray(at, at + 2_000_000) });
        }
    };
    await upload('wasm_module');
    await upload('wasm_memory');
    await node.close();

    node = await openStateDir(dir, { verifySignatures: true, live: false, log: () => undefined });
    const kept = await call('read_canister_snapshot_data', { canister_id: target, snapshot_id, kind: { wasm_module: { offset: 0n, size: meta.wasm_module_size } } });
    expect(Buffer.compare(kept.chunk, parts.wasm_module)).toBe(0);
    await upload('stable_memory');
    await call('load_canister_snapshot', { canister_id: target, snapshot_id, sender_canister_version: [] });
    expect(get(target, 'k')).toEqual(['copied']);
    await node.close();
});
