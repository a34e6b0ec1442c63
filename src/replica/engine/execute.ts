import { CodeState } from '../state/canister.js';
import { Invocation } from './invocation.js';
import { InstancePool } from './instance-pool.js';
import { TrapError, trapFromRuntimeError } from './trap.js';

/** What to run: an exported entry point, or a function-table entry with its env (callbacks). */
export type Entry = { kind: 'export'; name: string } | { kind: 'table'; fun: number; env: number };

export interface ExecutionOutcome {
    /** Null when the entry point returned normally. */
    trap: TrapError | null;
    /** Instructions counted by the instrumentation plus System API overheads. */
    instructions: bigint;
}

/**
 * Runs one entry point of a canister's code against `invocation`. Stable memory and the
 * heap are left uncommitted: the caller decides with `commitExecution` or
 * `rollbackExecution` (queries always roll back; failed installs discard the whole state).
 */
export interface ExecuteOptions {
    /** Instructions left for this run. Default: the invocation's limit. */
    budget?: bigint;
    /** Whether this run opens its own stable-memory transaction. Default: true; install flows span one over several runs. */
    ownTransaction?: boolean;
}

export function execute(code: CodeState, invocation: Invocation, entry: Entry, pool: InstancePool, options: ExecuteOptions = {}): ExecutionOutcome {
    const budget = options.budget ?? invocation.limit;
    const { live, scope } = pool.acquireHot(code);
    if (options.ownTransaction ?? true) code.stable.begin();
    invocation.startBudget = budget;
    live.budget = budget;
    scope.begin(invocation, live, code.stable);
    let trap: TrapError | null = null;
    try {
        if (entry.kind === 'export') live.invoke(entry.name);
        else live.callTable(entry.fun, entry.env);
    } catch (error) {
        trap = toTrap(error, live.ranOutOfInstructions, invocation.limit);
    } finally {
        scope.end();
    }
    const left = live.budget;
    if (trap === null && left < 0n) trap = TrapError.instructionLimit(invocation.limit);
    return { trap, instructions: budget - left };
}

/** Makes the last execution's heap and stable-memory changes the committed state of `code`. */
export function commitExecution(code: CodeState, pool: InstancePool): void {
    const live = pool.peek(code);
    if (live === null) throw new Error('commitExecution: the code state has no live instance; commit right after execute');
    live.commit(code.heap);
    code.stable.commit();
}

export function rollbackExecution(code: CodeState, pool: InstancePool): void {
    const live = pool.peek(code);
    if (live !== null && !live.rollback(code.heap)) pool.release(code);
    code.stable.rollback();
}

function toTrap(error: unknown, ranOut: boolean, limit: bigint): TrapError {
    if (error instanceof TrapError) return error;
    if (error instanceof WebAssembly.RuntimeError) {
        return ranOut ? TrapError.instructionLimit(limit) : trapFromRuntimeError(error);
    }
    if (error instanceof RangeError && /call stack/i.test(error.message)) return TrapError.wasm('stack overflow');
    throw error;
}
