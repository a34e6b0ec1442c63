import { Principal } from '@dfinity/principal';
import { MAX_CONTROLLERS } from '../constants.js';
import { reject, Reject } from '../reject.js';
import { Canister, CanisterSettings as Settings, LogVisibility } from '../state/canister.js';
import { CanisterSettings, DefiniteCanisterSettings, LogVisibility as CandidLogVisibility } from './candid.js';

/** Checks the settings a caller asks for; returns the reject that refuses them, or null. */
export function validateSettings(settings: CanisterSettings, canister: Canister | null): Reject | null {
    const controllers = settings.controllers[0];
    if (controllers !== undefined && controllers.length > MAX_CONTROLLERS) {
        return reject('IC0504', `Invalid settings: at most ${MAX_CONTROLLERS} controllers are allowed, ${controllers.length} were given`);
    }
    const compute = settings.compute_allocation[0];
    if (compute !== undefined && compute > 100n) {
        return reject('IC0504', `Invalid settings: compute_allocation must be between 0 and 100, got ${compute}`);
    }
    const limit = settings.wasm_memory_limit[0];
    if (limit !== undefined && limit > 2n ** 48n - 1n) return reject('IC0504', `Invalid settings: wasm_memory_limit must be below 2^48, got ${limit}`);
    if (limit !== undefined && limit > 0n && canister?.code && BigInt(canister.code.heap.sizeBytes) > limit) {
        return reject('IC0539', `Invalid settings: wasm_memory_limit ${limit} is below the canister's current Wasm memory usage of ${canister.code.heap.sizeBytes} bytes`);
    }
    const names = settings.environment_variables[0]?.map((v) => v.name) ?? [];
    if (new Set(names).size !== names.length) return reject('IC0504', 'Invalid settings: environment variable names must be unique');
    return null;
}

/** Applies the fields that are present. */
export function applySettings(target: Settings, settings: CanisterSettings): void {
    if (settings.controllers[0] !== undefined) target.controllers = dedupe(settings.controllers[0]);
    if (settings.compute_allocation[0] !== undefined) target.computeAllocation = settings.compute_allocation[0];
    if (settings.memory_allocation[0] !== undefined) target.memoryAllocation = settings.memory_allocation[0];
    if (settings.freezing_threshold[0] !== undefined) target.freezingThreshold = settings.freezing_threshold[0];
    if (settings.reserved_cycles_limit[0] !== undefined) target.reservedCyclesLimit = settings.reserved_cycles_limit[0];
    if (settings.log_visibility[0] !== undefined) target.logVisibility = fromCandidVisibility(settings.log_visibility[0]);
    if (settings.wasm_memory_limit[0] !== undefined) target.wasmMemoryLimit = settings.wasm_memory_limit[0];
    if (settings.wasm_memory_threshold[0] !== undefined) target.wasmMemoryThreshold = settings.wasm_memory_threshold[0];
    if (settings.environment_variables[0] !== undefined) target.environmentVariables = settings.environment_variables[0].map((v) => ({ ...v }));
}

export function definiteSettings(settings: Settings): DefiniteCanisterSettings {
    return {
        controllers: settings.controllers,
        compute_allocation: settings.computeAllocation,
        memory_allocation: settings.memoryAllocation,
        freezing_threshold: settings.freezingThreshold,
        reserved_cycles_limit: settings.reservedCyclesLimit,
        log_visibility: toCandidVisibility(settings.logVisibility),
        wasm_memory_limit: settings.wasmMemoryLimit,
        wasm_memory_threshold: settings.wasmMemoryThreshold,
        environment_variables: settings.environmentVariables
    };
}

function fromCandidVisibility(v: CandidLogVisibility): LogVisibility {
    if ('controllers' in v) return { kind: 'controllers' };
    if ('public' in v) return { kind: 'public' };
    return { kind: 'allowed_viewers', viewers: v.allowed_viewers };
}

function toCandidVisibility(v: LogVisibility): CandidLogVisibility {
    if (v.kind === 'controllers') return { controllers: null };
    if (v.kind === 'public') return { public: null };
    return { allowed_viewers: v.viewers };
}

function dedupe(principals: Principal[]): Principal[] {
    const seen = new Set<string>();
    return principals.filter((p) => !seen.has(p.toText()) && (seen.add(p.toText()), true));
}
