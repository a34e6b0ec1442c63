/** ic0: time, the global timer and the performance counter (spec §1.4 "Time and timers", "Introspection"). */
import { TrapError } from '../trap.js';
import { I32, I64, ic0, type Ic0Table } from './entry.js';
import { STANDARD } from './instructions.js';

export const TIME: Ic0Table = {
    time: ic0({ params: [], results: [I64], contexts: '*', overhead: STANDARD, impl: (s) => s.inv.time }),
    global_timer_set: ic0({
        params: [I64],
        results: [I64],
        contexts: 'I G U Ry Rt T C',
        overhead: STANDARD,
        impl: (s, timestamp) => {
            const inv = s.inv;
            const previous = inv.globalTimer ?? inv.canister.globalTimer;
            inv.globalTimer = BigInt.asUintN(64, timestamp);
            return previous;
        }
    }),
    performance_counter: ic0({
        params: [I32],
        results: [I64],
        contexts: '* s',
        overhead: 200n,
        impl: (s, type) => {
            const inv = s.inv;
            const used = inv.startBudget - s.live.budget;
            // 0: instructions of this execution; 1: of the whole call context so far.
            if (type === 0) return used;
            if (type === 1) return (inv.context?.instructions ?? 0n) + used;
            throw TrapError.contract(`ic0.performance_counter: unknown counter type ${type}`);
        }
    })
};
