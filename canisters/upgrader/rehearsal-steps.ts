/**
 * The steps of a rehearsal (their order is flow.ts's; README "Rehearsal"): before the app is
 * stopped, the upgrader creates a canister of its own, copies a fresh snapshot of the running app
 * into it slice by slice, loads it, upgrades the copy to the approved module with the approved
 * argument and options, runs the health check on it, then stops and deletes it. The app itself is
 * only ever read (its snapshot); a failure anywhere ends the proposal `rehearsal_failed`.
 *
 * Every step is safe to run again after a lost reply or a trapping continuation: the copy's
 * uploads write the same bytes at the same place, a load or a stop repeated changes nothing, a
 * resumed install first asks whether the copy already runs the module, a resumed snapshot uses
 * the snapshot its lost call took, and a copy found gone when deleting counts as deleted. The one
 * call that cannot be made idempotent is create_canister (a lost reply leaves a canister nobody
 * can name): resumed creations are counted and bounded (MAX_REHEARSAL_CREATIONS).
 */
import type { Principal } from '@dfinity/principal';
import { canisterCycleBalance } from 'azle';

import { takeTrackedSnapshot } from './app-snapshot';
import { findApp, governing } from './apps';
import { audit } from './audit';
import { CHUNK_BYTES, MAX_REHEARSAL_CREATIONS, MAX_REHEARSAL_STATE_BYTES, MAX_START_RETRIES, rehearsalCycles, rehearsalPricedBytes } from './limits';
import { CallFailure } from './errors';
import type { EdgeOf } from './flow';
import * as ic from './management';
import { findProposal, saveProposal } from './proposals';
import { creditOf, debitCredit, refundCredit } from './rehearsal-credit';
import { copyBytes, sliceAt, sliceCount } from './rehearsal-slices';
import { chargesForRehearsals } from './settings';
import { bytesEqual, toHex } from './serde';
import { installApproved, type StepContext, type StepReport, stepError } from './step-support';
import type { Execution, Outcome, Rehearsal, RehearsalCopy, RehearsalReport, UpgradeRequest } from './types';

type Failed = StepReport<'failed'>;

const UNTOUCHED = 'the app was not stopped nor changed';

function failed(what: string): Failed {
    return { edge: 'failed', note: `rehearsal: ${what}; ${UNTOUCHED}` };
}

function rehearsalOf(execution: Execution): Rehearsal {
    const rehearsal = execution.rehearsal[0];
    if (rehearsal === undefined) throw new Error('this execution has no rehearsal');
    return rehearsal;
}

function upgradeOf(execution: Execution): UpgradeRequest {
    if (!('upgrade' in execution.kind)) throw new Error('only an upgrade is rehearsed');
    return execution.kind.upgrade;
}

function copyCanister(execution: Execution): Principal {
    const canister = rehearsalOf(execution).report.canister[0];
    if (canister === undefined) throw new Error('the rehearsal canister was not created');
    return canister;
}

function copyOf(execution: Execution): RehearsalCopy {
    const copy = rehearsalOf(execution).copy[0];
    if (copy === undefined) throw new Error('no snapshot of the app was taken for the rehearsal');
    return copy;
}

/** Changes the record's rehearsal (the record the driver applies the report to). */
function withRehearsal(change: (rehearsal: Rehearsal) => void): (execution: Execution) => void {
    return (execution) => {
        const rehearsal = execution.rehearsal[0];
        if (rehearsal !== undefined) change(rehearsal);
    };
}

/** A fresh rehearsal, set by `check` when the policy asks for one. */
export function newRehearsal(): Rehearsal {
    return { report: { canister: [], state_bytes: 0n, cycles: 0n, result: [] }, creations: 0, copy: [] };
}

/**
 * rehearsal_create: prices the rehearsal on the app's memory (canister_status), waits while the
 * app's rehearsal credit (in a charging deployment) or the balance on top of the reserves is short
 * of it, then creates the copy's canister with the cycles it may spend attached.
 *
 * Each create_canister is counted on the record before it is sent (committed with the call), so a
 * reply lost any number of times still counts; the price is taken from the credit with the first
 * one only, in the same commit: a resumed creation never pays twice.
 */
export async function rehearsalCreate(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'rehearsal_create'>>> {
    const rehearsal = rehearsalOf(execution);
    if (rehearsal.report.canister.length > 0) return { edge: 'ok' };
    // Every creation sent so far may have created a canister whose id never came back.
    if (rehearsal.creations >= MAX_REHEARSAL_CREATIONS) {
        return failed(`create_canister's reply was lost ${rehearsal.creations} times; each may have left a canister behind, so the upgrader stops trying`);
    }
    let status: ic.CanisterStatus;
    try {
        status = await ic.canisterStatus(execution.app);
    } catch (error) {
        return failed(`canister_status of the app failed: ${stepError(error)}`);
    }
    context.fence();
    const metrics = status.memory_metrics;
    const stateBytes = metrics.wasm_memory_size + metrics.stable_memory_size + metrics.wasm_binary_size + metrics.wasm_chunk_store_size;
    if (stateBytes > MAX_REHEARSAL_STATE_BYTES) {
        return failed(`the app holds ${stateBytes} bytes, more than the ${MAX_REHEARSAL_STATE_BYTES} a rehearsal copies; turn rehearse off in its snapshot policy to upgrade it`);
    }
    const priced = rehearsalPricedBytes(stateBytes);
    const cycles = rehearsalCycles(priced);
    const price = withRehearsal((r) => {
        r.report.state_bytes = priced;
        r.report.cycles = cycles.canister;
    });
    // Paid from the app's credit once, with the first creation; a free deployment's balance pays.
    const charge = rehearsal.creations === 0 && chargesForRehearsals() ? cycles.total : 0n;
    const credit = creditOf(execution.app);
    if (credit < charge) {
        const reason = `the app's rehearsal credit is ${credit} cycles and this rehearsal of up to ${priced} bytes of app state costs ${charge}: call fund_rehearsals(${execution.app.toText()}) with at least ${charge - credit} cycles`;
        return { edge: 'ok', wait: { balance: credit, required: charge, reason }, update: price };
    }
    const required = context.reserves() + cycles.total;
    const balance = canisterCycleBalance();
    if (balance < required) {
        // Nothing was created nor paid: waits (and resumes while waiting) never add up to a failure.
        const reason = `the upgrader holds ${balance} cycles and needs ${required} to rehearse this upgrade (${cycles.total} for the rehearsal of up to ${priced} bytes of app state, the rest in reserve): top it up with deposit_cycles`;
        return { edge: 'ok', wait: { balance, required, reason }, update: price };
    }
    const creations = rehearsal.creations;
    context.persist((e) => {
        price(e);
        withRehearsal((r) => (r.creations = creations + 1))(e);
        if (charge > 0n) debitCredit(execution.app, charge);
    });
    let canister: Principal;
    try {
        canister = await ic.createCanister(cycles.canister);
    } catch (error) {
        // Not sent (same message), or rejected (the IC returns the attached cycles): nothing was created, so nothing is counted nor paid.
        const rejected = error instanceof CallFailure && error.rejectCode >= 1 && error.rejectCode <= 5;
        if (error instanceof ic.CallNotSent || rejected) {
            context.persist((e) => {
                withRehearsal((r) => (r.creations = creations))(e);
                if (charge > 0n) refundCredit(execution.app, charge);
            });
        }
        return failed(`create_canister failed: ${stepError(error)}`);
    }
    return { edge: 'ok', update: withRehearsal((r) => (r.report.canister = [canister])) };
}

/** rehearsal_snapshot: a snapshot of the running app, tracked like the upgrader's others (its `keep`). */
export async function rehearsalSnapshot(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'rehearsal_snapshot'>>> {
    let id: Uint8Array;
    try {
        id = await takeTrackedSnapshot(execution, context, true);
    } catch (error) {
        return failed(`taking a snapshot of the app failed: ${stepError(error)}`);
    }
    const copy: RehearsalCopy = { source: id, target: [], wasm_module_size: 0n, wasm_memory_size: 0n, stable_memory_size: 0n, chunks: [] };
    return { edge: 'ok', update: withRehearsal((r) => (r.copy = [copy])) };
}

/** rehearsal_metadata: reads the snapshot's metadata and creates the copy's snapshot with it. */
export async function rehearsalMetadata(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'rehearsal_metadata'>>> {
    const copy = copyOf(execution);
    const canister = copyCanister(execution);
    let metadata: ic.SnapshotMetadata;
    try {
        metadata = await ic.readSnapshotMetadata(execution.app, copy.source);
    } catch (error) {
        return failed(`reading the app's snapshot metadata failed: ${stepError(error)}`);
    }
    context.fence();
    const sized: RehearsalCopy = {
        ...copy,
        wasm_module_size: metadata.wasm_module_size,
        wasm_memory_size: metadata.wasm_memory_size,
        stable_memory_size: metadata.stable_memory_size,
        chunks: metadata.wasm_chunk_store.map((c) => Uint8Array.from(c.hash))
    };
    const bytes = copyBytes(sized, CHUNK_BYTES);
    const priced = rehearsalOf(execution).report.state_bytes;
    if (bytes > priced) return failed(`the app's snapshot holds ${bytes} bytes, more than the ${priced} its cycles were checked for (it grew meanwhile); propose the upgrade again`);
    let target: Uint8Array;
    try {
        target = await ic.uploadSnapshotMetadata(canister, metadata);
    } catch (error) {
        return failed(`uploading the snapshot metadata to the rehearsal canister failed: ${stepError(error)}`);
    }
    return { edge: 'ok', update: withRehearsal((r) => (r.copy = [{ ...sized, target: [target] }])) };
}

/** rehearsal_copy(i): slice i of the snapshot (at most 2,000,000 bytes), read from the app and uploaded to the copy. */
export async function rehearsalCopy(execution: Execution, context: StepContext, index: number): Promise<StepReport<EdgeOf<'rehearsal_copy'>>> {
    const copy = copyOf(execution);
    const target = copy.target[0];
    if (target === undefined) throw new Error('the rehearsal snapshot has no metadata yet');
    const slice = sliceAt(copy, index);
    if (slice === undefined) return { edge: 'ok' };
    const where = slice.part === 'wasm_chunk' ? `chunk ${toHex(slice.hash)}` : `${slice.part} bytes ${slice.offset}-${slice.offset + slice.size}`;
    let data: Uint8Array;
    try {
        data = await ic.readSnapshotData(execution.app, copy.source, slice);
    } catch (error) {
        return failed(`reading ${where} of the app's snapshot failed: ${stepError(error)}`);
    }
    context.fence();
    if (slice.part !== 'wasm_chunk' && BigInt(data.length) !== slice.size) return failed(`reading ${where} of the app's snapshot returned ${data.length} bytes`);
    try {
        await ic.uploadSnapshotData(copyCanister(execution), target, slice, data);
    } catch (error) {
        return failed(`uploading ${where} to the rehearsal canister failed: ${stepError(error)}`);
    }
    return { edge: index + 1 >= sliceCount(copy) ? 'ok' : 'more' };
}

/** rehearsal_load: the copy is stopped (it never runs app code but for the health check), then loads the snapshot. */
export async function rehearsalLoad(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'rehearsal_load'>>> {
    const canister = copyCanister(execution);
    const target = copyOf(execution).target[0];
    if (target === undefined) throw new Error('the rehearsal snapshot has no metadata yet');
    try {
        await ic.stopCanister(canister);
    } catch (error) {
        return failed(`stopping the rehearsal canister failed: ${stepError(error)}`);
    }
    context.fence();
    try {
        await ic.loadSnapshot(canister, target);
    } catch (error) {
        return failed(`loading the copied snapshot failed: ${stepError(error)}`);
    }
    return { edge: 'ok' };
}

/** rehearsal_install: the approved upgrade, on the copy, from its own chunk store (the app's, copied). */
export async function rehearsalInstall(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'rehearsal_install'>>> {
    const upgrade = upgradeOf(execution);
    const canister = copyCanister(execution);
    if (context.resumed) {
        let status: ic.CanisterStatus;
        try {
            status = await ic.canisterStatus(canister);
        } catch (error) {
            return failed(`canister_status of the rehearsal canister failed: ${stepError(error)}`);
        }
        context.fence();
        const current = status.module_hash[0];
        if (current !== undefined && bytesEqual(current, upgrade.module_hash)) return { edge: 'ok' };
    }
    const failure = await installApproved(execution, upgrade, canister);
    if (failure !== undefined) return failed(`the upgrade of the copy failed: ${failure}`);
    return { edge: 'ok' };
}

/** The health check to run on the copy, if any: as on the app, only for an app that was running. */
function healthMethod(execution: Execution): string | undefined {
    const app = findApp(execution.app);
    const method = app === undefined ? undefined : governing(app).info.policy.health_check[0];
    return method !== undefined && execution.was_running ? method : undefined;
}

/** rehearsal_start: the copy runs only to answer the health check. */
export async function rehearsalStart(execution: Execution): Promise<StepReport<EdgeOf<'rehearsal_start'>>> {
    if (healthMethod(execution) === undefined) return { edge: 'ok' };
    try {
        await ic.startCanister(copyCanister(execution));
    } catch (error) {
        return failed(`starting the upgraded copy failed: ${stepError(error)}`);
    }
    return { edge: 'ok' };
}

/** rehearsal_check: the policy's health check must answer true on the upgraded copy. */
export async function rehearsalCheck(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'rehearsal_check'>>> {
    const method = healthMethod(execution);
    if (method === undefined) return { edge: 'ok' };
    if (context.resumed) return failed(`health check ${method} on the upgraded copy did not answer before the lease ran out`);
    let healthy: boolean;
    try {
        healthy = await ic.healthCheck(copyCanister(execution), method);
    } catch (error) {
        return failed(`health check ${method} on the upgraded copy failed: ${stepError(error)}`);
    }
    return healthy ? { edge: 'ok' } : failed(`health check ${method} on the upgraded copy answered false`);
}

/** The copy no longer exists (a reply lost after it was deleted): reject code 3, no such canister. */
function isGone(error: unknown): boolean {
    return error instanceof CallFailure && error.rejectCode === 3;
}

/** How the rehearsal ended: passed, or the failure that ended it (and the copy left behind, if it was). */
function resultOf(execution: Execution, left: string | undefined): RehearsalReport['result'] {
    const failure: Outcome | undefined = execution.failure[0];
    if (failure === undefined) return [{ passed: null }];
    const [name, value] = Object.entries(failure)[0] ?? ['failed', ''];
    const reason = name === 'rehearsal_failed' && typeof value === 'string' ? value : `${name}: ${String(value)}`;
    return [{ failed: left === undefined ? reason : `${reason}; ${left}` }];
}

/** Shows the ended rehearsal on the proposal and in the audit log. */
function publish(execution: Execution, report: RehearsalReport): void {
    const proposal = findProposal(execution.proposal_id);
    if (proposal !== undefined) {
        proposal.rehearsal = [report];
        saveProposal(proposal);
    }
    audit({ app: execution.app, proposalId: execution.proposal_id, event: { rehearsed: report } });
}

/**
 * rehearsal_delete: stops and deletes the copy (the IC burns the cycles it still holds). A copy
 * that cannot be deleted is tried again (as a refused start is), then left, and the report says so.
 */
export async function rehearsalDelete(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'rehearsal_delete'>>> {
    const rehearsal = rehearsalOf(execution);
    const canister = rehearsal.report.canister[0];
    const end = (left: string | undefined): ((e: Execution) => void) => {
        const report: RehearsalReport = { ...rehearsal.report, result: resultOf(execution, left) };
        publish(execution, report);
        return withRehearsal((r) => (r.report = report));
    };
    if (canister === undefined) return { edge: 'ok', update: end(undefined) };
    const refused = (what: string, error: unknown): StepReport<'refused'> => {
        const note = `rehearsal: ${what} the rehearsal canister ${canister.toText()} failed: ${stepError(error)}`;
        context.fence();
        const last = execution.retries + 1 >= MAX_START_RETRIES;
        return { edge: 'refused', note, ...(last ? { update: end(`${note}; it is left, with what remains of its cycles`) } : {}) };
    };
    let gone = false;
    try {
        await ic.stopCanister(canister);
    } catch (error) {
        if (!isGone(error)) return refused('stopping', error);
        gone = true;
    }
    context.fence();
    if (!gone) {
        try {
            await ic.deleteCanister(canister);
        } catch (error) {
            if (!isGone(error)) return refused('deleting', error);
        }
        context.fence();
    }
    return { edge: 'ok', update: end(undefined) };
}
