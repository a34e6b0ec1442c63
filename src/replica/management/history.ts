import { MAX_HISTORY_ENTRIES } from '../constants.js';
import { Canister, ChangeDetails, ChangeOrigin } from '../state/canister.js';

/** Appends a change to the canister's history (keeping the newest entries) and counts it. */
export function recordChange(canister: Canister, time: bigint, origin: ChangeOrigin, details: ChangeDetails): void {
    canister.history.push({ timestampNanos: time, canisterVersion: canister.version, origin, details });
    if (canister.history.length > MAX_HISTORY_ENTRIES) canister.history.shift();
    canister.totalChanges++;
}
