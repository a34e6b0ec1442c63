/**
 * The steps of a hand-over to a successor upgrader (their order is flow.ts's): check that the
 * successor is sealed and runs the approved module, add it to the app's controllers, confirm,
 * then remove this upgrader; on a failure before that last update, remove the successor again.
 *
 * Every update reads the app's controllers first (canister_info, which any canister may call)
 * and changes only the one principal it is about, always keeping the recovery principal (added
 * back if it was removed out of band, as `eject` does): the app always has the recovery
 * principal and at least one upgrader among its controllers. Every step is safe to run again:
 * it reads the controllers and finds its change already made.
 */
import type { Principal } from '@dfinity/principal';
import { canisterSelf } from 'azle';

import { requireApp } from './apps';
import type { EdgeOf } from './flow';
import * as ic from './management';
import { bytesEqual, principalEqual, toHex } from './serde';
import { type StepContext, type StepReport, stepError } from './step-support';
import type { Execution, HandOver } from './types';

const STAYS = 'the app stays with this upgrader';

function handOverOf(execution: Execution): HandOver {
    if (!('hand_over' in execution.kind)) throw new Error('not a hand-over');
    return execution.kind.hand_over;
}

function has(controllers: Principal[], who: Principal): boolean {
    return controllers.some((c) => principalEqual(c, who));
}

function without(controllers: Principal[], who: Principal): Principal[] {
    return controllers.filter((c) => !principalEqual(c, who));
}

function withOne(controllers: Principal[], who: Principal): Principal[] {
    return has(controllers, who) ? controllers : [...controllers, who];
}

/** The app's controllers now, as canister_info reports them. */
async function appControllers(execution: Execution): Promise<Principal[]> {
    return ic.canisterControllers(execution.app);
}

/**
 * check_successor: the successor reports no controllers and runs the approved module (so nobody
 * can change what takes over), and is not a controller of the app already (so undoing the
 * addition never takes away a controller the app had before).
 */
export async function checkSuccessor(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'check_successor'>>> {
    const { successor, successor_module_hash: expected } = handOverOf(execution);
    const refuse = (note: string): StepReport<'refused'> => ({ edge: 'refused', note: `${note}; the app was not touched` });
    let info: ic.CanisterInfo;
    try {
        info = await ic.canisterInfo(successor);
    } catch (error) {
        return refuse(`canister_info of the successor ${successor.toText()} failed (${stepError(error)}): the successor must be an existing canister`);
    }
    context.fence();
    if (info.controllers.length > 0) {
        return refuse(`the successor ${successor.toText()} has ${info.controllers.length} controller(s): only a sealed upgrader (no controllers) may take over; seal it and propose again`);
    }
    const running = info.module_hash[0];
    if (running === undefined) return refuse(`the successor ${successor.toText()} runs no module`);
    if (!bytesEqual(running, expected)) return refuse(`the successor runs module ${toHex(running)}, not the approved ${toHex(expected)}`);
    let controllers: Principal[];
    try {
        controllers = await appControllers(execution);
    } catch (error) {
        return refuse(`canister_info of the app failed: ${stepError(error)}`);
    }
    if (has(controllers, successor)) {
        return refuse(`the successor is already a controller of the app; its recovery principal should remove it first (a failed hand-over removes the successor again, which must not take away a controller the app had)`);
    }
    if (!has(controllers, canisterSelf())) return refuse('this upgrader is no longer a controller of the app');
    return { edge: 'ok' };
}

/** add_successor: the app's controllers plus the successor (and the recovery principal). */
export async function addSuccessor(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'add_successor'>>> {
    const { successor } = handOverOf(execution);
    const failed = (what: string): StepReport<'failed'> => ({ edge: 'failed', note: `${what}; ${STAYS}` });
    let controllers: Principal[];
    try {
        controllers = await appControllers(execution);
    } catch (error) {
        return failed(`canister_info of the app failed: ${stepError(error)}`);
    }
    context.fence();
    // Already there: an earlier attempt's update went through (check_successor saw it absent).
    if (has(controllers, successor)) return { edge: 'ok' };
    if (!has(controllers, canisterSelf())) return failed('this upgrader is no longer a controller of the app');
    const recovery = requireApp(execution.app).info.recovery;
    try {
        await ic.setControllers(execution.app, withOne(withOne(controllers, recovery), successor));
    } catch (error) {
        return failed(`adding the successor to the app's controllers failed: ${stepError(error)}`);
    }
    return { edge: 'ok' };
}

/** confirm_successor: canister_info shows the successor, this upgrader and the recovery principal as controllers. */
export async function confirmSuccessor(execution: Execution): Promise<StepReport<EdgeOf<'confirm_successor'>>> {
    const { successor } = handOverOf(execution);
    let controllers: Principal[];
    try {
        controllers = await appControllers(execution);
    } catch (error) {
        return { edge: 'failed', note: `canister_info of the app failed: ${stepError(error)}; ${STAYS}` };
    }
    const recovery = requireApp(execution.app).info.recovery;
    const missing = [
        ...(has(controllers, successor) ? [] : ['the successor']),
        ...(has(controllers, canisterSelf()) ? [] : ['this upgrader']),
        ...(has(controllers, recovery) ? [] : ['the recovery principal'])
    ];
    if (missing.length > 0) return { edge: 'failed', note: `after the update, ${missing.join(' and ')} is not among the app's controllers (changed out of band?); ${STAYS}` };
    return { edge: 'ok' };
}

/** remove_self: the app's controllers without this upgrader; the successor and the recovery principal stay. */
export async function removeSelf(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'remove_self'>>> {
    const { successor } = handOverOf(execution);
    const self = canisterSelf();
    let controllers: Principal[];
    try {
        controllers = await appControllers(execution);
    } catch (error) {
        return { edge: 'failed', note: `canister_info of the app failed: ${stepError(error)}; ${STAYS}` };
    }
    context.fence();
    const successorControls = has(controllers, successor);
    // Already gone: an earlier attempt's update went through.
    if (!has(controllers, self) && successorControls) return { edge: 'ok' };
    if (!successorControls) return { edge: 'failed', note: `the successor is no longer a controller of the app (removed out of band); ${STAYS}` };
    const recovery = requireApp(execution.app).info.recovery;
    try {
        await ic.setControllers(execution.app, withOne(without(controllers, self), recovery));
    } catch (error) {
        return { edge: 'failed', note: `removing this upgrader from the app's controllers failed: ${stepError(error)}; ${STAYS}` };
    }
    return { edge: 'ok' };
}

/** remove_successor: undoes add_successor (the recovery principal stays); retried when refused. */
export async function removeSuccessor(execution: Execution, context: StepContext): Promise<StepReport<EdgeOf<'remove_successor'>>> {
    const { successor } = handOverOf(execution);
    const refused = (what: string): StepReport<'refused'> => ({
        edge: 'refused',
        note: what,
        text: `${failureText(execution)}; then removing the successor ${successor.toText()} from the app's controllers failed (${what}): the app stays with this upgrader, and the successor may still be a controller: its recovery principal should remove it`
    });
    let controllers: Principal[];
    try {
        controllers = await appControllers(execution);
    } catch (error) {
        return refused(`canister_info of the app failed: ${stepError(error)}`);
    }
    context.fence();
    if (!has(controllers, successor)) return { edge: 'ok' };
    if (!has(controllers, canisterSelf())) {
        const note = 'this upgrader is no longer a controller of the app, so it cannot remove the successor';
        return { edge: 'lost', note, text: `${failureText(execution)}; then ${note}: the app's recovery principal decides (the app can be reaped here)` };
    }
    const recovery = requireApp(execution.app).info.recovery;
    try {
        await ic.setControllers(execution.app, withOne(without(controllers, successor), recovery));
    } catch (error) {
        return refused(stepError(error));
    }
    return { edge: 'ok' };
}

/** The failure that led to the undo, for the outcome's text. */
function failureText(execution: Execution): string {
    const failure = execution.failure[0];
    return failure !== undefined && 'hand_over_failed' in failure ? failure.hand_over_failed : 'the hand-over failed';
}
