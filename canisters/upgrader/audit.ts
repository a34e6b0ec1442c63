/**
 * The audit log: every registration, upload, proposal, vote, execution step and outcome,
 * readable by anyone in pages. Writing an entry never fails an operation.
 *
 * Each app has its own history, a ring of its latest max_audit_entries_per_app entries, so no
 * app's activity can push another app's history out. Who can write under an app is bounded by
 * the app: its maintainers, voters, recovery principal, the app itself and the upgrader's
 * executor; a stranger's only way in is `resume`, which logs steps of an execution the app's
 * voters approved, and `reap`, which forgets the app. A forgotten app's history stays readable
 * (re-registering continues it); it costs at most one ring per canister ever registered, and a
 * canister costs far more to create than its ring costs to keep.
 *
 * The registry's history (audit_log without an app) keeps only registrations, ejections, reaps
 * and hand-overs, each of which takes or frees a registry slot, capped at MAX_AUDIT_ENTRIES.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf, StableBTreeMap, time } from 'azle';

import { MAX_AUDIT_ENTRIES, MAX_AUDIT_PAGE } from './limits';
import { MemoryId } from './memory';
import { getCounter, MetaKey, setCounter, takeCounter } from './meta';
import { auditRecord, type StoredAuditEntry } from './records';
import { maxAuditEntriesPerApp } from './settings';
import { principalKey, principalU64Key, u64Key, u64Value } from './serde';
import type { AuditEntry, AuditEvent, AuditPage, AuditQuery } from './types';

/** (app, position) -> entry: each app's ring. */
const appEntries = new StableBTreeMap<[Principal, bigint], StoredAuditEntry>(MemoryId.appAudit, principalU64Key, auditRecord);
/** app -> entries written for it so far (its next position). */
const appCounts = new StableBTreeMap<Principal, bigint>(MemoryId.auditAppCounts, principalKey, u64Value);
/** registry position -> entry: registrations, ejections and reaps of every app. */
const registry = new StableBTreeMap<bigint, StoredAuditEntry>(MemoryId.audit, u64Key, auditRecord);


export type AuditRecord = {
    app: Principal;
    event: AuditEvent;
    /** Who caused it; default: the upgrader itself. */
    actor?: Principal;
    proposalId?: bigint;
};

function isRegistryEvent(event: AuditEvent): boolean {
    return 'registered' in event || 'ejected' in event || 'reaped' in event || 'handed_over' in event;
}

/** Appends an entry to its app's ring (and the registry's, for registry events); returns its sequence number. */
export function audit(record: AuditRecord): bigint {
    const seq = takeCounter(MetaKey.auditNext);
    const position = appCounts.get(record.app) ?? 0n;
    appCounts.insert(record.app, position + 1n);
    const entry: AuditEntry = {
        seq,
        at: time(),
        app: record.app,
        proposal_id: record.proposalId === undefined ? [] : [record.proposalId],
        actor: record.actor ?? canisterSelf(),
        event: record.event
    };
    appEntries.insert([record.app, position], { entry, app_position: position });
    const perApp = maxAuditEntriesPerApp();
    if (position >= perApp) appEntries.remove([record.app, position - perApp]);
    if (isRegistryEvent(record.event)) appendToRegistry({ entry, app_position: position });
    return seq;
}

function appendToRegistry(stored: StoredAuditEntry): void {
    const next = takeCounter(MetaKey.registryNext);
    registry.insert(next, stored);
    const first = getCounter(MetaKey.registryFirst);
    if (next + 1n - first > BigInt(MAX_AUDIT_ENTRIES)) {
        registry.remove(first);
        setCounter(MetaKey.registryFirst, first + 1n);
    }
}

/** A page of one app's history, or of the registry's, by position (older positions than kept are skipped). */
export function auditPage(query: AuditQuery): AuditPage {
    const limit = BigInt(Math.min(Math.max(query.limit, 1), MAX_AUDIT_PAGE));
    const app = query.app[0];
    const total = app === undefined ? getCounter(MetaKey.registryNext) : (appCounts.get(app) ?? 0n);
    const perApp = maxAuditEntriesPerApp();
    const first = app === undefined ? getCounter(MetaKey.registryFirst) : total > perApp ? total - perApp : 0n;
    const start = query.start > first ? query.start : first;
    const end = start + limit < total ? start + limit : total;
    const page: AuditEntry[] = [];
    for (let position = start; position < end; position++) {
        const stored = app === undefined ? registry.get(position) : appEntries.get([app, position]);
        if (stored !== undefined) page.push(stored.entry);
    }
    return { entries: page, next: end < total ? [end] : [], total };
}
