/**
 * The module store: Wasm modules uploaded in 1 MiB chunks, kept in stable memory per app.
 *
 * A module is named by the SHA-256 its uploader claims. The upgrader never hashes it (that costs
 * tens of billions of instructions per MiB in JavaScript): at execution time the chunks go to the
 * app's own chunk store, where the IC returns each chunk's hash, and install_chunked_code checks
 * the whole module against the claimed hash natively. A module whose bytes do not match is
 * refused there, and marked `rejected`.
 *
 * Chunks are striped over eight StableBTreeMaps by index. ic-stable-structures 0.6 (under Azle
 * 0.33) reads and rewrites a B-tree node with all its values, so every access to a 1 MiB chunk
 * costs a copy of every chunk sharing its node (up to 11); striping keeps the chunks of one
 * module in different trees, so with the few modules a store usually holds, an access copies
 * about one chunk, not all of them.
 *
 * Capacity is the app's own: MAX_MODULES_PER_APP modules and MAX_APP_STORE_BYTES bytes per app,
 * reserved at create_module against that app, which only its maintainers, the app itself and its
 * recovery principal may do, paying the storage fee (payment.ts). MAX_STORE_BYTES over all apps
 * is a safety net out of reach without paying for over a thousand full apps (README,
 * "Capacity"). A module is reclaimed once an upgrade installed it, when deleted by its uploader
 * or the recovery principal, when its app is forgotten, or MODULE_TTL_SECONDS after its creation
 * when no live proposal uses it (reclaim.ts).
 */
import type { Principal } from '@dfinity/principal';
import { StableBTreeMap, time } from 'azle';

import { findApp, mayUpload, requireApp, saveApp, type StoredApp } from './apps';
import { audit } from './audit';
import { fail } from './errors';
import { CHUNK_BYTES, MAX_APP_STORE_BYTES, MAX_MODULE_BYTES, MAX_MODULES_PER_APP, MAX_STORE_BYTES } from './limits';
import { MemoryId } from './memory';
import { getCounter, MetaKey, setCounter } from './meta';
import { collect, requirePayment, storagePrice } from './settings';
import { moduleRecord } from './records';
import { bytesEqual, principalEqual, rawBytes, toHex } from './serde';
import type { CreateModuleArgs, ModuleChunkRef, ModuleInfo, ModuleRef, UploadChunkArgs } from './types';

const modules = new StableBTreeMap<Uint8Array, ModuleInfo>(MemoryId.modules, rawBytes, moduleRecord);
const stripes = MemoryId.chunkStripes.map((id) => new StableBTreeMap<Uint8Array, Uint8Array>(id, rawBytes, rawBytes));

const HASH_BYTES = 32;

/** (app, hash) as bytes: the app's length and bytes, then the hash. */
export function moduleKey(app: Principal, hash: Uint8Array): Uint8Array {
    const p = app.toUint8Array();
    const key = new Uint8Array(1 + p.length + hash.length);
    key[0] = p.length;
    key.set(p, 1);
    key.set(hash, 1 + p.length);
    return key;
}

/** The stripe holding chunk `index`, and the chunk's key in it: the module's key, then the index (big-endian). */
function chunkSlot(app: Principal, hash: Uint8Array, index: number): { stripe: StableBTreeMap<Uint8Array, Uint8Array>; key: Uint8Array } {
    const moduleBytes = moduleKey(app, hash);
    const key = new Uint8Array(moduleBytes.length + 4);
    key.set(moduleBytes);
    new DataView(key.buffer).setUint32(moduleBytes.length, index);
    const stripe = stripes[index % stripes.length];
    if (stripe === undefined) throw new Error('no chunk stripes');
    return { stripe, key };
}

function chunkCount(size: bigint): number {
    return Number((size + BigInt(CHUNK_BYTES) - 1n) / BigInt(CHUNK_BYTES));
}

export function findModule(app: Principal, hash: Uint8Array): ModuleInfo | undefined {
    return modules.get(moduleKey(app, hash));
}

/** The module, complete and not refused by the IC; throws otherwise. */
export function requireInstallable(app: Principal, hash: Uint8Array): ModuleInfo {
    const found = findModule(app, hash);
    if (found === undefined) throw fail.moduleNotFound(hash);
    if (found.rejected) throw fail.moduleRejected(hash);
    if (!found.complete) throw fail.moduleIncomplete(hash, found.chunks_received, found.chunks_expected);
    return found;
}

/** Chunk `index` of a complete module (for the executor's upload steps). */
export function readChunk(app: Principal, hash: Uint8Array, index: number): Uint8Array | undefined {
    const { stripe, key } = chunkSlot(app, hash, index);
    return stripe.get(key);
}

/**
 * Chunk `index` of a stored module, for anyone to download and hash (get_module_chunk): one
 * record and one chunk read, whatever the module's size. Only a complete module can be read (an
 * incomplete one cannot be checked against its hash, and its uploader may still replace chunks);
 * a rejected one can (to see what the IC refused).
 */
export function moduleChunk(ref: ModuleChunkRef): Uint8Array {
    const info = findModule(ref.app, ref.hash);
    if (info === undefined) throw fail.moduleNotFound(ref.hash);
    if (!info.complete) throw fail.moduleIncomplete(ref.hash, info.chunks_received, info.chunks_expected);
    if (ref.index >= info.chunks_expected) throw fail.invalid(`chunk index ${ref.index} is out of range: the module has ${info.chunks_expected} chunks, 0 to ${info.chunks_expected - 1}`);
    const chunk = readChunk(ref.app, ref.hash, ref.index);
    if (chunk === undefined) throw new Error(`module ${toHex(ref.hash)} is complete but its chunk ${ref.index} is missing`);
    return chunk;
}

/** Bytes an app's modules reserve in the store. */
function appStoreBytes(app: StoredApp): bigint {
    return app.modules.reduce((sum, hash) => sum + (findModule(app.info.app, hash)?.size ?? 0n), 0n);
}

/**
 * Declares a module to be uploaded, reserving its bytes against the app's own quota and taking
 * the storage fee; idempotent (and free) for the same uploader, hash and size.
 */
export function createModule(caller: Principal, args: CreateModuleArgs): ModuleInfo {
    const app = requireApp(args.app);
    if (!mayUpload(app, caller)) throw fail.unauthorized(`${caller.toText()} may not upload modules for ${args.app.toText()}: only the app, its proposers and its recovery principal may`);
    if (args.hash.length !== HASH_BYTES) throw fail.invalid(`a module hash is ${HASH_BYTES} bytes (SHA-256), not ${args.hash.length}`);
    if (args.size < 1n || args.size > MAX_MODULE_BYTES) throw fail.invalid(`a module must be 1 to ${MAX_MODULE_BYTES} bytes, not ${args.size}`);

    const existing = findModule(args.app, args.hash);
    if (existing !== undefined) {
        if (principalEqual(existing.uploader, caller) && existing.size === args.size) return existing;
        throw fail.invalid(`module ${toHex(args.hash)} already exists for this app (uploaded by ${existing.uploader.toText()}, ${existing.size} bytes)`);
    }

    const fresh = requireApp(args.app);
    if (fresh.modules.length >= MAX_MODULES_PER_APP) throw fail.quota(`${args.app.toText()} already has ${MAX_MODULES_PER_APP} modules in the store; delete one first`);
    const held = appStoreBytes(fresh);
    if (held + args.size > MAX_APP_STORE_BYTES) throw fail.quota(`${args.app.toText()} holds ${held} bytes of modules; ${args.size} more would pass its quota of ${MAX_APP_STORE_BYTES}; delete one first`);
    const storeBytes = getCounter(MetaKey.storeBytes);
    if (storeBytes + args.size > MAX_STORE_BYTES) throw fail.quota(`the module store's safety net is reached (${storeBytes} of ${MAX_STORE_BYTES} bytes reserved); try again once modules are reclaimed`);
    const price = storagePrice(args.size);
    requirePayment(price);

    const info: ModuleInfo = {
        app: args.app,
        hash: args.hash,
        size: args.size,
        chunks_expected: chunkCount(args.size),
        chunks_received: 0,
        uploader: caller,
        created_at: time(),
        complete: false,
        rejected: false
    };
    modules.insert(moduleKey(args.app, args.hash), info);
    setCounter(MetaKey.storeBytes, storeBytes + args.size);
    fresh.modules.push(args.hash);
    saveApp(fresh);
    audit({ app: args.app, event: { module_created: args.hash }, actor: caller });
    collect(price);
    return info;
}

/** Stores one chunk (re-sending a chunk replaces it). Only the module's uploader may. */
export function uploadChunk(caller: Principal, args: UploadChunkArgs): ModuleInfo {
    const info = findModule(args.app, args.hash);
    if (info === undefined) throw fail.moduleNotFound(args.hash);
    if (!principalEqual(info.uploader, caller)) throw fail.unauthorized(`only the uploader ${info.uploader.toText()} may add chunks to this module`);
    if (args.index >= info.chunks_expected) throw fail.invalid(`chunk index ${args.index} is out of range: the module has ${info.chunks_expected} chunks`);
    const isLast = args.index === info.chunks_expected - 1;
    const expectedLength = isLast ? Number(info.size - BigInt(args.index) * BigInt(CHUNK_BYTES)) : CHUNK_BYTES;
    if (args.chunk.length !== expectedLength) throw fail.invalid(`chunk ${args.index} must be ${expectedLength} bytes, not ${args.chunk.length}`);

    const { stripe, key } = chunkSlot(args.app, args.hash, args.index);
    const isNew = stripe.insert(key, args.chunk) === undefined;
    if (isNew) {
        info.chunks_received += 1;
        info.complete = info.chunks_received === info.chunks_expected;
        modules.insert(moduleKey(args.app, args.hash), info);
        if (info.complete) audit({ app: args.app, event: { module_completed: args.hash }, actor: caller });
    }
    return info;
}

/**
 * Deletes a module; its uploader or the app's recovery principal may. `liveUser` names the live
 * proposal that installs it, if any (reclaim.ts settles expiry before asking).
 */
export function deleteModule(caller: Principal, ref: ModuleRef, liveUser: bigint | undefined): void {
    const info = findModule(ref.app, ref.hash);
    if (info === undefined) throw fail.moduleNotFound(ref.hash);
    const app = findApp(ref.app);
    const isRecovery = app !== undefined && principalEqual(app.info.recovery, caller);
    if (!principalEqual(info.uploader, caller) && !isRecovery) throw fail.unauthorized('only the uploader or the recovery principal may delete a module');
    if (liveUser !== undefined) throw fail.moduleInUse(liveUser);
    reclaim(ref.app, ref.hash, caller);
}

/** Marks a module the IC refused (its bytes do not hash to its name). */
export function markRejected(app: Principal, hash: Uint8Array): void {
    const info = findModule(app, hash);
    if (info === undefined) return;
    info.rejected = true;
    modules.insert(moduleKey(app, hash), info);
}

/** Removes a module and its chunks, and gives its quota back. Bounded by its chunk count. */
export function reclaim(appId: Principal, hash: Uint8Array, actor?: Principal): void {
    const key = moduleKey(appId, hash);
    const info = modules.remove(key);
    if (info === undefined) return;
    for (let index = 0; index < info.chunks_expected; index++) {
        const { stripe, key: chunkKey } = chunkSlot(appId, hash, index);
        stripe.remove(chunkKey);
    }
    const storeBytes = getCounter(MetaKey.storeBytes);
    setCounter(MetaKey.storeBytes, storeBytes > info.size ? storeBytes - info.size : 0n);
    const app = findApp(appId);
    if (app !== undefined) {
        app.modules = app.modules.filter((h) => !bytesEqual(h, hash));
        saveApp(app);
    }
    audit({ app: appId, event: { module_deleted: hash }, actor });
}

/** Reclaims every module of an app (when the app is ejected). */
export function reclaimAll(app: StoredApp): void {
    for (const hash of [...app.modules]) reclaim(app.info.app, hash);
}

/**
 * Up to `batch` modules from the `cursor`-th (in key order), wrapping around to the first ones
 * when the end is reached; returns them and where the next page starts.
 */
export function modulePage(cursor: number, batch: number): { page: ModuleInfo[]; next: number } {
    const total = modules.len();
    if (total === 0) return { page: [], next: 0 };
    const from = cursor >= total ? 0 : cursor;
    const page = modules.values(from, batch);
    if (page.length < batch && from > 0) page.push(...modules.values(0, Math.min(batch - page.length, from)));
    return { page, next: (from + page.length) % total };
}
