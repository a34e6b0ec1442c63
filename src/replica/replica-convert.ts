/**
 * Conversions between the facade's @dfinity/pic shapes and the management canister's
 * Candid records (settings, upgrade options, canister status), and between the facade's
 * milliseconds and the replica's nanoseconds.
 */
import { IDL } from '@dfinity/candid';
import { CanisterSettings as CandidSettings, ManagementArgs, ManagementResult } from './management/candid.js';
import { CanisterSettings, CanisterStatusResult, UpgradeModeOptions } from './replica-types.js';

/** The Candid encoding of `()`, the default argument of calls and installs. */
export const EMPTY_ARG = new Uint8Array(IDL.encode([], []));

export function opt<T>(value: T | undefined): [] | [T] {
    return value === undefined ? [] : [value];
}

export function toCandidSettings(s: CanisterSettings): CandidSettings {
    const visibility = s.logVisibility;
    return {
        controllers: opt(s.controllers),
        compute_allocation: opt(s.computeAllocation),
        memory_allocation: opt(s.memoryAllocation),
        freezing_threshold: opt(s.freezingThreshold),
        reserved_cycles_limit: opt(s.reservedCyclesLimit),
        log_visibility:
            visibility === undefined ? [] : ['allowedViewers' in visibility ? { allowed_viewers: visibility.allowedViewers } : 'public' in visibility ? { public: null } : { controllers: null }],
        wasm_memory_limit: opt(s.wasmMemoryLimit),
        wasm_memory_threshold: opt(s.wasmMemoryThreshold),
        environment_variables: opt(s.environmentVariables)
    };
}

/** install_code's `upgrade` mode from pic-js's upgrade options (either may be absent). */
export function toCandidUpgradeMode(upgrade: UpgradeModeOptions | undefined): ManagementArgs<'install_code'>['mode'] {
    const persistence = upgrade?.wasm_memory_persistence[0];
    return {
        upgrade: [
            {
                skip_pre_upgrade: upgrade?.skip_pre_upgrade ?? [],
                wasm_memory_persistence: persistence === undefined ? [] : ['keep' in persistence ? { keep: null } : { replace: null }]
            }
        ]
    };
}

export function fromCandidStatus(s: ManagementResult<'canister_status'>): CanisterStatusResult {
    const visibility = s.settings.log_visibility;
    return {
        status: s.status,
        settings: {
            controllers: s.settings.controllers,
            computeAllocation: s.settings.compute_allocation,
            memoryAllocation: s.settings.memory_allocation,
            freezingThreshold: s.settings.freezing_threshold,
            reservedCyclesLimit: s.settings.reserved_cycles_limit,
            logVisibility: 'allowed_viewers' in visibility ? { allowedViewers: visibility.allowed_viewers } : 'public' in visibility ? { public: null } : { controllers: null },
            wasmMemoryLimit: s.settings.wasm_memory_limit,
            wasmMemoryThreshold: s.settings.wasm_memory_threshold,
            environmentVariables: s.settings.environment_variables
        },
        moduleHash: s.module_hash[0] ?? null,
        memorySize: s.memory_size,
        cycles: s.cycles,
        reservedCycles: s.reserved_cycles,
        idleCyclesBurnedPerDay: s.idle_cycles_burned_per_day,
        queryStats: {
            numCallsTotal: s.query_stats.num_calls_total,
            numInstructionsTotal: s.query_stats.num_instructions_total,
            requestPayloadBytesTotal: s.query_stats.request_payload_bytes_total,
            responsePayloadBytesTotal: s.query_stats.response_payload_bytes_total
        }
    };
}

/** Replica time (ns since the epoch) in whole milliseconds, as pic-js's getTime returns it. */
export function nanosToMillis(ns: bigint): number {
    return Number(ns / 1_000_000n);
}

/** A pic-js time (ms since the epoch, or a Date) in nanoseconds, rounded to the millisecond. */
export function millisToNanos(time: Date | number): bigint {
    return BigInt(Math.round(typeof time === 'number' ? time : time.getTime())) * 1_000_000n;
}
