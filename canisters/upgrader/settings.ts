/**
 * What the install fixes (the init argument, `opt InstallSettings`), and paying for what an app
 * holds: `register` costs the registration fee, `create_module` the storage fee per MiB it
 * reserves. Settings are written once by init and kept in the meta map.
 *
 * Only canisters can pay (an ingress message carries no cycles): the app itself, a cycles
 * wallet or a proxy canister attaches them to its call. A method checks the cycles available
 * before any work and accepts exactly the price as its last step, once nothing can fail any
 * more: a refused call keeps none of the caller's cycles (what is not accepted goes back with
 * the reply).
 */
import { msgCyclesAccept, msgCyclesAvailable, trap } from 'azle';

import { fail } from './errors';
import {
    CHUNK_BYTES,
    DEFAULT_REGISTRATION_FEE,
    DEFAULT_STORAGE_FEE_PER_MIB,
    MAX_APPS,
    MAX_AUDIT_ENTRIES_PER_APP,
    MAX_PROPOSALS_KEPT,
    type Settings
} from './limits';
import { getCounter, MetaKey, setCounter } from './meta';
import type { InitArgs } from './types';

const MAX_U64 = (1n << 64n) - 1n;

/** A bound the install may lower, never raise (nor set to 0). */
function lowered(given: [] | [number], fallback: number, name: string): bigint {
    const value = given[0] ?? fallback;
    if (value < 1 || value > fallback) trap(`upgrader: ${name} must be between 1 and ${fallback}, not ${value}; the install is refused`);
    return BigInt(value);
}

/** Called by init: fixes prices and bounds (an invalid argument traps, so the install fails). */
export function applySettings(args: InitArgs): void {
    const given = args[0];
    const registrationFee = given?.registration_fee ?? DEFAULT_REGISTRATION_FEE;
    const storageFee = given?.storage_fee_per_mib ?? DEFAULT_STORAGE_FEE_PER_MIB;
    if (registrationFee > MAX_U64 || storageFee > MAX_U64) trap('upgrader: each price must fit in 64 bits (cycles); the install is refused');
    setCounter(MetaKey.registrationFee, registrationFee);
    setCounter(MetaKey.storageFeePerMib, storageFee);
    setCounter(MetaKey.maxApps, lowered(given?.max_apps ?? [], MAX_APPS, 'max_apps'));
    setCounter(MetaKey.maxProposalsKept, lowered(given?.max_proposals_kept ?? [], MAX_PROPOSALS_KEPT, 'max_proposals_kept'));
    setCounter(MetaKey.maxAuditEntriesPerApp, lowered(given?.max_audit_entries_per_app ?? [], MAX_AUDIT_ENTRIES_PER_APP, 'max_audit_entries_per_app'));
}

export function settings(): Settings {
    return {
        registrationFee: getCounter(MetaKey.registrationFee),
        storageFeePerMib: getCounter(MetaKey.storageFeePerMib),
        maxApps: Number(getCounter(MetaKey.maxApps)),
        maxProposalsKept: Number(getCounter(MetaKey.maxProposalsKept)),
        maxAuditEntriesPerApp: Number(getCounter(MetaKey.maxAuditEntriesPerApp))
    };
}

/** Entries kept in each app's audit ring (read on every audit entry: one lookup). */
export function maxAuditEntriesPerApp(): bigint {
    return getCounter(MetaKey.maxAuditEntriesPerApp);
}

/** The storage fee for reserving `size` bytes: whole MiB, rounded up. */
export function storagePrice(size: bigint): bigint {
    const mib = (size + BigInt(CHUNK_BYTES) - 1n) / BigInt(CHUNK_BYTES);
    return mib * getCounter(MetaKey.storageFeePerMib);
}

/**
 * Whether this deployment charges (a registration or storage fee above 0): then an app's
 * rehearsals are paid from its rehearsal credit, not from the upgrader's shared balance. A free
 * deployment's deployer funds the upgrader and its balance pays.
 */
export function chargesForRehearsals(): boolean {
    return getCounter(MetaKey.registrationFee) > 0n || getCounter(MetaKey.storageFeePerMib) > 0n;
}

/** Throws InsufficientPayment unless the call carries at least `price` cycles (takes none). */
export function requirePayment(price: bigint): void {
    if (price === 0n) return;
    const available = msgCyclesAvailable();
    if (available < price) throw fail.insufficientPayment(price, available);
}

/** Accepts exactly `price` cycles: the last step of a method that succeeded. */
export function collect(price: bigint): void {
    if (price === 0n) return;
    requirePayment(price);
    msgCyclesAccept(price);
}

/** Called by post_upgrade: an argument replaces the settings; without one they stay (or get the defaults, if none were ever set). */
export function applySettingsOnUpgrade(args: InitArgs): void {
    if (args.length > 0 || getCounter(MetaKey.maxApps) === 0n) applySettings(args);
}
