import { Principal } from '@dfinity/principal';
import { TrapError } from './engine/trap.js';
import { ResponseMessage } from './state/messages.js';

/**
 * What can happen to a response on its way to a calling canister, as a test chooses:
 * - `lose`: it never arrives (the callback stays open, as with a response lost for good or an
 *   unbounded-wait call whose callee never answers);
 * - `trap`: it arrives, but the caller's continuation traps before doing anything (its changes
 *   are rolled back and its cleanup callback runs, as for any trapping callback);
 * - `delay`: it is held back until `releaseDelayed()` (a late answer).
 */
export type ResponseFault = 'lose' | 'trap' | 'delay';

export interface ResponseFaultRule {
    /** The calling canister whose incoming responses are affected. */
    receiver: Principal;
    /** Only responses from this callee (e.g. the management canister). Default: any callee. */
    from?: Principal;
    fault: ResponseFault;
    /** Responses affected before the rule runs out. Default: 1. */
    count?: number;
    /** Responses to let through unharmed before the first affected one. Default: 0. */
    after?: number;
}

/** Trap detail used for injected continuation traps (IC0503, as an explicit trap). */
export const INJECTED_TRAP_MESSAGE = 'fault injected by the test: the continuation trapped';

/**
 * Test hook for fault injection (`Replica.faults`). Nothing is armed by default, and an armed
 * rule only changes what happens to responses: a lost response, a trapping continuation and a
 * late answer are all things the IC can do to a canister; the replica never invents a reply.
 */
export class FaultInjector {
    #rules: Array<{ receiver: string; from: string | null; fault: ResponseFault; left: number; skip: number }> = [];
    #delayed: ResponseMessage[] = [];

    /** Arms a rule; rules are consumed in the order they were armed. */
    onResponses(rule: ResponseFaultRule): void {
        this.#rules.push({ receiver: rule.receiver.toText(), from: rule.from?.toText() ?? null, fault: rule.fault, left: rule.count ?? 1, skip: rule.after ?? 0 });
    }

    /** Rules armed and not yet used up. */
    get armedCount(): number {
        return this.#rules.length;
    }

    /** Responses held by `delay` rules so far. */
    get delayedCount(): number {
        return this.#delayed.length;
    }

    /** Hands back the delayed responses (the subnet delivers them in the next round). */
    releaseDelayed(): ResponseMessage[] {
        const released = this.#delayed;
        this.#delayed = [];
        return released;
    }

    /** Disarms every rule (delayed responses stay held until released). */
    clear(): void {
        this.#rules = [];
    }

    /** Called by the subnet for each response with a live callback (to a call to `callee`): the fault to apply, if any. */
    take(message: ResponseMessage, callee: Principal): ResponseFault | null {
        const receiver = message.receiver.toText();
        const from = callee.toText();
        const index = this.#rules.findIndex((r) => r.receiver === receiver && (r.from === null || r.from === from));
        if (index < 0) return null;
        const rule = this.#rules[index]!;
        if (rule.skip > 0) {
            rule.skip--;
            return null;
        }
        rule.left--;
        if (rule.left <= 0) this.#rules.splice(index, 1);
        if (rule.fault === 'delay') this.#delayed.push(message);
        return rule.fault;
    }

    static injectedTrap(): TrapError {
        return TrapError.explicit(INJECTED_TRAP_MESSAGE);
    }
}
