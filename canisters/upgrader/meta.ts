/** Schema version and the upgrader's counters, in one stable map. */
import { StableBTreeMap, trap } from 'azle';

import { MemoryId, SCHEMA_VERSION } from './memory';
import { textKey, u64Value } from './serde';

export const MetaKey = {
    schemaVersion: 'schema_version',
    /** Next proposal id to hand out. */
    nextProposalId: 'next_proposal_id',
    /** Index (in id order) of the proposal the next pruning pass starts at. */
    pruneCursor: 'prune_cursor',
    /** Index of the live proposal (before the prune cursor) the next pass looks at again. */
    pruneRevisit: 'prune_revisit',
    /** Next audit sequence number (every entry, every app). */
    auditNext: 'audit_next',
    /** Next position in the registry's history. */
    registryNext: 'registry_next',
    /** Lowest position of the registry's history still kept. */
    registryFirst: 'registry_first',
    /** Cycles `register` accepts (set at install). */
    registrationFee: 'registration_fee',
    /** Cycles `create_module` accepts per MiB (set at install). */
    storageFeePerMib: 'storage_fee_per_mib',
    /** Bounds set at install (settings.ts). */
    maxApps: 'max_apps',
    maxProposalsKept: 'max_proposals_kept',
    maxAuditEntriesPerApp: 'max_audit_entries_per_app',
    /** Bytes reserved by the modules in the store. */
    storeBytes: 'store_bytes',
    /** Index in the modules map where the next sweep starts. */
    sweepCursor: 'sweep_cursor',
    /** Next execution id to hand out (never reused: it fences out drivers of earlier executions). */
    nextExecutionId: 'next_execution_id',
    /** Next group number to hand out (a group's principal is made from it). */
    nextGroupId: 'next_group_id',
    /** Chunks the upgrader's own chunk store holds, as staging.ts counts them since it last cleared it. */
    stagedChunks: 'staged_chunks'
} as const;
export type MetaKey = (typeof MetaKey)[keyof typeof MetaKey];

const meta = new StableBTreeMap<string, bigint>(MemoryId.meta, textKey, u64Value);

export function getCounter(key: MetaKey): bigint {
    return meta.get(key) ?? 0n;
}

export function setCounter(key: MetaKey, value: bigint): void {
    meta.insert(key, value);
}

/** Returns the counter's value, then increments it. */
export function takeCounter(key: MetaKey): bigint {
    const value = getCounter(key);
    meta.insert(key, value + 1n);
    return value;
}

/**
 * Called by init and post_upgrade: stamps a fresh store with the schema version, and refuses to
 * run over a layout this code does not know (trapping the upgrade keeps the old code running).
 */
export function checkSchema(): void {
    const found = meta.get(MetaKey.schemaVersion);
    if (found === undefined) {
        meta.insert(MetaKey.schemaVersion, SCHEMA_VERSION);
        return;
    }
    if (found !== SCHEMA_VERSION) {
        trap(`upgrader: stable memory holds schema version ${found}, this build reads version ${SCHEMA_VERSION}`);
    }
}
