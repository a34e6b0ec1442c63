import { Principal } from '@dfinity/principal';
import type { ContextKind } from '../engine/contexts.js';
import { Invocation } from '../engine/invocation.js';
import type { LiveInstance } from '../engine/live-instance.js';
import { TrapError } from '../engine/trap.js';
import { StableMemory } from '../memory/stable-memory.js';
import { reject, Reject } from '../reject.js';
import { Canister, ChangeOrigin, CodeState, newCodeState } from '../state/canister.js';
import { PreparedModule } from '../wasm/index.js';
import { recordChange } from './history.js';
import type { InstallEntry, InstallStepReport } from './install-report.js';
import type { ManagementPort } from './port.js';

export interface UpgradeOptions {
    skipPreUpgrade: boolean;
    /** null when the caller did not say. */
    wasmMemoryPersistence: 'keep' | 'replace' | null;
}

export type DeployMode = { kind: 'install' } | { kind: 'reinstall' } | ({ kind: 'upgrade' } & UpgradeOptions);

const EOP_SECTION = 'enhanced-orthogonal-persistence';

/** One deployment in progress: what it installs, and what its steps produced so far. */
interface Deployment {
    readonly port: ManagementPort;
    readonly canister: Canister;
    readonly module: PreparedModule;
    readonly arg: Uint8Array;
    readonly caller: Principal;
    /** The upgrade options, or null for install and reinstall. */
    readonly upgrade: UpgradeOptions | null;
    /** The code being replaced, or null for an empty canister. */
    readonly old: CodeState | null;
    readonly fresh: CodeState;
    live: LiveInstance | null;
    /** Instructions used by all steps together, within the install limit. */
    used: bigint;
    /** The invocations that returned, whose effects are applied if the whole cascade succeeds. */
    readonly done: Invocation[];
    /** What each executed entry point used, for the install report. */
    readonly measured: InstallStepReport[];
    /** Stable memory size before the cascade (pre_upgrade may grow the very memory the new code keeps). */
    readonly stableBytesBefore: bigint;
}

/** One step of the cascade: when it runs, what it does, and what undoing it takes. */
interface Step {
    readonly step: string;
    readonly runs: (d: Deployment) => boolean;
    /** Does the step; returns the trap that fails the deployment, or null to go on. */
    readonly call: (d: Deployment) => TrapError | null;
    /** Undoes the step when a later one fails (steps that only execute code need nothing: memory is rolled back as a whole). */
    readonly undo?: (d: Deployment) => void;
}

const always = (): boolean => true;

/**
 * The cascade of install_code (spec §2.1), in order. On success each step goes on to the
 * next, and after the last the deployment commits (`commit`); on a failure the steps done
 * are undone in reverse and the canister is left exactly as it was (`rollback`).
 */
const CASCADE: readonly Step[] = [
    {
        step: 'canister_pre_upgrade, on the old code',
        runs: (d) => d.upgrade !== null && !d.upgrade.skipPreUpgrade && d.old!.module.info.hasPreUpgrade,
        call: (d) => execute(d, 'G', 'canister_pre_upgrade', d.old!, 'canister_pre_upgrade')
    },
    {
        step: 'a new instance (with the old heap for wasm_memory_persistence = keep); the version moves on',
        runs: always,
        call: (d) => {
            d.live = d.port.instantiate(d.fresh, d.upgrade?.wasmMemoryPersistence === 'keep' ? d.old : null);
            // post_upgrade and init already see the version the deployment will have.
            d.canister.version++;
            return null;
        },
        undo: (d) => void d.canister.version--
    },
    { step: 'the Wasm start function', runs: (d) => d.module.info.hasStart, call: (d) => execute(d, 's', '__replica_start', d.fresh, 'start') },
    { step: 'canister_init', runs: (d) => d.upgrade === null && d.module.info.hasInit, call: (d) => execute(d, 'I', 'canister_init', d.fresh, 'canister_init', d.arg) },
    { step: 'canister_post_upgrade', runs: (d) => d.upgrade !== null && d.module.info.hasPostUpgrade, call: (d) => execute(d, 'I', 'canister_post_upgrade', d.fresh, 'canister_post_upgrade', d.arg) },
    {
        step: 'the heap within wasm_memory_limit',
        runs: (d) => d.canister.settings.wasmMemoryLimit > 0n,
        call: (d) => {
            const limit = d.canister.settings.wasmMemoryLimit;
            const heapBytes = BigInt(d.live!.logicalBytes);
            return heapBytes > limit ? TrapError.wasmMemoryLimit(limit, heapBytes) : null;
        }
    }
];

/** Runs one entry point as part of the deployment's transaction, within what is left of the install limit. */
function execute(d: Deployment, kind: ContextKind, entry: string, code: CodeState, step: InstallEntry, arg?: Uint8Array): TrapError | null {
    const inv = new Invocation({ kind, canister: d.canister, caller: d.caller, arg, time: d.port.time, limit: d.port.limits.install });
    const outcome = d.port.executeStep(code, inv, { kind: 'export', name: entry }, d.port.limits.install - d.used);
    d.used += outcome.instructions;
    d.measured.push({ entry: step, instructions: outcome.instructions, trap: outcome.trap?.detail ?? null });
    if (outcome.trap === null) d.done.push(inv);
    return outcome.trap;
}

/**
 * install_code and install_chunked_code after their checks: runs the cascade as one atomic
 * transaction within the install instruction limit. On any trap the canister is left
 * exactly as it was, except for the cycles the executions used.
 */
export function deploy(port: ManagementPort, canister: Canister, module: PreparedModule, arg: Uint8Array, mode: DeployMode, caller: Principal, origin: ChangeOrigin): Reject | null {
    const old = canister.code;
    if (mode.kind === 'install' && old !== null) {
        return reject('IC0514', `Canister ${canister.idText} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.`);
    }
    if (mode.kind === 'upgrade') {
        if (old === null) return reject('IC0537', `Error from Canister ${canister.idText}: Attempted to upgrade a canister that has no Wasm module. Install it first.`);
        const persistenceProblem = checkPersistence(old.module, module, mode.wasmMemoryPersistence);
        if (persistenceProblem !== null) return reject('IC0504', `Error from Canister ${canister.idText}: ${persistenceProblem}`);
    }
    const upgrade = mode.kind === 'upgrade' ? mode : null;
    const stableBytesBefore = old?.stable.sizeBytes ?? 0n;
    const fresh = newCodeState(module);
    fresh.stable = upgrade !== null ? old!.stable : new StableMemory();
    fresh.stable.begin();
    const d: Deployment = { port, canister, module, arg, caller, upgrade, old, fresh, live: null, used: 0n, done: [], measured: [], stableBytesBefore };

    const steps = CASCADE.filter((s) => s.runs(d));
    for (const [i, step] of steps.entries()) {
        const trap = step.call(d);
        if (trap === null) continue;
        for (const done of steps.slice(0, i).reverse()) done.undo?.(d);
        report(d, mode, trap.detail);
        return rollback(d, trap);
    }
    report(d, mode, null);
    commit(d, mode, origin);
    return null;
}

/** Hands the port what the cascade measured (see install-report.ts): before commit or rollback, while both memories are known. */
function report(d: Deployment, mode: DeployMode, failure: string | null): void {
    const heapBefore = BigInt(d.old?.heap.sizeBytes ?? 0);
    d.port.recordInstall(d.canister, {
        mode: mode.kind,
        time: d.port.time,
        succeeded: failure === null,
        steps: d.measured,
        totalInstructions: d.used,
        instructionLimit: d.port.limits.install,
        failure,
        heapBytesBefore: heapBefore,
        heapBytesAfter: failure === null ? BigInt(d.live!.logicalBytes) : heapBefore,
        stableBytesBefore: d.stableBytesBefore,
        stableBytesAfter: failure === null ? d.fresh.stable.sizeBytes : d.stableBytesBefore
    });
}

/** The cascade failed: memories go back, instances are dropped, the trap is logged and answered. */
function rollback(d: Deployment, trap: TrapError): Reject {
    const { port, canister } = d;
    port.chargeExecution(canister, d.used);
    d.fresh.stable.rollback();
    port.releaseInstance(d.fresh);
    // pre_upgrade may have changed the old heap: drop its instance so it is restored from the committed image.
    if (d.old !== null) port.releaseInstance(d.old);
    port.appendLog(canister, `[TRAP]: ${trap.detail}`);
    return port.trapReject(canister, trap);
}

/** The cascade succeeded: the new code replaces the old, then every step's effects apply, in order. */
function commit(d: Deployment, mode: DeployMode, origin: ChangeOrigin): void {
    const { port, canister, fresh } = d;
    port.chargeExecution(canister, d.used);
    d.live!.commit(fresh.heap);
    fresh.stable.commit();
    if (d.old !== null) port.releaseInstance(d.old);
    canister.code = fresh;
    if (mode.kind !== 'upgrade') {
        canister.certifiedData = new Uint8Array(0);
        canister.logs = [];
    }
    canister.globalTimer = 0n;
    for (const inv of d.done) port.applyEffects(canister, inv);
    recordChange(canister, port.time, origin, { kind: 'code_deployment', mode: mode.kind, moduleHash: d.module.moduleHash });
}

/** Enhanced orthogonal persistence (Motoko) needs the persistence option, and keep needs it on both sides. */
function checkPersistence(oldModule: PreparedModule, newModule: PreparedModule, persistence: 'keep' | 'replace' | null): string | null {
    const oldUsesEop = oldModule.info.privateCustomSections.has(EOP_SECTION) || oldModule.info.publicCustomSections.has(EOP_SECTION);
    const newUsesEop = newModule.info.privateCustomSections.has(EOP_SECTION) || newModule.info.publicCustomSections.has(EOP_SECTION);
    if (oldUsesEop && persistence === null) {
        return 'Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option.';
    }
    if (persistence === 'keep' && !newUsesEop) {
        return 'Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option requires that the new canister module supports enhanced orthogonal persistence.';
    }
    return null;
}
