/**
 * The watchdog: a periodic timer that resumes every execution no driver holds any more (a lost
 * response or a trapped continuation left its lease to run out; a call could not be sent for lack
 * of cycles; a start the IC refused waits to be tried again). No human has to call `resume`.
 *
 * Each tick looks at WATCHDOG_BATCH executions from a cursor and schedules a driver (its own
 * timer message, so one execution's trap cannot hold up another's) for each stalled one. The
 * cursor lives on the heap: after an upgrade it starts again at 0, which only means one pass
 * begins early. Worst case from a lost response to its execution being resumed:
 * MAX_RECOVERY_SECONDS, the lease plus one full pass over the largest map (limits.ts).
 */
import { setTimerInterval } from 'azle';

import { resumeStalled } from './executor';
import { WATCHDOG_BATCH, WATCHDOG_INTERVAL_SECONDS } from './limits';

let cursor = 0;

/** One tick: bounded work, whatever the number of executions. */
function watchdogTick(): void {
    cursor = resumeStalled(cursor, WATCHDOG_BATCH);
}

/** Armed by init and post_upgrade (timers do not survive an upgrade). */
export function armWatchdog(): void {
    setTimerInterval(Number(WATCHDOG_INTERVAL_SECONDS), () => {
        watchdogTick();
    });
}
