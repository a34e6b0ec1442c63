import type { Principal } from '@dfinity/principal';
import type { InstructionLimits } from '../constants.js';
import type { Cycles } from '../engine/cycles.js';
import type { Entry, ExecutionOutcome } from '../engine/execute.js';
import type { Invocation } from '../engine/invocation.js';
import type { LiveInstance } from '../engine/live-instance.js';
import type { TrapError } from '../engine/trap.js';
import type { CallResult, Reject } from '../reject.js';
import type { InstallReport } from './install-report.js';
import type { CallContext, ResponseTarget } from '../state/call-context.js';
import type { Canister, CodeState } from '../state/canister.js';
import type { PageStore } from '../memory/page-store.js';

/**
 * Everything the management canister may do to its subnet. The subnet implements it
 * (src/replica/subnet/port.ts); handlers never reach the subnet's state any other way.
 * Canisters themselves (their settings, status, chunk store, snapshots) are the handlers'
 * to change; which canisters exist, the message queue and the live instances are not.
 */
export interface ManagementPort {
    /** Time of the round executing the call, in ns. */
    readonly time: bigint;
    readonly limits: InstructionLimits;
    readonly cycles: Cycles;
    /** How long a stop_canister waits for open call contexts, in ns. */
    readonly stopTimeoutNs: bigint;
    readonly maxSnapshots: number;
    /** The content-addressed store whose pages canisters and snapshots share. */
    readonly pageStore: PageStore;

    // ---------------------------------------------------------------- canisters
    canister(id: Principal): Canister | undefined;
    /** Every canister of the subnet, read-only. */
    readonly canisters: ReadonlyMap<string, Canister>;
    /** The next free canister id. */
    allocateCanisterId(): Principal;
    /** Adds a newly created canister (its id must be free). */
    addCanister(canister: Canister): void;
    /** Removes a canister and frees its instance. */
    removeCanister(canister: Canister): void;
    /** Puts a canister in the stopping set: it becomes stopped once its call contexts close. */
    beginStopping(canister: Canister): void;

    // ---------------------------------------------------------------- answers
    /** Sends a result to wherever a call came from, refunding `refund` cycles. */
    deliver(target: ResponseTarget, result: CallResult, refund: bigint): void;
    /** Answers a call context and refunds its unaccepted cycles. */
    respond(context: CallContext, result: CallResult): void;
    /** The reject a trap of `canister` answers with. */
    trapReject(canister: Canister, trap: TrapError): Reject;

    // ---------------------------------------------------------------- code
    /** Frees the live instance of a code state that is replaced or dropped. */
    releaseInstance(code: CodeState): void;
    /**
     * Instantiates `fresh` (running no export): with a new memory, or with the current heap of
     * `keepHeapOf` (wasm_memory_persistence = keep, including what pre_upgrade changed).
     */
    instantiate(fresh: CodeState, keepHeapOf: CodeState | null): LiveInstance;
    /** Runs one step of a larger transaction (install), within `budget` instructions; nothing is committed. */
    executeStep(code: CodeState, inv: Invocation, entry: Entry, budget: bigint): ExecutionOutcome;
    /** Charges the cycles of `instructions` executed instructions (never below zero). */
    chargeExecution(canister: Canister, instructions: bigint): void;
    /** Applies what a committed execution did besides memory (see subnet/effects.ts). */
    applyEffects(canister: Canister, inv: Invocation): void;
    appendLog(canister: Canister, text: string | Uint8Array): void;
    /** Keeps what an install_code cascade measured, for `Subnet.lastInstall` (observation only). */
    recordInstall(canister: Canister, report: InstallReport): void;
    /** 32 fresh random bytes for raw_rand. */
    randomBytes(): Uint8Array;
}
