/** ic0: debugging (spec §1.4 "Debugging"): debug_print goes to the canister log, trap ends the execution. */
import { TrapError } from '../trap.js';
import { I32, ic0, type Ic0Table } from './entry.js';
import { STANDARD } from './instructions.js';

const lossyUtf8 = new TextDecoder('utf-8');

export const DEBUG: Ic0Table = {
    debug_print: ic0({
        params: [I32, I32],
        results: [],
        contexts: '* s',
        overhead: 100n,
        impl: (s, src, size) => {
            try {
                s.inv.debugPrints.push(s.live.read(src, size));
            } catch {
                // debug_print never traps, even out of bounds.
            }
        }
    }),
    trap: ic0({
        params: [I32, I32],
        results: [],
        contexts: '* s',
        overhead: STANDARD,
        impl: (s, src, size) => {
            let text: string;
            try {
                text = lossyUtf8.decode(s.live.read(src, size));
            } catch {
                text = '(trap message out of bounds)';
            }
            throw TrapError.explicit(text);
        }
    })
};
