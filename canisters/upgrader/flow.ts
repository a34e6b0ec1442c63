/**
 * The order of an execution, in one table: for every step, the management call it makes, the
 * step that follows when the call succeeds, and where each kind of failure leads (with the
 * outcome it records). The step functions (steps.ts) make the calls and say which edge they took;
 * the driver (executor.ts) looks the edge up here. Nothing else knows the order.
 *
 * Besides its own edges every step has two more, the same for all:
 *   - the IC refuses to send its call for lack of cycles (or, at `check`, the balance is short of
 *     beginning an execution): the execution stays at the step, waiting, and the watchdog tries
 *     it again once the upgrader is topped up (executor.ts). No step ends an execution for that.
 *   - its own logic fails unexpectedly (a bug, not a refused call): ON_ERROR.
 *
 * Pure data and pure functions of the record: test/upgrader/flow.test.ts walks the table, and
 * renders it into canisters/upgrader/README.md.
 */
import { MAX_START_RETRIES, MAX_STORE_WAITS } from './limits';
import type { Execution, Outcome, Step } from './types';

type KeysOf<T> = T extends unknown ? keyof T & string : never;

/** A step's name, as stored in stable memory (a case of the Candid `Step` variant). */
export type StepName = KeysOf<Step>;
/** An outcome that reports a failure (it carries the reason as text). */
export type FailureOutcome = Exclude<KeysOf<Outcome>, 'upgraded' | 'restored' | 'policy_changed' | 'handed_over' | 'rolled_out'>;

/** Facts of the record a route may turn on, each read before the step's own changes apply. */
export const CONDITIONS = {
    /** The execution restores a snapshot (recovery), rather than installing a module. */
    restore: (e: Execution): boolean => 'restore' in e.kind,
    /** The execution hands the app over to a successor upgrader. */
    handOver: (e: Execution): boolean => 'hand_over' in e.kind,
    /** The approved options ask for a snapshot before the install. */
    takeSnapshot: (e: Execution): boolean => 'upgrade' in e.kind && e.kind.upgrade.options.take_snapshot,
    /** A snapshot was taken by this execution. */
    hasSnapshot: (e: Execution): boolean => e.snapshot_id.length > 0,
    /** An earlier step recorded a failure outcome. */
    failedEarlier: (e: Execution): boolean => e.failure.length > 0,
    /** The app was running when the execution began. */
    wasRunning: (e: Execution): boolean => e.was_running,
    /** A group member's upgrade: its module is staged in, and installed from, the upgrader's own chunk store. */
    fromUpgraderStore: (e: Execution): boolean => e.rollout[0] !== undefined && !e.rollout[0].app_store,
    /** A group member whose install from the upgrader's store was refused: it is stopped, its module staged in its own store. */
    fellBack: (e: Execution): boolean => e.rollout[0]?.app_store === true,
    /** The policy asked for a rehearsal of this upgrade (set by `check`). */
    rehearse: (e: Execution): boolean => e.rehearsal.length > 0,
    /** A rehearsal canister was created and the rehearsal has not ended: the canister may still exist. */
    rehearsalLive: (e: Execution): boolean => e.rehearsal[0] !== undefined && e.rehearsal[0].report.canister.length > 0 && e.rehearsal[0].report.result.length === 0
} as const satisfies Record<string, (e: Execution) => boolean>;
export type Condition = keyof typeof CONDITIONS;

/**
 * Go to step `to`. `records` sets the outcome unless an earlier step set one (the first failure
 * is the one reported); `replaces` overrides it (a rollback that failed too, an app left stopped).
 * Going to `upload_chunk` goes to the chunk after the current one, or to chunk 0.
 */
export type Leg = { readonly to: StepName; readonly records?: FailureOutcome; readonly replaces?: FailureOutcome };
/** One of two routes, on a fact of the record. */
export type Fork = { readonly if: Condition; readonly then: Route; readonly else: Route };
export type Route = Leg | Fork;
/** Stay at the step: the watchdog tries it again (one try per tick), `times` tries in all; then `then`. */
export type Retry = { readonly retry: number; readonly then: Route };

export type StepFlow = {
    /** The management calls (or the app method) the step makes. */
    readonly call: string;
    /** Each edge the step can report (`ok` is its call succeeding), and where it leads. */
    readonly on: { readonly [edge: string]: Route | Retry };
};

const startFailed: Retry = { retry: MAX_START_RETRIES, then: { to: 'cleanup', replaces: 'start_failed' } };
const verificationFailed: Fork = { if: 'hasSnapshot', then: { to: 'rollback_stop', records: 'rolled_back' }, else: { to: 'cleanup', records: 'verification_failed' } };
const rollbackFailed: Leg = { to: 'start', replaces: 'rollback_failed' };
const undoHandOver: Leg = { to: 'remove_successor', records: 'hand_over_failed' };
const rehearsalFailed: Leg = { to: 'rehearsal_delete', records: 'rehearsal_failed' };
/** After the rehearsal canister is gone: the real upgrade, or, after a failed rehearsal, only the cleanup. */
/** Staging in the app's store failed: nothing changed, unless a member that fell back is stopped and must start again. */
const uploadFailed: Fork = { if: 'fellBack', then: { to: 'start', records: 'upload_failed' }, else: { to: 'cleanup', records: 'upload_failed' } };
const afterRehearsal: Fork = { if: 'failedEarlier', then: { to: 'cleanup' }, else: { to: 'stop' } };

/** The execution, step by step. Starts at `check`; ends at `done`. */
export const FLOW = {
    check: {
        call: 'canister_status',
        on: {
            ok: {
                if: 'restore',
                then: { to: 'rollback_stop' },
                else: { if: 'handOver', then: { to: 'check_successor' }, else: { if: 'fromUpgraderStore', then: { to: 'stage_module' }, else: { to: 'clear_chunk_store' } } }
            },
            /** Not registered, paused, module not installable, or the upgrader is no controller. */
            aborted: { to: 'done', records: 'aborted' },
            /** The app no longer runs the proposal's `from_module`. */
            precondition: { to: 'done', records: 'precondition_failed' }
        }
    },
    clear_chunk_store: {
        call: 'clear_chunk_store',
        on: { ok: { to: 'upload_chunk' }, failed: uploadFailed }
    },
    upload_chunk: {
        call: 'upload_chunk',
        on: {
            /** The module has chunks left. */
            more: { to: 'upload_chunk' },
            /** A member that fell back is stopped already: it installs now. */
            ok: { if: 'fellBack', then: { to: 'install' }, else: { if: 'rehearse', then: { to: 'rehearsal_create' }, else: { to: 'stop' } } },
            failed: uploadFailed,
            /** Not an upgrade (never happens: a restore does not upload). */
            skipped: { to: 'cleanup' }
        }
    },
    stage_module: {
        /** Nothing to send when the chunk is staged already (by an earlier member of the rollout). */
        call: "upload_chunk (the upgrader's own store; clear_chunk_store first when the module does not fit)",
        on: {
            more: { to: 'stage_module' },
            ok: { if: 'rehearse', then: { to: 'rehearsal_create' }, else: { to: 'stop' } },
            failed: { to: 'cleanup', records: 'upload_failed' },
            /** The store must be cleared but another member may be using it: wait for it. */
            busy: { retry: MAX_STORE_WAITS, then: { to: 'cleanup', records: 'upload_failed' } }
        }
    },
    rehearsal_create: {
        /** The app's memory prices the rehearsal; short of cycles, the execution waits here (the app untouched). */
        call: 'canister_status (the app), create_canister (cycles attached)',
        on: { ok: { to: 'rehearsal_snapshot' }, failed: rehearsalFailed }
    },
    rehearsal_snapshot: {
        /** Of the running app; a resumed step uses the snapshot its lost call took. */
        call: 'list_canister_snapshots, take_canister_snapshot (the app)',
        on: { ok: { to: 'rehearsal_metadata' }, failed: rehearsalFailed }
    },
    rehearsal_metadata: {
        call: 'read_canister_snapshot_metadata (the app), upload_canister_snapshot_metadata (the copy)',
        on: { ok: { to: 'rehearsal_copy' }, failed: rehearsalFailed }
    },
    rehearsal_copy: {
        /** One slice of at most 2,000,000 bytes per step. */
        call: 'read_canister_snapshot_data (the app), upload_canister_snapshot_data (the copy)',
        on: { more: { to: 'rehearsal_copy' }, ok: { to: 'rehearsal_load' }, failed: rehearsalFailed }
    },
    rehearsal_load: {
        call: 'stop_canister, load_canister_snapshot (the copy)',
        on: { ok: { to: 'rehearsal_install' }, failed: rehearsalFailed }
    },
    rehearsal_install: {
        /** From the copy's own chunk store (the app's, copied); a resumed install first reads canister_status. */
        call: 'install_chunked_code (upgrade, the copy)',
        on: { ok: { to: 'rehearsal_start' }, failed: rehearsalFailed }
    },
    rehearsal_start: {
        call: 'start_canister (the copy)',
        on: { ok: { to: 'rehearsal_check' }, failed: rehearsalFailed }
    },
    rehearsal_check: {
        /** Unanswered when the lease ran out counts as failed, as on the app. */
        call: "the app's health check (the copy)",
        on: { ok: { to: 'rehearsal_delete' }, failed: rehearsalFailed }
    },
    rehearsal_delete: {
        /** A copy already gone (a lost reply) counts as deleted; one that cannot be deleted is left, and said so. */
        call: 'stop_canister, delete_canister (the copy)',
        on: { ok: afterRehearsal, refused: { retry: MAX_START_RETRIES, then: afterRehearsal } }
    },
    stop: {
        call: 'stop_canister',
        on: { ok: { if: 'takeSnapshot', then: { to: 'snapshot' }, else: { to: 'install' } }, failed: { to: 'start', records: 'stuck_stopping' } }
    },
    snapshot: {
        call: 'list_canister_snapshots, take_canister_snapshot',
        on: { ok: { to: 'install' }, failed: { to: 'start', records: 'snapshot_failed' } }
    },
    install: {
        /** A resumed install first reads canister_status: the module may be installed already. */
        call: 'install_chunked_code (upgrade)',
        on: {
            ok: { to: 'start' },
            /** A member installing from the upgrader's store tries once more from its own (it may be on another subnet). */
            failed: { if: 'fromUpgraderStore', then: { to: 'clear_chunk_store' }, else: { to: 'start', records: 'install_failed' } }
        }
    },
    start: {
        /** Only if the app was running: after a failed install as after a successful one. */
        call: 'start_canister',
        on: { ok: { if: 'failedEarlier', then: { to: 'cleanup' }, else: { to: 'verify' } }, refused: startFailed }
    },
    verify: {
        call: 'canister_status',
        on: { ok: { to: 'health_check' }, failed: verificationFailed, skipped: { to: 'cleanup' } }
    },
    health_check: {
        /** The policy's method on the app; unanswered when the lease ran out counts as failed. */
        call: "the app's health check",
        on: { ok: { to: 'cleanup' }, failed: verificationFailed }
    },
    rollback_stop: {
        call: 'stop_canister',
        on: { ok: { to: 'rollback_load' }, failed: rollbackFailed }
    },
    rollback_load: {
        call: 'load_canister_snapshot',
        on: { ok: { to: 'rollback_start' }, failed: rollbackFailed }
    },
    rollback_start: {
        call: 'start_canister',
        on: {
            ok: { if: 'restore', then: { to: 'done' }, else: { to: 'cleanup' } },
            refused: { retry: MAX_START_RETRIES, then: { if: 'restore', then: { to: 'done', replaces: 'start_failed' }, else: { to: 'cleanup', replaces: 'start_failed' } } }
        }
    },
    cleanup: {
        /** Best effort: a failure is logged and changes no outcome. No call for a member installed from the upgrader's store (nothing was put in its own). */
        call: 'clear_chunk_store',
        on: { ok: { to: 'done' }, failed: { to: 'done' } }
    },
    check_successor: {
        call: 'canister_info (the successor), canister_info (the app)',
        on: {
            ok: { to: 'add_successor' },
            /** The successor has a controller, runs another module, is no canister, or already controls the app. */
            refused: { to: 'done', records: 'hand_over_refused' }
        }
    },
    add_successor: {
        /** The app's current controllers (read first), plus the successor and the recovery principal. */
        call: 'canister_info, update_settings',
        on: { ok: { to: 'confirm_successor' }, failed: undoHandOver }
    },
    confirm_successor: {
        call: 'canister_info',
        on: { ok: { to: 'remove_self' }, failed: undoHandOver }
    },
    remove_self: {
        /** The app's current controllers (read first), without the upgrader; the successor and recovery stay. */
        call: 'canister_info, update_settings',
        on: { ok: { to: 'done' }, failed: undoHandOver }
    },
    remove_successor: {
        /** The app's current controllers (read first), without the successor; recovery stays. */
        call: 'canister_info, update_settings',
        on: {
            ok: { to: 'done' },
            refused: { retry: MAX_START_RETRIES, then: { to: 'done', replaces: 'hand_over_failed' } },
            /** The upgrader is no longer a controller either: nothing it can undo. */
            lost: { to: 'done', replaces: 'hand_over_failed' }
        }
    },
    done: { call: '', on: {} }
} as const satisfies { readonly [S in StepName]: StepFlow };

/** The edge a step reports when its own logic failed unexpectedly (a bug, not a refused call). */
export const ERROR_EDGE = 'error';
/**
 * Where ERROR_EDGE leads, from any step: end safely, restarting the app if needed; a hand-over
 * takes the successor out of the app's controllers again.
 */
export const ON_ERROR: Route = {
    if: 'handOver',
    // Once undoing (an earlier step failed), end: undoing again could loop on the same error.
    then: { if: 'failedEarlier', then: { to: 'done', records: 'hand_over_failed' }, else: { to: 'remove_successor', records: 'hand_over_failed' } },
    else: {
        // During a rehearsal the app is untouched: delete the copy (once), then clean up.
        if: 'rehearsalLive',
        then: { if: 'failedEarlier', then: { to: 'cleanup', records: 'rehearsal_failed' }, else: rehearsalFailed },
        else: { if: 'wasRunning', then: { to: 'start', records: 'aborted' }, else: { to: 'cleanup', records: 'aborted' } }
    }
};

/** The edges step `S` may report. */
export type EdgeOf<S extends StepName> = keyof (typeof FLOW)[S]['on'] & string;

export const STEP_NAMES = Object.keys(FLOW) as StepName[];

/** The name of a step value. */
export function stepName(step: Step): StepName {
    for (const name of STEP_NAMES) if (name in step) return name;
    throw new Error(`not a step: ${JSON.stringify(step)}`);
}

/** The step value to go to: `upload_chunk`, `stage_module` and `rehearsal_copy` count on from the current one, or start at 0. */
export function stepTo(name: StepName, from: Step): Step {
    if (name === 'upload_chunk') return { upload_chunk: 'upload_chunk' in from ? from.upload_chunk + 1 : 0 };
    if (name === 'stage_module') return { stage_module: 'stage_module' in from ? from.stage_module + 1 : 0 };
    if (name === 'rehearsal_copy') return { rehearsal_copy: 'rehearsal_copy' in from ? from.rehearsal_copy + 1 : 0 };
    return STEPS[name];
}

const STEPS: { readonly [S in Exclude<StepName, 'upload_chunk' | 'stage_module' | 'rehearsal_copy'>]: Step } = {
    check: { check: null },
    clear_chunk_store: { clear_chunk_store: null },
    stop: { stop: null },
    snapshot: { snapshot: null },
    install: { install: null },
    start: { start: null },
    verify: { verify: null },
    health_check: { health_check: null },
    rollback_stop: { rollback_stop: null },
    rollback_load: { rollback_load: null },
    rollback_start: { rollback_start: null },
    cleanup: { cleanup: null },
    check_successor: { check_successor: null },
    add_successor: { add_successor: null },
    confirm_successor: { confirm_successor: null },
    remove_self: { remove_self: null },
    remove_successor: { remove_successor: null },
    rehearsal_create: { rehearsal_create: null },
    rehearsal_snapshot: { rehearsal_snapshot: null },
    rehearsal_metadata: { rehearsal_metadata: null },
    rehearsal_load: { rehearsal_load: null },
    rehearsal_install: { rehearsal_install: null },
    rehearsal_start: { rehearsal_start: null },
    rehearsal_check: { rehearsal_check: null },
    rehearsal_delete: { rehearsal_delete: null },
    done: { done: null }
};

/** What to do after a step reported `edge`: try the step again later, or take a leg. */
export type Decision = { retry: true } | { retry: false; leg: Leg };

/** Looks `edge` up for the record's step; forks are decided on `execution` as it was before the step's changes. */
export function decide(execution: Execution, edge: string): Decision {
    if (edge === ERROR_EDGE) return { retry: false, leg: resolve(ON_ERROR, execution) };
    const routes: { readonly [edge: string]: Route | Retry } = FLOW[stepName(execution.step)].on;
    const route = routes[edge];
    if (route === undefined) throw new Error(`step ${stepName(execution.step)} has no edge ${edge} in the flow`);
    if ('retry' in route) {
        if (execution.retries + 1 < route.retry) return { retry: true };
        return { retry: false, leg: resolve(route.then, execution) };
    }
    return { retry: false, leg: resolve(route, execution) };
}

/** The leg a route comes to on this record. */
function resolve(route: Route, execution: Execution): Leg {
    let at = route;
    while ('if' in at) at = CONDITIONS[at.if](execution) ? at.then : at.else;
    return at;
}
