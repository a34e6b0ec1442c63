import { Principal } from '@dfinity/principal';
import { ContextKind } from '../engine/contexts.js';
import { commitExecution, execute, ExecutionOutcome } from '../engine/execute.js';
import { Invocation } from '../engine/invocation.js';
import { TrapError } from '../engine/trap.js';
import { StableMemory } from '../memory/stable-memory.js';
import { reject, Reject } from '../reject.js';
import { Canister, ChangeOrigin, CodeState, newCodeState } from '../state/canister.js';
import type { Subnet } from '../subnet.js';
import { PreparedModule } from '../wasm/index.js';
import { recordChange } from './history.js';

export interface UpgradeOptions {
    skipPreUpgrade: boolean;
    /** null when the caller did not say. */
    wasmMemoryPersistence: 'keep' | 'replace' | null;
}

export type DeployMode = { kind: 'install' } | { kind: 'reinstall' } | ({ kind: 'upgrade' } & UpgradeOptions);

interface Step {
    kind: ContextKind;
    entry: string;
    code: CodeState;
    arg?: Uint8Array;
}

const EOP_SECTION = 'enhanced-orthogonal-persistence';

/**
 * install_code and install_chunked_code after their checks: runs start and init (or
 * pre_upgrade, start and post_upgrade) as one atomic transaction within the install
 * instruction limit. On any trap the canister is left exactly as it was.
 */
export function deploy(subnet: Subnet, canister: Canister, module: PreparedModule, arg: Uint8Array, mode: DeployMode, caller: Principal, origin: ChangeOrigin): Reject | null {
    const old = canister.code;
    if (mode.kind === 'install' && old !== null) {
        return reject('IC0514', `Canister ${canister.idText} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.`);
    }
    if (mode.kind === 'upgrade') {
        if (old === null) return reject('IC0537', `Error from Canister ${canister.idText}: Attempted to upgrade a canister that has no Wasm module. Install it first.`);
        const persistenceProblem = checkPersistence(old.module, module, mode.wasmMemoryPersistence);
        if (persistenceProblem !== null) return reject('IC0504', `Error from Canister ${canister.idText}: ${persistenceProblem}`);
    }

    const upgrading = mode.kind === 'upgrade' ? mode : null;
    const stable = upgrading !== null ? old!.stable : new StableMemory();
    const fresh = newCodeState(module);
    fresh.stable = stable;
    stable.begin();

    let used = 0n;
    let failure: TrapError | null = null;
    const effects: Invocation[] = [];
    const run = (step: Step): boolean => {
        const inv = new Invocation({ kind: step.kind, canister, caller, arg: step.arg, time: subnet.time, limit: subnet.limits.install });
        const outcome: ExecutionOutcome = execute(step.code, inv, { kind: 'export', name: step.entry }, subnet.pool, {
            budget: subnet.limits.install - used,
            ownTransaction: false
        });
        used += outcome.instructions;
        if (outcome.trap !== null) {
            failure = outcome.trap;
            return false;
        }
        effects.push(inv);
        return true;
    };

    let ok = true;
    if (upgrading !== null && !upgrading.skipPreUpgrade && old!.module.info.hasPreUpgrade) {
        ok = run({ kind: 'G', entry: 'canister_pre_upgrade', code: old! });
    }
    if (ok) {
        const keep = upgrading?.wasmMemoryPersistence === 'keep';
        const live = subnet.pool.instantiate(fresh, keep ? currentHeapOf(subnet, old!) : null);
        // post_upgrade and init already see the version the deployment will have.
        canister.version++;
        if (module.info.hasStart) ok = run({ kind: 's', entry: '__replica_start', code: fresh });
        if (ok) {
            const entry = upgrading !== null ? 'canister_post_upgrade' : 'canister_init';
            const exported = upgrading !== null ? module.info.hasPostUpgrade : module.info.hasInit;
            if (exported) ok = run({ kind: 'I', entry, code: fresh, arg });
        }
        if (ok) {
            const limit = canister.settings.wasmMemoryLimit;
            const heapBytes = BigInt(live.logicalBytes);
            if (limit > 0n && heapBytes > limit) {
                failure = TrapError.wasmMemoryLimit(limit, heapBytes);
                ok = false;
            }
        }
        if (!ok) canister.version--;
    }

    canister.cycles -= subnet.cycles.executionCost(used);
    if (canister.cycles < 0n) canister.cycles = 0n;
    if (!ok) {
        stable.rollback();
        subnet.pool.release(fresh);
        // pre_upgrade may have changed the old heap: drop its instance so it is restored from the committed image.
        if (old !== null) subnet.pool.release(old);
        const trap = failure as TrapError | null;
        if (trap !== null) subnet.appendLog(canister, `[TRAP]: ${trap.detail}`);
        return trap === null ? reject('IC0502', `Error from Canister ${canister.idText}: installation failed`) : subnet.trapReject(canister, trap);
    }

    commitExecution(fresh, subnet.pool);
    if (old !== null) subnet.pool.release(old);
    canister.code = fresh;
    if (mode.kind !== 'upgrade') {
        canister.certifiedData = new Uint8Array(0);
        canister.logs = [];
    }
    canister.globalTimer = 0n;
    for (const inv of effects) {
        if (inv.certifiedData !== null) canister.certifiedData = inv.certifiedData;
        if (inv.globalTimer !== null) canister.globalTimer = inv.globalTimer;
        canister.cycles += inv.cyclesAccepted - inv.cyclesBurned;
        for (const print of inv.debugPrints) subnet.appendLog(canister, print);
    }
    recordChange(canister, subnet.time, origin, { kind: 'code_deployment', mode: mode.kind, moduleHash: module.moduleHash });
    return null;
}

/** The old heap including what pre_upgrade changed (for wasm_memory_persistence = keep). */
function currentHeapOf(subnet: Subnet, old: CodeState) {
    const image = old.heap.clone();
    subnet.pool.acquire(old).commit(image);
    return image;
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
