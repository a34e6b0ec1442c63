import { Principal } from '@dfinity/principal';
import { memoryUsage } from '../engine/cycles.js';
import { sizeOf } from './snapshots.js';
import { reject, Rejects } from '../reject.js';
import { Canister, Change as InternalChange } from '../state/canister.js';
import { controlledOrSelf, err, Handler, isReject, ok } from './call.js';
import { Change, CodeDeploymentMode, FetchCanisterLogsResult } from './candid.js';
import { definiteSettings } from './settings.js';

export const canister_status: Handler<'canister_status'> = (call, args) => {
    const canister = controlledOrSelf(call, args.canister_id);
    if (isReject(canister)) return err(canister);
    const code = canister.code;
    const snapshotsSize = [...canister.snapshots.values()].reduce((n, s) => n + sizeOf(s), 0n);
    const chunks = [...canister.chunkStore.values()].reduce((n, c) => n + BigInt(c.length), 0n);
    return ok({
        status: canister.status === 'running' ? { running: null } : canister.status === 'stopping' ? { stopping: null } : { stopped: null },
        ready_for_migration: false,
        version: canister.version,
        settings: definiteSettings(canister.settings),
        module_hash: code === null ? [] : [code.module.moduleHash],
        memory_size: memoryUsage(canister),
        memory_metrics: {
            wasm_memory_size: BigInt(code?.heap.sizeBytes ?? 0),
            stable_memory_size: code?.stable.sizeBytes ?? 0n,
            global_memory_size: BigInt((code?.module.info.mutableGlobals.length ?? 0) * 8),
            wasm_binary_size: BigInt(code?.module.wasm.length ?? 0),
            custom_sections_size: BigInt(code?.module.info.customSectionsSize ?? 0),
            canister_history_size: BigInt(canister.history.length * 128),
            wasm_chunk_store_size: chunks,
            snapshots_size: snapshotsSize
        },
        cycles: canister.cycles,
        reserved_cycles: 0n,
        idle_cycles_burned_per_day: call.subnet.cycles.idleBurnPerDay(canister),
        query_stats: {
            num_calls_total: canister.queryStats.calls,
            num_instructions_total: canister.queryStats.instructions,
            request_payload_bytes_total: canister.queryStats.requestBytes,
            response_payload_bytes_total: canister.queryStats.responseBytes
        }
    });
};

export const canister_info: Handler<'canister_info'> = (call, args) => {
    const canister = call.subnet.canister(args.canister_id);
    if (canister === undefined) return err(Rejects.canisterNotFound(args.canister_id.toText()));
    const requested = Number(args.num_requested_changes[0] ?? 0n);
    const recent = requested === 0 ? [] : canister.history.slice(-requested);
    return ok({
        total_num_changes: canister.totalChanges,
        recent_changes: recent.map(toCandidChange),
        module_hash: canister.code === null ? [] : [canister.code.module.moduleHash],
        controllers: canister.settings.controllers
    });
};

export const raw_rand: Handler<'raw_rand'> = (call) => ok(call.subnet.randomBytes());

/** fetch_canister_logs is a query for users; who may read follows log_visibility. */
export function fetchCanisterLogs(canister: Canister, sender: Principal): FetchCanisterLogsResult | ReturnType<typeof reject> {
    const visibility = canister.settings.logVisibility;
    const allowed =
        visibility.kind === 'public' ||
        canister.isController(sender) ||
        (visibility.kind === 'allowed_viewers' && visibility.viewers.some((v) => v.toText() === sender.toText()));
    if (!allowed) return reject('IC0406', `Caller ${sender.toText()} is not allowed to read the logs of canister ${canister.idText}`);
    return { canister_log_records: canister.logs.map((r) => ({ idx: r.idx, timestamp_nanos: r.timestampNanos, content: r.content })) };
}

function toCandidChange(change: InternalChange): Change {
    const origin = change.origin;
    const details = change.details;
    return {
        timestamp_nanos: change.timestampNanos,
        canister_version: change.canisterVersion,
        origin:
            origin.kind === 'user'
                ? { from_user: { user_id: origin.user } }
                : { from_canister: { canister_id: origin.canister, canister_version: origin.version === null ? [] : [origin.version] } },
        details:
            details.kind === 'creation'
                ? { creation: { controllers: details.controllers, environment_variables_hash: [] } }
                : details.kind === 'code_uninstall'
                  ? { code_uninstall: null }
                  : details.kind === 'code_deployment'
                    ? { code_deployment: { mode: deploymentMode(details.mode), module_hash: details.moduleHash } }
                    : details.kind === 'load_snapshot'
                      ? { load_snapshot: { canister_version: details.canisterVersion, snapshot_id: details.snapshotId, taken_at_timestamp: details.takenAt, source: details.source === 'uploaded' ? { metadata_upload: null } : { taken_from_canister: null }, from_canister_id: [] } }
                      : { controllers_change: { controllers: details.controllers } }
    };
}

function deploymentMode(mode: 'install' | 'reinstall' | 'upgrade'): CodeDeploymentMode {
    if (mode === 'install') return { install: null };
    if (mode === 'reinstall') return { reinstall: null };
    return { upgrade: null };
}
