/**
 * Governance policies: validation, voter weights, and the subject a policy-change vote binds to.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';

import { fail } from './errors';
import {
    MAX_METHOD_NAME_BYTES,
    MAX_PROPOSAL_LIFETIME_SECONDS,
    MAX_PROPOSERS,
    MAX_SNAPSHOTS_KEPT,
    MAX_TOTAL_WEIGHT,
    MAX_VOTERS,
    MIN_PROPOSAL_LIFETIME_SECONDS
} from './limits';
import { principalEqual } from './serde';
import { type Policy, PolicyChange, type SnapshotPolicy } from './types';

/** Throws InvalidArgument unless the policy can govern an app. */
export function validatePolicy(policy: Policy): void {
    const { voters, threshold, proposers, proposal_lifetime_seconds: lifetime, health_check: health } = policy;
    if (voters.length === 0) throw fail.invalid('a policy needs at least one voter');
    if (voters.length > MAX_VOTERS) throw fail.invalid(`a policy may have at most ${MAX_VOTERS} voters, not ${voters.length}`);
    // Keyed by the raw bytes as a string (one native call): a principal's text (base32 and CRC32)
    // costs QuickJS far more, so it is only written in a failure.
    const seen = new Set<string>();
    let total = 0;
    for (const voter of voters) {
        const key = String.fromCharCode(...voter.principal.toUint8Array());
        if (voter.principal.isAnonymous()) throw fail.invalid('the anonymous principal cannot vote');
        if (seen.has(key)) throw fail.invalid(`voter ${voter.principal.toText()} is listed twice`);
        seen.add(key);
        if (voter.weight < 1) throw fail.invalid(`voter ${voter.principal.toText()} has weight 0; weights start at 1`);
        total += voter.weight;
    }
    if (total > MAX_TOTAL_WEIGHT) throw fail.invalid(`the voters' weights add up to ${total}; at most ${MAX_TOTAL_WEIGHT} in all, so that tallies (nat32) cannot overflow`);
    if (threshold < 1 || threshold > total) throw fail.invalid(`the threshold must be between 1 and the total weight ${total}, not ${threshold}`);
    if (proposers.length > MAX_PROPOSERS) throw fail.invalid(`a policy may have at most ${MAX_PROPOSERS} proposers, not ${proposers.length}`);
    if (proposers.some((p) => p.isAnonymous())) throw fail.invalid('the anonymous principal cannot propose');
    if (lifetime < MIN_PROPOSAL_LIFETIME_SECONDS || lifetime > MAX_PROPOSAL_LIFETIME_SECONDS) {
        throw fail.invalid(`the proposal lifetime must be between ${MIN_PROPOSAL_LIFETIME_SECONDS} and ${MAX_PROPOSAL_LIFETIME_SECONDS} seconds, not ${lifetime}`);
    }
    const method = health[0];
    if (method !== undefined && (method.length === 0 || new TextEncoder().encode(method).length > MAX_METHOD_NAME_BYTES)) {
        throw fail.invalid(`the health check method name must be 1 to ${MAX_METHOD_NAME_BYTES} bytes`);
    }
}

export function validateSnapshotPolicy(policy: SnapshotPolicy): void {
    if (policy.keep > MAX_SNAPSHOTS_KEPT) throw fail.invalid(`at most ${MAX_SNAPSHOTS_KEPT} snapshots can be kept, not ${policy.keep}`);
    if (policy.required && policy.keep === 0) throw fail.invalid('snapshots cannot be required while keep is 0');
    if (policy.rehearse && policy.keep === 0) throw fail.invalid('a rehearsal copies a snapshot of the app: set keep to at least 1 to rehearse');
}

export function validatePolicyChange(change: PolicyChange): void {
    validatePolicy(change.policy);
    validateSnapshotPolicy(change.snapshot_policy);
}

/** The voter's weight, or 0 for a principal that is not a voter. */
export function weightOf(policy: Policy, who: Principal): number {
    return policy.voters.find((v) => principalEqual(v.principal, who))?.weight ?? 0;
}

export function totalWeight(policy: Policy): number {
    return policy.voters.reduce((sum, v) => sum + v.weight, 0);
}

/**
 * A tally plus a vote's weight, held at nat32's maximum. validatePolicy keeps every policy's total
 * under it, so this only matters for a record stored before that check: there, a vote still
 * counts (and reaches any threshold) instead of trapping on a nat32 that cannot encode.
 */
export function addWeight(tally: number, weight: number): number {
    return Math.min(tally + weight, MAX_TOTAL_WEIGHT);
}

export function isProposer(policy: Policy, who: Principal): boolean {
    return policy.proposers.some((p) => principalEqual(p, who));
}

/**
 * What votes on a policy change bind to: SHA-256 of the change's Candid encoding (a few hundred
 * bytes, bounded by MAX_VOTERS and MAX_PROPOSERS, so hashing it in the canister is cheap).
 */
export function policyChangeSubject(change: PolicyChange): Uint8Array {
    return sha256(new Uint8Array(IDL.encode([PolicyChange], [change])));
}
