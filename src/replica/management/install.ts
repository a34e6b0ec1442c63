import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';
import { canisterError, reject, Reject, Rejects } from '../reject.js';
import { Canister } from '../state/canister.js';
import { InvalidWasmModuleError, prepareModule, PreparedModule } from '../wasm/index.js';
import { toHex } from '../../encoding/hex.js';
import { bytesEqual } from '../principal.js';
import { changeOrigin, controlled, err, Handler, isReject, ManagementCall, ok } from './call.js';
import { CanisterInstallMode } from './candid.js';
import { deploy, DeployMode } from './deploy.js';
import { recordChange } from './history.js';
import { IC0_SIGNATURES } from '../engine/ic0/index.js';

function deployMode(mode: CanisterInstallMode): DeployMode {
    if ('install' in mode) return { kind: 'install' };
    if ('reinstall' in mode) return { kind: 'reinstall' };
    const options = mode.upgrade[0];
    const persistence = options?.wasm_memory_persistence[0];
    return {
        kind: 'upgrade',
        skipPreUpgrade: options?.skip_pre_upgrade[0] ?? false,
        wasmMemoryPersistence: persistence === undefined ? null : 'keep' in persistence ? 'keep' : 'replace'
    };
}

/** Validates and instruments a module, mapping problems to the IC's IC0505 reject. */
export function prepare(canister: Canister, bytes: Uint8Array): PreparedModule | Reject {
    try {
        return prepareModule(bytes, { systemApi: IC0_SIGNATURES });
    } catch (error) {
        if (error instanceof InvalidWasmModuleError) {
            return reject('IC0505', canisterError(canister.idText, `Canister's Wasm module is not valid: ${error.message}`, 'invalid-wasm-module', 'Check the module you are installing: it must be a valid, IC-compatible Wasm module (raw or gzipped).'));
        }
        throw error;
    }
}

function install(call: ManagementCall, target: Principal, wasm: Uint8Array, arg: Uint8Array, mode: CanisterInstallMode) {
    const canister = controlled(call, target);
    if (isReject(canister)) return err<undefined>(canister);
    const module = prepare(canister, wasm);
    if (!(module instanceof Object && 'compiled' in module)) return err<undefined>(module as Reject);
    const failed = deploy(call.subnet, canister, module, arg, deployMode(mode), call.sender, changeOrigin(call));
    return failed === null ? ok(undefined) : err<undefined>(failed);
}

export const install_code: Handler<'install_code'> = (call, args) => install(call, args.canister_id, args.wasm_module, args.arg, args.mode);

export const install_chunked_code: Handler<'install_chunked_code'> = (call, args) => {
    const target = controlled(call, args.target_canister);
    if (isReject(target)) return err(target);
    const storeId = args.store_canister[0] ?? args.target_canister;
    const store = storeId.toText() === call.sender.toText() ? call.subnet.canister(storeId) : controlled(call, storeId);
    if (store === undefined) return err(Rejects.canisterNotFound(storeId.toText()));
    if (isReject(store)) return err(store);
    const parts: Uint8Array[] = [];
    for (const { hash } of args.chunk_hashes_list) {
        const chunk = store.chunkStore.get(toHex(hash));
        if (chunk === undefined) {
            return err(reject('IC0504', `Error from Wasm chunk store: Chunk with hash ${toHex(hash)} is not present in the chunk store of canister ${store.idText}. Upload it with upload_chunk first.`));
        }
        parts.push(chunk);
    }
    const wasm = Buffer.concat(parts);
    const actual = new Uint8Array(createHash('sha256').update(wasm).digest());
    if (!bytesEqual(actual, args.wasm_module_hash)) {
        return err(
            reject('IC0504', `Error from Wasm chunk store: Wasm module hash ${toHex(actual)} does not match given hash ${toHex(args.wasm_module_hash)}. Check that chunk_hashes_list lists every chunk, in order.`)
        );
    }
    return install(call, args.target_canister, new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength), args.arg, args.mode);
};

export const uninstall_code: Handler<'uninstall_code'> = (call, args) => {
    const canister = controlled(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    uninstall(call.subnet, canister);
    recordChange(canister, call.subnet.time, changeOrigin(call), { kind: 'code_uninstall' });
    return ok(undefined);
};

/**
 * Empties a canister (spec §2.7): code, memories, certified data, chunk store and logs go;
 * open call contexts are rejected and marked deleted, so late responses run no callback.
 */
function uninstall(subnet: ManagementCall['subnet'], canister: Canister): void {
    if (canister.code !== null) subnet.releaseInstance(canister.code);
    canister.code = null;
    canister.certifiedData = new Uint8Array(0);
    canister.chunkStore.clear();
    canister.logs = [];
    canister.globalTimer = 0n;
    for (const context of canister.callContexts.values()) {
        if (context.needsToRespond) subnet.respond(context, { kind: 'reject', reject: Rejects.uninstalled() });
        context.deleted = true;
        if (context.outstandingCallbacks === 0) canister.callContexts.delete(context.id);
    }
    canister.version++;
}
