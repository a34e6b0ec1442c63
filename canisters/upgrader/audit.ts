/**
 * The append-only audit log: every registration, upload, proposal, vote, execution step and
 * outcome, readable by anyone in pages. It is capped at MAX_AUDIT_ENTRIES (the oldest entries
 * are dropped first); each app also has its own numbering so its history pages cheaply.
 * Writing an entry never fails an operation.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf, StableBTreeMap, time } from 'azle';

import { MAX_AUDIT_ENTRIES, MAX_AUDIT_PAGE } from './limits';
import { MemoryId } from './memory';
import { getCounter, MetaKey, setCounter } from './meta';
import { auditRecord, type StoredAuditEntry } from './records';
import { principalKey, principalU64Key, u64Key, u64Value } from './serde';
import type { AuditEntry, AuditEvent, AuditPage, AuditQuery } from './types';

const entries = new StableBTreeMap<bigint, StoredAuditEntry>(MemoryId.audit, u64Key, auditRecord);
const byApp = new StableBTreeMap<[Principal, bigint], bigint>(MemoryId.auditByApp, principalU64Key, u64Value);
const appCounts = new StableBTreeMap<Principal, bigint>(MemoryId.auditAppCounts, principalKey, u64Value);

export type AuditRecord = {
    app: Principal;
    event: AuditEvent;
    /** Who caused it; default: the upgrader itself. */
    actor?: Principal;
    proposalId?: bigint;
};

/** Appends an entry (dropping the oldest one past the cap); returns its sequence number. */
export function audit(record: AuditRecord): bigint {
    const seq = getCounter(MetaKey.auditNext);
    setCounter(MetaKey.auditNext, seq + 1n);
    const appPosition = appCounts.get(record.app) ?? 0n;
    appCounts.insert(record.app, appPosition + 1n);
    const entry: AuditEntry = {
        seq,
        at: time(),
        app: record.app,
        proposal_id: record.proposalId === undefined ? [] : [record.proposalId],
        actor: record.actor ?? canisterSelf(),
        event: record.event
    };
    entries.insert(seq, { entry, app_position: appPosition });
    byApp.insert([record.app, appPosition], seq);
    dropOldest();
    return seq;
}

function dropOldest(): void {
    const first = getCounter(MetaKey.auditFirst);
    if (getCounter(MetaKey.auditNext) - first <= BigInt(MAX_AUDIT_ENTRIES)) return;
    const dropped = entries.remove(first);
    if (dropped !== undefined) byApp.remove([dropped.entry.app, dropped.app_position]);
    setCounter(MetaKey.auditFirst, first + 1n);
}

/** A page of the log: all apps by sequence number, or one app by its own positions. */
export function auditPage(query: AuditQuery): AuditPage {
    const limit = BigInt(Math.min(Math.max(query.limit, 1), MAX_AUDIT_PAGE));
    const app = query.app[0];
    const total = app === undefined ? getCounter(MetaKey.auditNext) : (appCounts.get(app) ?? 0n);
    const start = app === undefined ? maxBig(query.start, getCounter(MetaKey.auditFirst)) : query.start;
    const end = minBig(start + limit, total);
    const page: AuditEntry[] = [];
    for (let position = start; position < end; position++) {
        const seq = app === undefined ? position : byApp.get([app, position]);
        if (seq === undefined) continue;
        const stored = entries.get(seq);
        if (stored !== undefined) page.push(stored.entry);
    }
    return { entries: page, next: end < total ? [end] : [], total };
}

function maxBig(a: bigint, b: bigint): bigint {
    return a > b ? a : b;
}

function minBig(a: bigint, b: bigint): bigint {
    return a < b ? a : b;
}
