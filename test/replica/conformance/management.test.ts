/**
 * The management canister (interface spec §3): authorization, install modes, status and
 * (Over 400 lines on purpose: one spec section, its cases in the order of the section.)
 * history, the chunk store, snapshots, settings, raw_rand and module validation.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Replica } from '../../../src/replica/index.js';
import { decodeManagementResult, encodeManagementArgs, ManagementArgs, ManagementMethod, ManagementResult } from '../../../src/replica/management/candid.js';
import { OWNER, Principal, STRANGER, expectReject, forwardedReject, newReplica, query, run, statusOf, systemState, text, u64, universal, versionOf } from './support/harness.js';
import { DATA, SCRATCH, Slot, prog, universalWasm } from './support/universal.js';
import { wat } from './support/wat.js';
import {
    DEFAULT_FREEZING_THRESHOLD_SECONDS,
    DEFAULT_RESERVED_CYCLES_LIMIT,
    MAX_CHUNK_BYTES,
    MAX_CHUNKS_IN_STORE,
    MAX_CONTROLLERS,
    WASM_PAGE_BYTES
} from '../../../src/replica/constants.js';

const PAGE = BigInt(WASM_PAGE_BYTES);

const EMPTY = new Uint8Array(0);
const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A universal canister calls the management canister: the raw reply, or `{ code, message }` of the reject. */
async function callFrom(replica: Replica, caller: Principal, method: ManagementMethod, arg: Uint8Array): Promise<{ reply: Uint8Array } | { code: number; message: string }> {
    const ok = prog().ic0('msg_reply_data_append', 'R').blob('msg_arg_data').appendBlob().ic0('msg_reply');
    const no = prog().ic0('msg_reply_data_append', 'J').ic0('msg_reject_code').appendI64().blob('msg_reject_msg').appendBlob().ic0('msg_reply');
    const r = await run(replica, caller, prog().call({ callee: EMPTY, method, arg, onReply: ok, onReject: no }));
    if (r[0] === 0x52) return { reply: r.slice(1) };
    return forwardedReject(r.slice(1));
}

async function managementFrom<M extends ManagementMethod>(replica: Replica, caller: Principal, method: M, args: ManagementArgs<M>): Promise<ManagementResult<M>> {
    const r = await callFrom(replica, caller, method, encodeManagementArgs(method, args));
    if (!('reply' in r)) throw new Error(`${method} was rejected (${r.code}): ${r.message}`);
    return decodeManagementResult(method, r.reply);
}

async function stateOf(replica: Replica, id: Principal) {
    const r = await query(replica, id, prog().op('load64', DATA).appendI64().op('global_get').appendI64().ic0('stable64_size').appendI64().ic0('msg_reply'));
    const stablePages = u64(r, 16);
    const stable = stablePages === 0n ? '' : text(await query(replica, id, prog().ic0('stable64_read', SCRATCH, 0, 4).ic0('msg_reply_data_append', SCRATCH, 4).ic0('msg_reply')));
    return { heap: u64(r, 0), global: u64(r, 8), stablePages, stable };
}

/** Writes heap, a global and stable memory. */
const writeState = (tag: string, n: number) => prog().op('store64', DATA, n).op('global_set', n).ic0('stable64_size').op('eq', 0).op('assert').ic0('stable64_grow', 1).op('drop').ic0('stable64_write', 0, tag);
const overwriteState = (tag: string, n: number) => prog().op('store64', DATA, n).op('global_set', n).ic0('stable64_write', 0, tag);

describe('authorization (spec §3.1)', () => {
    let replica: Replica;
    let target: Principal;
    let other: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        target = await universal(replica);
        other = await universal(replica);
    });

    const refusal = (sender: Principal) => `Only the controllers of the canister ${target.toText()} can control it.\nCanister's controllers: ${OWNER.toText()}\nSender's ID: ${sender.toText()}`;

    const calls: Array<[string, () => Promise<unknown>]> = [
        ['install_code', async () => replica.reinstallCode({ canisterId: target, wasm: await universalWasm(), arg: EMPTY, sender: STRANGER })],
        ['uninstall_code', () => replica.callManagement('uninstall_code', { canister_id: target, sender_canister_version: [] }, STRANGER)],
        ['stop_canister', () => replica.stopCanister({ canisterId: target, sender: STRANGER })],
        ['start_canister', () => replica.startCanister({ canisterId: target, sender: STRANGER })],
        ['delete_canister', () => replica.callManagement('delete_canister', { canister_id: target }, STRANGER)],
        ['update_settings', () => replica.updateCanisterSettings({ canisterId: target, sender: STRANGER, freezingThreshold: 1n })],
        ['canister_status', () => replica.canisterStatus({ canisterId: target, sender: STRANGER })],
        ['upload_chunk', () => replica.callManagement('upload_chunk', { canister_id: target, chunk: new Uint8Array([1]) }, STRANGER)],
        ['stored_chunks', () => replica.callManagement('stored_chunks', { canister_id: target }, STRANGER)],
        ['clear_chunk_store', () => replica.callManagement('clear_chunk_store', { canister_id: target }, STRANGER)],
        ['take_canister_snapshot', () => replica.callManagement('take_canister_snapshot', { canister_id: target, replace_snapshot: [] }, STRANGER)],
        ['list_canister_snapshots', () => replica.callManagement('list_canister_snapshots', { canister_id: target }, STRANGER)]
    ];

    it.each(calls)('%s by a user who is not a controller fails with IC0512 and the IC text', async (_method, call) => {
        await expectReject(call(), { rejectCode: 5, errorCode: 'IC0512', message: refusal(STRANGER) });
    });

    it('the same check applies to canisters calling the management canister', async () => {
        const r = await callFrom(replica, other, 'stop_canister', encodeManagementArgs('stop_canister', { canister_id: target }));
        expect(r).toEqual({ code: 5, message: refusal(other) });
        expect(await statusOf(replica, target)).toBe('running');
    });

    it('a canister may read its own status and use its own chunk store without being its controller', async () => {
        const status = await managementFrom(replica, target, 'canister_status', { canister_id: target });
        expect(status.status).toEqual({ running: null });
        const { hash } = await managementFrom(replica, target, 'upload_chunk', { canister_id: target, chunk: new Uint8Array([1, 2, 3]) });
        expect(hex(hash)).toBe(hex(sha256(new Uint8Array([1, 2, 3]))));
        await expectReject(replica.callManagement('stored_chunks', { canister_id: target }, STRANGER), { rejectCode: 5, errorCode: 'IC0512' });
    });

    it('a controlling canister may manage the canisters it controls', async () => {
        const controlled = await replica.createCanister({ sender: OWNER, controllers: [OWNER, other] });
        await managementFrom(replica, other, 'install_code', { mode: { install: null }, canister_id: controlled, wasm_module: await universalWasm(), arg: EMPTY, sender_canister_version: [] });
        expect(text(await run(replica, controlled, prog().reply('installed by a canister')))).toBe('installed by a canister');
    });

    it('management calls about a canister that does not exist fail with IC0301', async () => {
        const missing = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
        await expectReject(replica.canisterStatus({ canisterId: missing, sender: OWNER }), { rejectCode: 3, errorCode: 'IC0301' });
    });
});

describe('install_code modes (spec §2.1, §3.3)', () => {
    let replica: Replica;
    beforeEach(async () => {
        replica = await newReplica();
    });

    it('install on a canister that is not empty fails with IC0514', async () => {
        const id = await universal(replica);
        await expectReject(replica.installCode({ canisterId: id, wasm: await universalWasm(), arg: EMPTY, sender: OWNER }), {
            rejectCode: 5,
            errorCode: 'IC0514',
            message: `Canister ${id.toText()} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.`
        });
    });

    it('a trap in canister_init fails the install and leaves the canister empty', async () => {
        const id = await replica.createCanister({ sender: OWNER });
        await expectReject(replica.installCode({ canisterId: id, wasm: await universalWasm(), arg: prog().trap('init failed').build(), sender: OWNER }), { rejectCode: 5, errorCode: 'IC0503', matches: /'init failed'/ });
        expect((await replica.canisterStatus({ canisterId: id, sender: OWNER })).moduleHash).toBeNull();
        await expectReject(run(replica, id, prog().reply()), { rejectCode: 5, errorCode: 'IC0537' });
    });

    it('reinstall wipes heap, stable memory and certified data; keeps controllers and cycles', async () => {
        const id = await universal(replica, writeState('old!', 5).ic0('certified_data_set', 'cert'));
        await replica.updateCanisterSettings({ canisterId: id, sender: OWNER, controllers: [OWNER, STRANGER] });
        const cycles = await replica.getCyclesBalance(id);
        await replica.reinstallCode({ canisterId: id, wasm: await universalWasm(), arg: EMPTY, sender: OWNER });
        expect(await stateOf(replica, id)).toEqual({ heap: 0n, global: 0n, stablePages: 0n, stable: '' });
        expect(text((await systemState(replica, id)).certifiedData)).toBe('');
        expect((await replica.getControllers(id)).map((p) => p.toText()).sort()).toEqual([OWNER.toText(), STRANGER.toText()].sort());
        expect(await replica.getCyclesBalance(id)).toBeLessThanOrEqual(cycles);
        expect(await replica.getCyclesBalance(id)).toBeGreaterThan(cycles - 1_000_000_000_000n);
    });

    it('upgrade keeps stable memory and certified data, drops the heap and globals, resets the timer', async () => {
        const id = await universal(replica, writeState('keep', 5).ic0('certified_data_set', 'cert').ic0('global_timer_set', 1n << 62n).op('drop'));
        expect((await systemState(replica, id)).globalTimer).toBe(1n << 62n);
        await replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: EMPTY, sender: OWNER });
        expect(await stateOf(replica, id)).toEqual({ heap: 0n, global: 0n, stablePages: 1n, stable: 'keep' });
        const system = await systemState(replica, id);
        expect(text(system.certifiedData)).toBe('cert');
        expect(system.globalTimer).toBe(0n);
    });

    it('post_upgrade sees what pre_upgrade wrote to stable memory, and receives the upgrade argument', async () => {
        const id = await universal(replica, writeState('v1..', 5).setSlot(Slot.preUpgrade, prog().ic0('stable64_write', 0, 'pre!')));
        const post = prog().ic0('stable64_read', DATA, 0, 4).ic0('stable64_write', 0, 'post');
        await replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: post.build(), sender: OWNER });
        const r = await query(replica, id, prog().op('load64', DATA).appendI64().ic0('stable64_read', SCRATCH, 0, 4).ic0('msg_reply_data_append', SCRATCH, 4).ic0('msg_reply'));
        expect(text(r.subarray(0, 4))).toBe('pre!');
        expect(text(r.subarray(8))).toBe('post');
    });

    it('a trapping pre_upgrade fails the upgrade; the old module keeps running with its state; skip_pre_upgrade skips it', async () => {
        const id = await universal(replica, writeState('v1..', 7).setSlot(Slot.preUpgrade, prog().ic0('stable64_write', 0, 'lost').trap('pre_upgrade refuses')));
        const moduleHash = async () => hex((await replica.canisterStatus({ canisterId: id, sender: OWNER })).moduleHash!);
        const hash = await moduleHash();
        const version = await versionOf(replica, id);
        await expectReject(replica.upgradeCanister({ canisterId: id, wasm: gzipSync(await universalWasm()), arg: EMPTY, sender: OWNER }), { rejectCode: 5, errorCode: 'IC0503', matches: /'pre_upgrade refuses'/ });
        expect(await stateOf(replica, id)).toEqual({ heap: 7n, global: 7n, stablePages: 1n, stable: 'v1..' });
        expect(await moduleHash()).toBe(hash);
        expect(await versionOf(replica, id)).toBe(version);
        await replica.upgradeCanister({ canisterId: id, wasm: gzipSync(await universalWasm()), arg: EMPTY, sender: OWNER, upgradeModeOptions: { skip_pre_upgrade: [true], wasm_memory_persistence: [] } });
        expect(await stateOf(replica, id)).toEqual({ heap: 0n, global: 0n, stablePages: 1n, stable: 'v1..' });
    });

    it('a trapping post_upgrade fails the upgrade and undoes what pre_upgrade did; the old module keeps running', async () => {
        const id = await universal(replica, writeState('v1..', 9).setSlot(Slot.preUpgrade, prog().ic0('stable64_write', 0, 'pre!').ic0('stable64_grow', 2).op('drop')));
        await expectReject(replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: prog().trap('post_upgrade refuses').build(), sender: OWNER }), {
            rejectCode: 5,
            errorCode: 'IC0503',
            matches: /'post_upgrade refuses'/
        });
        expect(await stateOf(replica, id)).toEqual({ heap: 9n, global: 9n, stablePages: 1n, stable: 'v1..' });
        expect(text(await run(replica, id, prog().reply('still the old module')))).toBe('still the old module');
    });

    it('upgrading an empty canister fails', async () => {
        const id = await replica.createCanister({ sender: OWNER });
        await expectReject(replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: EMPTY, sender: OWNER }), { rejectCode: 5 });
    });

    it('uninstall_code empties the canister: no module, no memories, no chunks; controllers and history stay', async () => {
        const id = await universal(replica, writeState('gone', 3));
        await replica.callManagement('upload_chunk', { canister_id: id, chunk: new Uint8Array([9]) }, OWNER);
        await replica.callManagement('uninstall_code', { canister_id: id, sender_canister_version: [] }, OWNER);
        const status = await replica.canisterStatus({ canisterId: id, sender: OWNER });
        expect(status.moduleHash).toBeNull();
        expect(status.settings.controllers.map((p) => p.toText())).toEqual([OWNER.toText()]);
        expect(await replica.callManagement('stored_chunks', { canister_id: id }, OWNER)).toEqual([]);
        await expectReject(run(replica, id, prog().reply()), { rejectCode: 5, errorCode: 'IC0537' });
        await replica.installCode({ canisterId: id, wasm: await universalWasm(), arg: EMPTY, sender: OWNER });
        expect(await stateOf(replica, id)).toEqual({ heap: 0n, global: 0n, stablePages: 0n, stable: '' });
    });

    it('each successful install, reinstall and upgrade bumps the version once; a failed one does not', async () => {
        const id = await universal(replica);
        const v0 = await versionOf(replica, id);
        await replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: EMPTY, sender: OWNER });
        expect(await versionOf(replica, id)).toBe(v0 + 1n);
        await replica.reinstallCode({ canisterId: id, wasm: await universalWasm(), arg: EMPTY, sender: OWNER });
        expect(await versionOf(replica, id)).toBe(v0 + 2n);
        await expectReject(replica.upgradeCanister({ canisterId: id, wasm: await universalWasm(), arg: prog().trap('x').build(), sender: OWNER }), { rejectCode: 5 });
        expect(await versionOf(replica, id)).toBe(v0 + 2n);
    });
});

describe('module validation (spec §1.1)', () => {
    let replica: Replica;
    let id: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        id = await replica.createCanister({ sender: OWNER });
    });

    const invalid: Array<[string, () => Promise<Uint8Array>, RegExp]> = [
        ['bytes that are not Wasm', async () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), /neither a Wasm binary/],
        ['a corrupt gzip stream', async () => new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), /could not be decompressed/],
        ['an import that is not in ic0', () => wat('(module (import "ic0" "no_such_function" (func)))'), /no_such_function/],
        ['an ic0 import with the wrong signature', () => wat('(module (import "ic0" "msg_reply" (func (param i32))))'), /msg_reply/],
        ['an import from another module', () => wat('(module (import "env" "f" (func)))'), /invalid import section/],
        ['an unknown canister_ export', () => wat('(module (func (export "canister_bogus")))'), /canister_bogus/],
        ['a method exported as update and query', () => wat('(module (func (export "canister_update m")) (func (export "canister_query m")))'), /Duplicate function 'm'/],
        ['an entry point with parameters', () => wat('(module (func (export "canister_update m") (param i32)))'), /must have type \(\) -> \(\)/],
        // Written by hand: wabt will not produce a module with two memories.
        ['two memories', async () => new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01]), /memor/]
    ];

    it.each(invalid)('%s is rejected with IC0505', async (_what, module, reason) => {
        const e = await expectReject(replica.installCode({ canisterId: id, wasm: await module(), arg: EMPTY, sender: OWNER }), { rejectCode: 5, errorCode: 'IC0505' });
        expect(e.rejectMessage.startsWith(`Error from Canister ${id.toText()}: Canister's Wasm module is not valid: `)).toBe(true);
        expect(e.rejectMessage).toMatch(reason);
        expect((await replica.canisterStatus({ canisterId: id, sender: OWNER })).moduleHash).toBeNull();
    });

    it('a gzipped module is accepted, and module_hash is the SHA-256 of the compressed bytes', async () => {
        const canisterId = await replica.createCanister({ sender: OWNER });
        const gz = gzipSync(await universalWasm());
        expect([...gz.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
        await replica.installCode({ canisterId, wasm: gz, arg: EMPTY, sender: OWNER });
        expect(text(await run(replica, canisterId, prog().reply('from gzip')))).toBe('from gzip');
        expect(hex((await replica.canisterStatus({ canisterId, sender: OWNER })).moduleHash!)).toBe(hex(sha256(gz)));
    });
});

describe('canister_status and canister_info (spec §3.3)', () => {
    it('canister_status reports status, version, settings, module hash, memory and cycles', async () => {
        const replica = await newReplica();
        const empty = await replica.createCanister({ sender: OWNER, cycles: 5_000_000_000_000n });
        const before = await replica.callManagement('canister_status', { canister_id: empty }, OWNER);
        expect(before.status).toEqual({ running: null });
        expect(before.module_hash).toEqual([]);
        expect(before.version).toBe(0n);
        expect(before.settings.controllers.map((p) => p.toText())).toEqual([OWNER.toText()]);
        expect(before.settings.freezing_threshold).toBe(DEFAULT_FREEZING_THRESHOLD_SECONDS);
        expect(before.settings.compute_allocation).toBe(0n);
        expect(before.settings.memory_allocation).toBe(0n);
        expect(before.settings.reserved_cycles_limit).toBe(DEFAULT_RESERVED_CYCLES_LIMIT);
        expect(before.settings.log_visibility).toEqual({ controllers: null });
        expect(before.settings.wasm_memory_threshold).toBe(0n);
        expect(before.settings.environment_variables).toEqual([]);
        expect(before.cycles).toBeLessThanOrEqual(5_000_000_000_000n);

        const wasm = await universalWasm();
        await replica.installCode({ canisterId: empty, wasm, arg: writeState('abcd', 1).build(), sender: OWNER });
        const after = await replica.callManagement('canister_status', { canister_id: empty }, OWNER);
        expect(hex(after.module_hash[0]!)).toBe(hex(sha256(wasm)));
        expect(after.version).toBe(1n);
        expect(after.memory_metrics.stable_memory_size).toBe(PAGE);
        expect(after.memory_metrics.wasm_memory_size).toBe(16n * PAGE);
        expect(after.memory_size).toBeGreaterThanOrEqual(after.memory_metrics.wasm_memory_size + after.memory_metrics.stable_memory_size);
        expect(after.idle_cycles_burned_per_day).toBeGreaterThan(0n);
        expect(after.cycles).toBeLessThan(before.cycles);
        await replica.stopCanister({ canisterId: empty, sender: OWNER });
        expect((await replica.callManagement('canister_status', { canister_id: empty }, OWNER)).status).toEqual({ stopped: null });
    });

    it('canister_info returns the history: creation, code deployments with mode and hash, controller changes, uninstall', async () => {
        const replica = await newReplica();
        const reader = await universal(replica);
        const target = await replica.createCanister({ sender: OWNER });
        const v1 = await universalWasm();
        const v2 = gzipSync(v1);
        await replica.installCode({ canisterId: target, wasm: v1, arg: EMPTY, sender: OWNER });
        await replica.updateCanisterSettings({ canisterId: target, sender: OWNER, controllers: [OWNER, reader] });
        await replica.updateCanisterSettings({ canisterId: target, sender: OWNER, freezingThreshold: 100n });
        await replica.upgradeCanister({ canisterId: target, wasm: v2, arg: EMPTY, sender: OWNER });
        await replica.reinstallCode({ canisterId: target, wasm: v1, arg: EMPTY, sender: OWNER });
        await managementFrom(replica, reader, 'uninstall_code', { canister_id: target, sender_canister_version: [] });

        const info = await managementFrom(replica, reader, 'canister_info', { canister_id: target, num_requested_changes: [10n] });
        expect(info.total_num_changes).toBe(6n);
        expect(info.module_hash).toEqual([]);
        expect(info.controllers.map((p) => p.toText()).sort()).toEqual([OWNER.toText(), reader.toText()].sort());
        const details = info.recent_changes.map((c) => c.details);
        expect(details[0]).toEqual({ creation: { controllers: [OWNER], environment_variables_hash: [] } });
        expect(details[1]).toEqual({ code_deployment: { mode: { install: null }, module_hash: sha256(v1) } });
        expect(details[2]).toEqual({ controllers_change: { controllers: [OWNER, reader] } });
        expect(details[3]).toEqual({ code_deployment: { mode: { upgrade: null }, module_hash: sha256(v2) } });
        expect(details[4]).toEqual({ code_deployment: { mode: { reinstall: null }, module_hash: sha256(v1) } });
        expect(details[5]).toEqual({ code_uninstall: null });
        const origins = info.recent_changes.map((c) => c.origin);
        expect(origins[0]).toEqual({ from_user: { user_id: OWNER } });
        expect('from_canister' in origins[5]! && origins[5].from_canister.canister_id.toText()).toBe(reader.toText());
        const versions = info.recent_changes.map((c) => c.canister_version);
        expect(versions[0]).toBe(0n);
        for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);

        const lastTwo = await managementFrom(replica, reader, 'canister_info', { canister_id: target, num_requested_changes: [2n] });
        expect(lastTwo.recent_changes.map((c) => c.details)).toEqual(details.slice(4));
        const none = await managementFrom(replica, reader, 'canister_info', { canister_id: target, num_requested_changes: [] });
        expect(none.recent_changes).toEqual([]);
        expect(none.total_num_changes).toBe(6n);
    });

    it('canister_info and raw_rand are for canisters only', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        await expectReject(replica.callManagement('canister_info', { canister_id: id, num_requested_changes: [] }, OWNER), { rejectCode: 4 });
        await expectReject(replica.callManagement('raw_rand', undefined, OWNER), { rejectCode: 4 });
    });

    it('raw_rand gives a canister 32 fresh random bytes', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const first = await managementFrom(replica, id, 'raw_rand', undefined);
        const second = await managementFrom(replica, id, 'raw_rand', undefined);
        expect(first.length).toBe(32);
        expect(second.length).toBe(32);
        expect(hex(first)).not.toBe(hex(second));
    });
});

describe('update_settings (spec §3.3)', () => {
    it('changes only the given fields, bumps the version and records controller changes', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const v0 = await versionOf(replica, id);
        await replica.updateCanisterSettings({ canisterId: id, sender: OWNER, freezingThreshold: 1234n });
        let status = await replica.canisterStatus({ canisterId: id, sender: OWNER });
        expect(status.settings.freezingThreshold).toBe(1234n);
        expect(status.settings.controllers.map((p) => p.toText())).toEqual([OWNER.toText()]);
        expect(await versionOf(replica, id)).toBe(v0 + 1n);

        await replica.updateCanisterSettings({ canisterId: id, sender: OWNER, controllers: [STRANGER] });
        status = await replica.canisterStatus({ canisterId: id, sender: STRANGER });
        expect(status.settings.controllers.map((p) => p.toText())).toEqual([STRANGER.toText()]);
        expect(status.settings.freezingThreshold).toBe(1234n);
        await expectReject(replica.canisterStatus({ canisterId: id, sender: OWNER }), { rejectCode: 5, errorCode: 'IC0512' });
        expect(u64(await run(replica, id, prog().ic0('is_controller', STRANGER.toUint8Array()).replyI64()))).toBe(1n);
        expect(u64(await run(replica, id, prog().ic0('is_controller', OWNER.toUint8Array()).replyI64()))).toBe(0n);
    });

    it(`refuses more than ${MAX_CONTROLLERS} controllers`, async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const many = Array.from({ length: MAX_CONTROLLERS + 1 }, (_, i) => Principal.fromUint8Array(new Uint8Array([i + 1, 0x01])));
        await expectReject(replica.updateCanisterSettings({ canisterId: id, sender: OWNER, controllers: many }), { rejectCode: 5 });
        expect((await replica.getControllers(id)).map((p) => p.toText())).toEqual([OWNER.toText()]);
    });
});

describe('chunk store (spec §3.3)', () => {
    let replica: Replica;
    let id: Principal;
    beforeEach(async () => {
        replica = await newReplica();
        id = await replica.createCanister({ sender: OWNER });
    });

    const upload = (chunk: Uint8Array) => replica.callManagement('upload_chunk', { canister_id: id, chunk }, OWNER);
    const stored = () => replica.callManagement('stored_chunks', { canister_id: id }, OWNER).then((l) => l.map((c) => hex(c.hash)).sort());

    it('upload_chunk returns the SHA-256 of the chunk; uploading it again changes nothing; clear empties the store', async () => {
        const chunk = new Uint8Array([1, 2, 3, 4]);
        expect(hex((await upload(chunk)).hash)).toBe(hex(sha256(chunk)));
        expect(hex((await upload(chunk)).hash)).toBe(hex(sha256(chunk)));
        await upload(new Uint8Array([5]));
        expect(await stored()).toEqual([hex(sha256(chunk)), hex(sha256(new Uint8Array([5])))].sort());
        await replica.callManagement('clear_chunk_store', { canister_id: id }, OWNER);
        expect(await stored()).toEqual([]);
    });

    it('a chunk larger than 1 MiB is refused; exactly 1 MiB is fine', async () => {
        await upload(new Uint8Array(MAX_CHUNK_BYTES));
        await expectReject(upload(new Uint8Array(MAX_CHUNK_BYTES + 1)), { rejectCode: 5 });
        expect((await stored()).length).toBe(1);
    });

    it(`the store holds at most ${MAX_CHUNKS_IN_STORE} chunks`, async () => {
        for (let i = 0; i < MAX_CHUNKS_IN_STORE; i++) await upload(new Uint8Array([i, i >> 8, 7]));
        await expectReject(upload(new Uint8Array([1, 1, 1, 1])), { rejectCode: 5 });
        expect((await stored()).length).toBe(MAX_CHUNKS_IN_STORE);
        // A chunk already stored can still be "uploaded".
        await upload(new Uint8Array([0, 0, 7]));
    });

    it('install_chunked_code installs the concatenation (gzip allowed); module_hash is its SHA-256', async () => {
        const module = gzipSync(await universalWasm());
        const half = Math.floor(module.length / 2);
        const chunks = [module.subarray(0, half), module.subarray(half)];
        const hashes = [];
        for (const chunk of chunks) hashes.push(await upload(chunk));
        await replica.callManagement(
            'install_chunked_code',
            { mode: { install: null }, target_canister: id, store_canister: [], chunk_hashes_list: hashes, wasm_module_hash: sha256(module), arg: EMPTY, sender_canister_version: [] },
            OWNER
        );
        expect(text(await run(replica, id, prog().reply('chunked')))).toBe('chunked');
        expect(hex((await replica.canisterStatus({ canisterId: id, sender: OWNER })).moduleHash!)).toBe(hex(sha256(module)));
        // install does not clear the chunk store.
        expect((await stored()).length).toBe(2);
    });

    it('install_chunked_code with a wrong module hash, or a chunk that is not stored, fails and installs nothing', async () => {
        const module = await universalWasm();
        const { hash } = await upload(module);
        const install = (list: Array<{ hash: Uint8Array }>, moduleHash: Uint8Array) =>
            replica.callManagement('install_chunked_code', { mode: { install: null }, target_canister: id, store_canister: [], chunk_hashes_list: list, wasm_module_hash: moduleHash, arg: EMPTY, sender_canister_version: [] }, OWNER);
        await expectReject(install([{ hash }], sha256(new Uint8Array([0]))), { rejectCode: 5 });
        await expectReject(install([{ hash: sha256(new Uint8Array([42])) }], sha256(module)), { rejectCode: 5, matches: /chunk store/ });
        expect((await replica.canisterStatus({ canisterId: id, sender: OWNER })).moduleHash).toBeNull();
        await install([{ hash }], sha256(module));
    });
});

describe('snapshots (spec §3.3)', () => {
    const take = (replica: Replica, id: Principal, replace?: Uint8Array) => replica.callManagement('take_canister_snapshot', { canister_id: id, replace_snapshot: replace === undefined ? [] : [replace] }, OWNER);
    const list = (replica: Replica, id: Principal) => replica.callManagement('list_canister_snapshots', { canister_id: id }, OWNER);
    const load = (replica: Replica, id: Principal, snapshot: Uint8Array) => replica.callManagement('load_canister_snapshot', { canister_id: id, snapshot_id: snapshot, sender_canister_version: [] }, OWNER);
    const remove = (replica: Replica, id: Principal, snapshot: Uint8Array) => replica.callManagement('delete_canister_snapshot', { canister_id: id, snapshot_id: snapshot }, OWNER);

    it('take, list, load (restores heap, globals, stable memory and certified data) and delete', async () => {
        const replica = await newReplica({ time: 1_800_000_000_000_000_000n });
        const id = await universal(replica, writeState('snap', 1).ic0('certified_data_set', 'one'));
        const versionBefore = await versionOf(replica, id);
        const snapshot = await take(replica, id);
        expect(await versionOf(replica, id)).toBe(versionBefore);
        expect(snapshot.taken_at_timestamp).toBe(BigInt(await replica.getTime()) * 1_000_000n);
        expect(snapshot.total_size).toBeGreaterThan(PAGE);
        expect((await list(replica, id)).map((s) => hex(s.id))).toEqual([hex(snapshot.id)]);

        await run(replica, id, overwriteState('live', 2).ic0('stable64_grow', 3).op('drop').ic0('certified_data_set', 'two').reply());
        expect(await stateOf(replica, id)).toEqual({ heap: 2n, global: 2n, stablePages: 4n, stable: 'live' });
        const version = await versionOf(replica, id);
        await replica.stopCanister({ canisterId: id, sender: OWNER });
        await load(replica, id, snapshot.id);
        await replica.startCanister({ canisterId: id, sender: OWNER });
        expect(await stateOf(replica, id)).toEqual({ heap: 1n, global: 1n, stablePages: 1n, stable: 'snap' });
        expect(text((await systemState(replica, id)).certifiedData)).toBe('one');
        expect(await versionOf(replica, id)).toBeGreaterThan(version);

        await remove(replica, id, snapshot.id);
        expect(await list(replica, id)).toEqual([]);
        await expectReject(load(replica, id, snapshot.id), { rejectCode: 3, errorCode: 'IC0305' });
        await expectReject(remove(replica, id, snapshot.id), { rejectCode: 3, errorCode: 'IC0305' });
    });

    it('load_canister_snapshot is recorded in the canister history', async () => {
        const replica = await newReplica();
        const reader = await universal(replica);
        const id = await universal(replica);
        const snapshot = await take(replica, id);
        await load(replica, id, snapshot.id);
        const info = await managementFrom(replica, reader, 'canister_info', { canister_id: id, num_requested_changes: [1n] });
        const last = info.recent_changes[0]!.details;
        expect('load_snapshot' in last && hex(last.load_snapshot.snapshot_id)).toBe(hex(snapshot.id));
    });

    it('taking a snapshot of an empty canister fails', async () => {
        const replica = await newReplica();
        const id = await replica.createCanister({ sender: OWNER });
        await expectReject(take(replica, id), { rejectCode: 4, errorCode: 'IC0406', matches: /Failed to create snapshot for empty canister/ });
    });

    it('at the snapshot limit, take fails unless replace_snapshot names one to replace', async () => {
        const replica = await newReplica({ maxSnapshotsPerCanister: 2 });
        const id = await universal(replica);
        const first = await take(replica, id);
        const second = await take(replica, id);
        await expectReject(take(replica, id), { rejectCode: 4, errorCode: 'IC0406' });
        const third = await take(replica, id, first.id);
        expect((await list(replica, id)).map((s) => hex(s.id)).sort()).toEqual([hex(second.id), hex(third.id)].sort());
        await expectReject(take(replica, id, first.id), { rejectCode: 3, errorCode: 'IC0305' });
    });

    it('a snapshot id that does not exist gives IC0305; one of another canister is refused', async () => {
        const replica = await newReplica();
        const a = await universal(replica);
        const b = await universal(replica);
        const ofA = await take(replica, a);
        await expectReject(load(replica, a, new Uint8Array([1, 2, 3])), { rejectCode: 3, errorCode: 'IC0305' });
        await expectReject(load(replica, b, ofA.id), { rejectCode: 4, errorCode: 'IC0406', matches: /does not belong to canister/ });
        await expectReject(remove(replica, b, ofA.id), { rejectCode: 4, errorCode: 'IC0406' });
    });
});

