import { execute } from '../engine/execute.js';
import type { ManagementPort } from '../management/port.js';
import type { CodeState } from '../state/canister.js';
import type { SubnetCore } from './core.js';
import { applyEffects, deliver, respond } from './effects.js';

/** The subnet as the management canister sees it (see management/port.ts). */
export function managementPort(core: SubnetCore): ManagementPort {
    return {
        get time() {
            return core.time;
        },
        limits: core.limits,
        cycles: core.cycles,
        stopTimeoutNs: core.stopTimeoutNs,
        maxSnapshots: core.maxSnapshots,
        pageStore: core.pageStore,
        canister: (id) => core.canister(id),
        canisters: core.canisters,
        allocateCanisterId: () => core.allocateCanisterId(),
        addCanister: (canister) => {
            if (core.canisters.has(canister.idText)) throw new Error(`internal: canister ${canister.idText} already exists`);
            core.canisters.set(canister.idText, canister);
        },
        removeCanister: (canister) => {
            if (canister.code !== null) core.pool.release(canister.code);
            core.stopping.delete(canister);
            core.canisters.delete(canister.idText);
        },
        beginStopping: (canister) => void core.stopping.add(canister),
        deliver: (target, result, refund) => deliver(core, target, result, refund),
        respond: (context, result) => respond(core, context, result),
        trapReject: (canister, trap) => core.trapReject(canister, trap),
        releaseInstance: (code) => core.pool.release(code),
        instantiate: (fresh, keepHeapOf) => core.pool.instantiate(fresh, keepHeapOf === null ? null : currentHeapOf(core, keepHeapOf)),
        executeStep: (code, inv, entry, budget) => execute(code, inv, entry, core.pool, { budget, ownTransaction: false }),
        chargeExecution: (canister, instructions) => core.chargeExecution(canister, instructions),
        applyEffects: (canister, inv) => applyEffects(core, canister, inv),
        appendLog: (canister, text) => core.appendLog(canister, text),
        recordInstall: (canister, report) => void core.lastInstalls.set(canister.idText, report),
        randomBytes: () => core.randomBytes()
    };
}

/** The old heap including what pre_upgrade changed (for wasm_memory_persistence = keep). */
function currentHeapOf(core: SubnetCore, old: CodeState) {
    const image = old.heap.clone();
    core.pool.acquire(old).commit(image);
    return image;
}
