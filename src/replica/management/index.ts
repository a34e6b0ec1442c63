import { Principal } from '@dfinity/principal';
import { CallResult, reject, Reject, Rejects } from '../reject.js';
import { RequestMessage } from '../state/messages.js';
import { Handler, ManagementCall } from './call.js';
import {
    decodeManagementArgs,
    encodeManagementResult,
    isManagementMethod,
    ManagementDecodeError,
    ManagementMethod,
    ManagementArgs
} from './candid.js';
import { clear_chunk_store, stored_chunks, upload_chunk } from './chunks.js';
import { canister_info, canister_status, fetchCanisterLogs, raw_rand } from './info.js';
import { install_chunked_code, install_code, uninstall_code } from './install.js';
import {
    create_canister,
    delete_canister,
    deposit_cycles,
    provisional_create_canister_with_cycles,
    provisional_top_up_canister,
    start_canister,
    stop_canister,
    update_settings
} from './lifecycle.js';
import { delete_canister_snapshot, list_canister_snapshots, load_canister_snapshot, take_canister_snapshot } from './snapshots.js';
import { read_canister_snapshot_data, read_canister_snapshot_metadata, upload_canister_snapshot_data, upload_canister_snapshot_metadata } from './snapshot-data.js';
import type { ManagementPort } from './port.js';

type HandlerTable = { [M in ManagementMethod]?: Handler<M> };

/** Every update method the management canister serves, by name. */
const HANDLERS: HandlerTable = {
    create_canister,
    provisional_create_canister_with_cycles,
    provisional_top_up_canister,
    update_settings,
    start_canister,
    stop_canister,
    delete_canister,
    deposit_cycles,
    install_code,
    install_chunked_code,
    uninstall_code,
    upload_chunk,
    stored_chunks,
    clear_chunk_store,
    canister_status,
    canister_info,
    raw_rand,
    take_canister_snapshot,
    load_canister_snapshot,
    list_canister_snapshots,
    delete_canister_snapshot,
    read_canister_snapshot_metadata,
    read_canister_snapshot_data,
    upload_canister_snapshot_metadata,
    upload_canister_snapshot_data
};

/** Methods only canisters may call (spec §3.1). */
const CANISTER_ONLY = new Set<string>(['create_canister', 'canister_info', 'raw_rand', 'deposit_cycles']);
/** Methods anyone may call on a development instance. */
const OPEN_TO_ANYONE = new Set<string>(['provisional_create_canister_with_cycles', 'provisional_top_up_canister']);

function unknownMethod(method: string): Reject {
    return reject('IC0407', `Management canister has no method '${method}'. Check the method name against the IC interface specification.`);
}

function notSupported(method: string): Reject {
    return reject('IC0407', `The management method '${method}' is not supported by the embedded replica.`);
}

/** The target canister named in a management argument (the ingress effective canister id). */
function targetOf(method: ManagementMethod, args: ManagementArgs<ManagementMethod>): Principal | null {
    if (method === 'install_chunked_code') return (args as ManagementArgs<'install_chunked_code'>).target_canister;
    if (typeof args === 'object' && args !== null && 'canister_id' in args) return (args as { canister_id: Principal }).canister_id;
    return null;
}

/** The management canister `aaaaa-aa`: dispatches each method to its family's handler. */
export class ManagementCanister {
    constructor(private readonly subnet: ManagementPort) {}

    /** Executes a request sent to the management canister in a round. */
    handle(message: RequestMessage): void {
        const subnet = this.subnet;
        const senderCanister = subnet.canister(message.sender) ?? null;
        const call: ManagementCall = { subnet, sender: message.sender, senderCanister, cycles: message.cycles, replyTo: message.replyTo };
        const answer = (result: CallResult, cyclesUsed: bigint): void => subnet.deliver(message.replyTo, result, message.cycles - cyclesUsed);
        const method = message.method;
        if (!isManagementMethod(method)) return answer({ kind: 'reject', reject: unknownMethod(method) }, 0n);
        const handler = HANDLERS[method] as Handler<ManagementMethod> | undefined;
        if (handler === undefined) return answer({ kind: 'reject', reject: notSupported(method) }, 0n);
        if (message.replyTo.kind === 'ingress' && CANISTER_ONLY.has(method)) {
            return answer({ kind: 'reject', reject: reject('IC0407', `Only canisters can call ${method}`) }, 0n);
        }
        let args: ManagementArgs<ManagementMethod>;
        try {
            args = decodeManagementArgs(method, message.arg);
        } catch (error) {
            if (error instanceof ManagementDecodeError) return answer({ kind: 'reject', reject: reject('IC0408', `${error.message}. Check the argument against the management canister's Candid interface.`) }, 0n);
            throw error;
        }
        const outcome = handler(call, args);
        if ('pending' in outcome) return;
        if ('err' in outcome) return answer({ kind: 'reject', reject: outcome.err }, 0n);
        answer({ kind: 'reply', payload: encodeManagementResult(method, outcome.ok as never) }, outcome.cyclesUsed ?? 0n);
    }

    /**
     * Checks an ingress message to the management canister before it is queued, as the IC
     * does: known method, callable by users, and sent by a controller of its target.
     * Returns the effective canister id (null when any will do).
     */
    checkIngress(sender: Principal, method: string, arg: Uint8Array): { ok: Principal | null } | { err: Reject } {
        if (!isManagementMethod(method)) return { err: unknownMethod(method) };
        if (CANISTER_ONLY.has(method)) return { err: reject('IC0407', `Only canisters can call ${method}; it cannot be called by ingress messages`) };
        if (OPEN_TO_ANYONE.has(method)) return { ok: null };
        let args: ManagementArgs<ManagementMethod>;
        try {
            args = decodeManagementArgs(method, arg);
        } catch (error) {
            if (error instanceof ManagementDecodeError) return { err: reject('IC0408', error.message) };
            throw error;
        }
        const target = targetOf(method, args);
        if (target === null) return { ok: null };
        const canister = this.subnet.canister(target);
        if (canister === undefined) return { err: Rejects.canisterNotFound(target.toText()) };
        if (!canister.isController(sender)) {
            return { err: Rejects.notController(canister.idText, canister.settings.controllers.map((c) => c.toText()), sender.toText()) };
        }
        return { ok: target };
    }

    /** Query calls to the management canister: only fetch_canister_logs, for users. */
    query(sender: Principal, method: string, arg: Uint8Array): CallResult {
        if (method !== 'fetch_canister_logs') {
            return { kind: 'reject', reject: reject('IC0407', `Management canister method '${method}' cannot be called as a query`) };
        }
        let args: ManagementArgs<'fetch_canister_logs'>;
        try {
            args = decodeManagementArgs('fetch_canister_logs', arg);
        } catch (error) {
            if (error instanceof ManagementDecodeError) return { kind: 'reject', reject: reject('IC0408', error.message) };
            throw error;
        }
        const canister = this.subnet.canister(args.canister_id);
        if (canister === undefined) return { kind: 'reject', reject: Rejects.canisterNotFound(args.canister_id.toText()) };
        const logs = fetchCanisterLogs(canister, sender);
        if ('errorCode' in logs) return { kind: 'reject', reject: logs };
        return { kind: 'reply', payload: encodeManagementResult('fetch_canister_logs', logs) };
    }
}
