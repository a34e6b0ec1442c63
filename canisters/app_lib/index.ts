/**
 * app_lib: what an app canister imports to ask the upgrader for its own upgrade.
 *
 * The request is a one-way call ("notify"): the app keeps no callback open while the upgrader
 * stops it and installs new code, so no response can ever land in a module that replaced the
 * one that made the call, and nothing the app holds keeps it from stopping. The price is that
 * the app never sees the reply; it reads the outcome later from the upgrader (`get_app`, then
 * `get_proposal`), or not at all.
 *
 * @example
 * ```ts
 * import { requestUpgrade, upgradeRequest } from '../../app_lib';
 *
 * @update([IDL.Vec(IDL.Nat8)], IDL.Bool)
 * async upgradeTo(moduleHash: Uint8Array): Promise<boolean> {
 *     const sent = await requestUpgrade(UPGRADER_ID, upgradeRequest(moduleHash));
 *     return sent.sent;
 * }
 * ```
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { call } from 'azle';

import { REQUEST_UPGRADE_METHOD, UpgradeRequest, type UpgradeOptions } from '../upgrader/types';

export { UpgradeRequest };
export type { UpgradeOptions };

/** Whether the request left the canister. A one-way call has no reply to report more. */
export type RequestSent = { sent: true } | { sent: false; reason: string };

/** Options of an upgrade, each defaulting to the safe choice. */
export type UpgradeRequestOptions = {
    /** Snapshot the app before installing, so a failed verification rolls back. Default: true. */
    takeSnapshot?: boolean;
    /** Skip the running module's pre_upgrade (to escape one that traps). Default: false. */
    skipPreUpgrade?: boolean;
    /** Keep the Wasm heap (only for modules built for enhanced orthogonal persistence). Default: unset. */
    keepWasmMemory?: boolean;
    /** The app ran this module before: going back to it must say so (shown to voters). Default: false. */
    downgrade?: boolean;
};

/**
 * Builds an upgrade request.
 * @param moduleHash SHA-256 of the module, uploaded to the upgrader beforehand.
 * @param arg The Candid-encoded post_upgrade argument. Default: `()`.
 */
export function upgradeRequest(moduleHash: Uint8Array, arg: Uint8Array = new Uint8Array(IDL.encode([], [])), options: UpgradeRequestOptions = {}): UpgradeRequest {
    return {
        module_hash: moduleHash,
        arg,
        options: {
            take_snapshot: options.takeSnapshot ?? true,
            skip_pre_upgrade: options.skipPreUpgrade ?? false,
            wasm_memory_persistence: options.keepWasmMemory === undefined ? [] : [options.keepWasmMemory ? { keep: null } : { replace: null }]
        },
        downgrade: options.downgrade ?? false
    };
}

/**
 * Asks `upgrader` to propose this canister's upgrade, with a one-way call. Never throws: a call
 * the system refuses to make (the app is out of cycles, the queue is full) comes back as
 * `{ sent: false, reason }`.
 */
export async function requestUpgrade(upgrader: Principal | string, request: UpgradeRequest): Promise<RequestSent> {
    try {
        await call<[UpgradeRequest], undefined>(upgrader, REQUEST_UPGRADE_METHOD, {
            paramIdlTypes: [UpgradeRequest],
            args: [request],
            oneway: true
        });
        return { sent: true };
    } catch (error) {
        return { sent: false, reason: error instanceof Error ? error.message : String(error) };
    }
}
