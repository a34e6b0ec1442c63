/**
 * The most a refused call costs the upgrader (issue 7, item 4): every update method with its
 * largest argument and some malformed ones, from a stranger. Instruction counts are
 * deterministic on the replica, so this holds them to the target (see rejections.ts).
 */
import { didMethods } from './did';
import { MEASURED_METHODS, measureRejections, REJECTION_TARGET, REPLICATED_REFUSED } from './rejections';

describe('refused calls', () => {
    it('cost the upgrader at most 5 M instructions each, and nothing as ingress', async () => {
        // Every update method is measured, except resume, which anyone may call; and every query that refuses replicated calls.
        const updates = didMethods()
            .filter((m) => (!m.query && m.name !== 'resume') || REPLICATED_REFUSED.includes(m.name))
            .map((m) => m.name);
        expect([...MEASURED_METHODS].sort()).toEqual(updates.sort());

        const costs = await measureRejections();
        for (const cost of costs) {
            const ceiling = cost.over?.ceiling ?? REJECTION_TARGET;
            expect({ case: `${cost.method}: ${cost.label}`, within: cost.method_instructions <= ceiling, answer: cost.answer.startsWith('reject') ? cost.answer : 'Err' }).toEqual({
                case: `${cost.method}: ${cost.label}`,
                within: true,
                answer: 'Err'
            });
            // As ingress, inspect_message refuses all but register (who controls an app takes a call
            // to know) and what is too big to send at all.
            const sendable = cost.label.indexOf('only a canister') === -1;
            if (cost.method !== 'register' && sendable) expect({ case: `${cost.method}: ${cost.label}`, refused: cost.inspect_refused }).toEqual({ case: `${cost.method}: ${cost.label}`, refused: true });
        }
    }, 600_000);
});
