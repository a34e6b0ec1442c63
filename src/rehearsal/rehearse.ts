/**
 * The offline rehearsal of an upgrade: the app's live state in a fresh embedded replica under
 * its own id and controllers, then (1) an upgrade to the new module (the old module's
 * pre_upgrade, the new one's post_upgrade), (2) the same upgrade again (the new module's
 * pre_upgrade and post_upgrade: can the new version itself be upgraded?), (3) the health check.
 * Nothing touches the app itself.
 */
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { DEFAULT_INSTRUCTION_LIMITS, MAX_STABLE_PAGES, Replica, WASM_PAGE_BYTES } from '../replica/index.js';
import type { InstallReport, InstructionLimits } from '../replica/index.js';
import { toHex } from '../encoding/hex.js';
import type { AppState } from './app-state.js';
import { loadAppState } from './load.js';
import { failuresOf, HookFigures, HookModule, percent, RehearsalReport, StepName, StepReport } from './report.js';

export interface RehearsalOptions {
    app: AppState;
    /** The module to rehearse (raw or gzipped), as it would be installed. */
    newModule: Uint8Array;
    /** The Candid-encoded upgrade argument. Default: `()`. */
    arg?: Uint8Array;
    /** The health check method, `() -> (bool)`, or null for none. */
    healthCheck?: string | null;
    /** Who calls the health check (the upgrader, when the app is registered). Default: the app's first controller. */
    healthCaller?: Principal;
    /** A hook above this percent of its instruction limit fails the rehearsal. Default: 50. */
    maxSharePercent?: number;
    /** The replica's instruction limits. Default: the IC's; only tests scale them down. */
    instructionLimits?: Partial<InstructionLimits>;
}

export const DEFAULT_MAX_SHARE_PERCENT = 50;

/** The IC's Wasm heap limit for 32-bit canisters when no wasm_memory_limit is set: 4 GiB. */
const WASM32_HEAP_LIMIT_BYTES = 4n * 1024n * 1024n * 1024n;
const STABLE_LIMIT_BYTES = MAX_STABLE_PAGES * BigInt(WASM_PAGE_BYTES);
const EMPTY_ARG = new Uint8Array(IDL.encode([], []));

export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
    const limits: InstructionLimits = { ...DEFAULT_INSTRUCTION_LIMITS, ...options.instructionLimits };
    const maxSharePercent = options.maxSharePercent ?? DEFAULT_MAX_SHARE_PERCENT;
    const replica = await Replica.create({ instructionLimits: limits });
    try {
        const operator = await loadAppState(replica, options.app);
        const context: StepContext = { replica, canisterId: options.app.canisterId, operator, wasm: options.newModule, arg: options.arg ?? EMPTY_ARG, limits };
        const steps: StepReport[] = [];
        steps.push(await upgradeStep(context, 'upgrade', 'old'));
        steps.push(steps[0]!.status === 'passed' ? await upgradeStep(context, 'upgrade_again', 'new') : skipped('upgrade_again', 'the first upgrade failed'));
        const healthCheck = options.healthCheck ?? null;
        steps.push(
            steps[1]!.status !== 'passed'
                ? skipped('health_check', 'an upgrade failed')
                : healthCheck === null
                  ? skipped('health_check', 'no health check: the app is not registered with an upgrader that names one, and --health was not given')
                  : await healthStep(context, healthCheck, options.healthCaller ?? operator)
        );
        const failures = failuresOf(steps, maxSharePercent);
        return {
            canisterId: options.app.canisterId.toText(),
            oldModuleHash: sha256Hex(options.app.snapshot.parts.wasm_module),
            newModuleHash: sha256Hex(options.newModule),
            limits: { upgradeInstructions: limits.install, messageInstructions: limits.update },
            maxSharePercent,
            steps,
            failures,
            passed: failures.length === 0
        };
    } finally {
        await replica.tearDown();
    }
}

interface StepContext {
    replica: Replica;
    canisterId: Principal;
    operator: Principal;
    wasm: Uint8Array;
    arg: Uint8Array;
    limits: InstructionLimits;
}

/** One install_code upgrade and what the replica measured of it. */
async function upgradeStep(c: StepContext, step: StepName, preUpgradeModule: HookModule): Promise<StepReport> {
    const status = await c.replica.canisterStatus({ canisterId: c.canisterId, sender: c.operator });
    const heapLimit = status.settings.wasmMemoryLimit > 0n ? status.settings.wasmMemoryLimit : WASM32_HEAP_LIMIT_BYTES;
    const previous = c.replica.lastInstall(c.canisterId);
    let error: string | null = null;
    try {
        await c.replica.upgradeCanister({ canisterId: c.canisterId, wasm: c.wasm, arg: c.arg, sender: c.operator });
    } catch (e) {
        error = e instanceof Error ? e.message : String(e);
    }
    const install = c.replica.lastInstall(c.canisterId);
    if (install === undefined || install === previous) {
        // Refused before any code ran (an invalid module, for one).
        return { step, status: 'failed', detail: error ?? 'the upgrade ran no code', hooks: [], totalInstructions: null, totalPercentOfUpgradeLimit: null, heap: null, stable: null };
    }
    return {
        step,
        status: install.succeeded ? 'passed' : 'failed',
        detail: install.failure ?? (install.succeeded ? null : error),
        hooks: hooksOf(install, preUpgradeModule, c.limits),
        totalInstructions: install.totalInstructions,
        totalPercentOfUpgradeLimit: percent(install.totalInstructions, install.instructionLimit),
        heap: { before: install.heapBytesBefore, after: install.heapBytesAfter, limit: heapLimit },
        stable: { before: install.stableBytesBefore, after: install.stableBytesAfter, limit: STABLE_LIMIT_BYTES }
    };
}

function hooksOf(install: InstallReport, preUpgradeModule: HookModule, limits: InstructionLimits): HookFigures[] {
    return install.steps.map((s) => ({
        hook: s.entry === 'canister_pre_upgrade' ? 'pre_upgrade' : s.entry === 'start' ? 'start' : 'post_upgrade',
        module: s.entry === 'canister_pre_upgrade' ? preUpgradeModule : 'new',
        instructions: s.instructions,
        percentOfUpgradeLimit: percent(s.instructions, limits.install),
        percentOfMessageLimit: percent(s.instructions, limits.update),
        trap: s.trap
    }));
}

/** Calls the health check as an update, as the upgrader does: it passes only on `true`. */
async function healthStep(c: StepContext, method: string, caller: Principal): Promise<StepReport> {
    const base = { step: 'health_check' as const, hooks: [], totalInstructions: null, totalPercentOfUpgradeLimit: null, heap: null, stable: null };
    try {
        const reply = await c.replica.updateCall({ canisterId: c.canisterId, method, arg: EMPTY_ARG, sender: caller });
        const [answer] = IDL.decode([IDL.Bool], reply);
        return answer === true ? { ...base, status: 'passed', detail: null } : { ...base, status: 'failed', detail: `${method} answered false` };
    } catch (e) {
        return { ...base, status: 'failed', detail: `${method}: ${e instanceof Error ? e.message : String(e)}` };
    }
}

function skipped(step: StepName, why: string): StepReport {
    return { step, status: 'skipped', detail: why, hooks: [], totalInstructions: null, totalPercentOfUpgradeLimit: null, heap: null, stable: null };
}

function sha256Hex(bytes: Uint8Array): string {
    return toHex(new Uint8Array(createHash('sha256').update(bytes).digest()));
}
