/**
 * Each app's rehearsal credit: cycles its side paid with fund_rehearsals, from which a charging
 * deployment takes the price of each of its rehearsals (README "Rehearsal on chain"), so that one
 * app's rehearsals never spend the balance every other app depends on. Credit is bounded per app
 * (MAX_REHEARSAL_CREDIT); an app that leaves (eject, reap, hand-over) leaves its credit with the
 * upgrader, and its entry is removed.
 */
import type { Principal } from '@dfinity/principal';
import { msgCyclesAccept, msgCyclesAvailable, StableBTreeMap } from 'azle';

import { fail } from './errors';
import { MAX_REHEARSAL_CREDIT } from './limits';
import { MemoryId } from './memory';
import { principalKey, u64Value } from './serde';

const credits = new StableBTreeMap<Principal, bigint>(MemoryId.rehearsalCredits, principalKey, u64Value);

export function creditOf(app: Principal): bigint {
    return credits.get(app) ?? 0n;
}

function setCredit(app: Principal, credit: bigint): void {
    if (credit === 0n) credits.remove(app);
    else credits.insert(app, credit);
}

/**
 * fund_rehearsals' work for a registered app: accepts the attached cycles up to the app's cap
 * (the rest goes back with the reply) and returns the new credit. No cycles attached: a typed
 * error, nothing kept.
 */
export function fundRehearsals(app: Principal): bigint {
    const available = msgCyclesAvailable();
    if (available === 0n) throw fail.insufficientPayment(1n, 0n);
    const credit = creditOf(app);
    const room = credit < MAX_REHEARSAL_CREDIT ? MAX_REHEARSAL_CREDIT - credit : 0n;
    const accepted = msgCyclesAccept(available < room ? available : room);
    setCredit(app, credit + accepted);
    return credit + accepted;
}

/** Takes `price` from the app's credit; false (nothing taken) when it holds less. */
export function debitCredit(app: Principal, price: bigint): boolean {
    const credit = creditOf(app);
    if (credit < price) return false;
    setCredit(app, credit - price);
    return true;
}

/** Gives back a debit whose call was never sent (synchronously, in the same message). */
export function refundCredit(app: Principal, price: bigint): void {
    setCredit(app, creditOf(app) + price);
}

/** The app leaves: its credit stays with the upgrader, its entry goes. */
export function forgetCredit(app: Principal): void {
    credits.remove(app);
}
