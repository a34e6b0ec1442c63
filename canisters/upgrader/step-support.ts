/**
 * What every step shares: the report it gives the driver, the context it runs in, and how its
 * failures are told apart from those that belong to the driver (no cycles to send, a
 * continuation in the IC's cleanup callback, another driver owning the record).
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf } from 'azle';

import { CallFailure, describeError, Failure } from './errors';
import * as ic from './management';
import { markRejected } from './modules';
import { stagedHashes } from './staging';
import type { Execution, UpgradeRequest } from './types';

/** What a step came to: the edge of the flow it took, and what to write on the record. */
export type StepReport<E extends string = string> = {
    edge: E;
    /** What went wrong: logged as step_failed, and the text of the outcome the edge records. */
    note?: string;
    /** The outcome's text, where it says more than the note. */
    text?: string;
    update?: (execution: Execution) => void;
    /**
     * The step cannot go on for lack of cycles (none of its changes made yet): the execution stays
     * at the step, waiting, as when the IC refuses to send a call; `update` still applies.
     */
    wait?: { balance: bigint; required: bigint; reason: string };
};

/** What a step gets besides the record: whether it was resumed, and the fence between calls. */
export type StepContext = {
    /** An earlier driver's call for this step was in flight and never completed here. */
    resumed: boolean;
    /** Throws Fenced when the execution is no longer this driver's. */
    fence: () => void;
    /** The cycles held back now: the freezing reserve and one execution reserve per live execution. */
    reserves: () => bigint;
    /**
     * Fences, then applies `change` to the stored record and writes it now, so that it is
     * committed with the next call (what a step must remember even if that call's reply is lost).
     */
    persist: (change: (execution: Execution) => void) => void;
    /** Whether another execution installs from the upgrader's own chunk store and may be using it now. */
    othersUseStore: () => boolean;
};

/** Thrown by `fence`: another driver (or another execution) owns the record now. */
export class Fenced extends Error {
    override readonly name = 'Fenced';
}

/** Errors a step passes on to the driver instead of turning them into an outcome. */
export function isDriverError(error: unknown): boolean {
    return error instanceof ic.CallNotSent || error instanceof ic.ContinuationCleanup || error instanceof Fenced;
}

export function messageOf(error: unknown): string {
    if (error instanceof CallFailure) return error.message;
    if (error instanceof Failure) return describeError(error.error);
    return error instanceof Error ? error.message : String(error);
}

/** Rethrows what belongs to the driver; otherwise the error is the step's to report. */
export function stepError(error: unknown): string {
    if (isDriverError(error)) throw error;
    return messageOf(error);
}

/**
 * install_chunked_code of the approved upgrade (module, argument, options) into `target` (the app,
 * or its rehearsal copy), from the chunks the execution staged. Returns why it failed, if it did;
 * a hash mismatch marks the module rejected, decided from the reject code and the IC's own words,
 * never from text the app controls.
 */
export async function installApproved(execution: Execution, upgrade: UpgradeRequest, target: Principal): Promise<string | undefined> {
    const part = execution.rollout[0];
    const group = part?.group;
    // A group member's module is staged once, in the upgrader's own store (staging.ts), unless it fell back to its own.
    const fromUpgraderStore = part !== undefined && !part.app_store;
    try {
        await ic.installChunkedUpgrade({
            target,
            store: fromUpgraderStore ? canisterSelf() : undefined,
            chunkHashes: fromUpgraderStore ? stagedHashes(part.group, upgrade.module_hash) : execution.chunk_hashes,
            moduleHash: upgrade.module_hash,
            arg: upgrade.arg,
            skipPreUpgrade: upgrade.options.skip_pre_upgrade,
            wasmMemoryPersistence: upgrade.options.wasm_memory_persistence
        });
        return undefined;
    } catch (error) {
        if (ic.isHashMismatch(error)) markRejected(group ?? execution.app, upgrade.module_hash);
        return stepError(error);
    }
}
