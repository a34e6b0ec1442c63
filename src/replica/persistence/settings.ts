/** Saving and restoring a canister's settings and its change history (origins and details). */
import { CanisterSettings, ChangeDetails, ChangeOrigin, LogVisibility } from '../state/canister.js';
import { CorruptStateError, Stored, StoredRecord, big, bytes, field, list, optional, pid, principal, rec, str } from './values.js';

export function settingsRecord(s: CanisterSettings): StoredRecord {
    const v = s.logVisibility;
    return {
        controllers: s.controllers.map(pid),
        computeAllocation: s.computeAllocation,
        memoryAllocation: s.memoryAllocation,
        freezingThreshold: s.freezingThreshold,
        reservedCyclesLimit: s.reservedCyclesLimit,
        logVisibility: v.kind === 'allowed_viewers' ? { kind: v.kind, viewers: v.viewers.map(pid) } : { kind: v.kind },
        wasmMemoryLimit: s.wasmMemoryLimit,
        wasmMemoryThreshold: s.wasmMemoryThreshold,
        environmentVariables: s.environmentVariables.map((e) => ({ name: e.name, value: e.value }))
    };
}

export function restoreSettings(stored: Stored): CanisterSettings {
    const r = rec(stored);
    const v = rec(field(r, 'logVisibility'));
    const kind = str(field(v, 'kind'));
    let logVisibility: LogVisibility;
    if (kind === 'allowed_viewers') logVisibility = { kind, viewers: list(field(v, 'viewers')).map(principal) };
    else if (kind === 'public' || kind === 'controllers') logVisibility = { kind };
    else throw new CorruptStateError(`Saved replica state is corrupt: unknown log visibility ${kind}`);
    return {
        controllers: list(field(r, 'controllers')).map(principal),
        computeAllocation: big(field(r, 'computeAllocation')),
        memoryAllocation: big(field(r, 'memoryAllocation')),
        freezingThreshold: big(field(r, 'freezingThreshold')),
        reservedCyclesLimit: big(field(r, 'reservedCyclesLimit')),
        logVisibility,
        wasmMemoryLimit: big(field(r, 'wasmMemoryLimit')),
        wasmMemoryThreshold: big(field(r, 'wasmMemoryThreshold')),
        environmentVariables: list(field(r, 'environmentVariables')).map((e) => ({ name: str(field(rec(e), 'name')), value: str(field(rec(e), 'value')) }))
    };
}

export function originRecord(o: ChangeOrigin): StoredRecord {
    return o.kind === 'user' ? { kind: 'user', user: pid(o.user) } : { kind: 'canister', canister: pid(o.canister), version: o.version };
}

export function restoreOrigin(stored: Stored): ChangeOrigin {
    const r = rec(stored);
    if (str(field(r, 'kind')) === 'user') return { kind: 'user', user: principal(field(r, 'user')) };
    return { kind: 'canister', canister: principal(field(r, 'canister')), version: optional(r.version, big) };
}

export function detailsRecord(d: ChangeDetails): StoredRecord {
    switch (d.kind) {
        case 'creation':
        case 'controllers_change':
            return { kind: d.kind, controllers: d.controllers.map(pid) };
        case 'code_uninstall':
            return { kind: d.kind };
        case 'code_deployment':
            return { kind: d.kind, mode: d.mode, moduleHash: d.moduleHash };
        case 'load_snapshot':
            return { kind: d.kind, canisterVersion: d.canisterVersion, snapshotId: d.snapshotId, takenAt: d.takenAt, source: d.source };
    }
}

export function restoreDetails(stored: Stored): ChangeDetails {
    const r = rec(stored);
    const kind = str(field(r, 'kind'));
    switch (kind) {
        case 'creation':
        case 'controllers_change':
            return { kind, controllers: list(field(r, 'controllers')).map(principal) };
        case 'code_uninstall':
            return { kind };
        case 'code_deployment': {
            const mode = str(field(r, 'mode'));
            if (mode !== 'install' && mode !== 'reinstall' && mode !== 'upgrade') throw new CorruptStateError(`Saved replica state is corrupt: unknown install mode ${mode}`);
            return { kind, mode, moduleHash: bytes(field(r, 'moduleHash')) };
        }
        case 'load_snapshot':
            return { kind, canisterVersion: big(field(r, 'canisterVersion')), snapshotId: bytes(field(r, 'snapshotId')), takenAt: big(field(r, 'takenAt')), source: r.source === 'uploaded' ? 'uploaded' : 'taken' };
        default:
            throw new CorruptStateError(`Saved replica state is corrupt: unknown change ${kind}`);
    }
}
