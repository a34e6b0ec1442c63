/**
 * The `ic0` System API: every function a canister may import, each described once, in one
 * entry of one table (split by concern into the files imported below). An entry holds the
 * function's wasm32 signature, its allowed contexts (spec §1.4), its instruction overhead
 * and its implementation; see entry.ts for the shape and how TypeScript checks it.
 *
 * Sources: the interface spec's System API (/work/shared/reference/ic-interface-spec.md
 * §1.2–1.4, spec ≈0.45 plus the [newest] additions), cross-checked against the replica's
 * linker (rs/embedders/src/wasmtime_embedder/linker.rs). Replica-only functions
 * (`mint_cycles`, `mint_cycles128`) are deliberately absent: ordinary canisters may not
 * import them.
 *
 * To add or change a function, edit its entry in the file of its concern; the validator
 * (via `IC0_SIGNATURES`) and the engine (via `bindIc0`) both read it from here.
 */
import type { SystemApiSignature, SystemApiSignatures } from '../../wasm/index.js';
import { parseContexts, type ContextKind } from '../contexts.js';
import { CALL } from './calls.js';
import { CERTIFICATION } from './certification.js';
import { COSTS, CYCLES } from './cycles.js';
import { DEBUG } from './debug.js';
import type { Ic0Entry, Ic0Table } from './entry.js';
import { IDENTITY } from './identity.js';
import { MESSAGE } from './message.js';
import type { Ic0Scope } from './scope.js';
import { STABLE } from './stable.js';
import { TIME } from './time.js';

export { Ic0Scope, type SystemApiHost } from './scope.js';
export type { Ic0Entry } from './entry.js';

function assemble(groups: readonly Ic0Table[]): ReadonlyMap<string, Ic0Entry> {
    const table = new Map<string, Ic0Entry>();
    for (const group of groups) {
        for (const [name, entry] of Object.entries(group)) {
            if (table.has(name)) throw new Error(`ic0.${name} is declared twice in the ic0 table`);
            table.set(name, entry);
        }
    }
    return table;
}

/** Every `ic0` function, by name. */
export const IC0: ReadonlyMap<string, Ic0Entry> = assemble([MESSAGE, CYCLES, COSTS, IDENTITY, CALL, STABLE, CERTIFICATION, TIME, DEBUG]);

/** Name → wasm32 signature of every `ic0` function: what `prepareModule` validates imports against. */
export const IC0_SIGNATURES: SystemApiSignatures = new Map<string, SystemApiSignature>(
    [...IC0].map(([name, entry]) => [name, { params: entry.params, results: entry.results }])
);

/** Name → contexts allowed to call it, parsed once from the table. */
export const IC0_CONTEXTS: ReadonlyMap<string, ReadonlySet<ContextKind>> = new Map([...IC0].map(([name, entry]) => [name, parseContexts(entry.contexts)]));

type Impl = (s: Ic0Scope, ...args: Array<number | bigint>) => unknown;
type Arg = number | bigint;

/**
 * The `ic0` import object of one instance, bound to `scope` once (when the instance is
 * created). Each function checks its context, charges its overhead, reinterprets its i32
 * arguments as unsigned (the System API's numbers are all unsigned; JavaScript receives
 * i32 as signed), then runs the implementation.
 */
export function bindIc0(scope: Ic0Scope): WebAssembly.Imports {
    const functions: Record<string, (...args: never[]) => unknown> = {};
    for (const [name, entry] of IC0) functions[name] = bind(scope, name, entry) as (...args: never[]) => unknown;
    return { ic0: functions };
}

const unsigned = (x: Arg): Arg => (x as number) >>> 0;
const asIs = (x: Arg): Arg => x;

function bind(scope: Ic0Scope, name: string, entry: Ic0Entry): (...args: Arg[]) => unknown {
    const impl = entry.impl as unknown as Impl;
    const allowed = IC0_CONTEXTS.get(name)!;
    const overhead = entry.overhead;
    const convert = entry.params.map((type) => (type === 'i32' ? unsigned : asIs));
    // Fixed arities for the common shapes, so a call allocates no argument array.
    switch (convert.length) {
        case 0:
            return () => {
                scope.enter(name, allowed, overhead);
                return impl(scope);
            };
        case 1: {
            const [c0] = convert as [typeof asIs];
            return (a: Arg) => {
                scope.enter(name, allowed, overhead);
                return impl(scope, c0(a));
            };
        }
        case 2: {
            const [c0, c1] = convert as [typeof asIs, typeof asIs];
            return (a: Arg, b: Arg) => {
                scope.enter(name, allowed, overhead);
                return impl(scope, c0(a), c1(b));
            };
        }
        case 3: {
            const [c0, c1, c2] = convert as [typeof asIs, typeof asIs, typeof asIs];
            return (a: Arg, b: Arg, c: Arg) => {
                scope.enter(name, allowed, overhead);
                return impl(scope, c0(a), c1(b), c2(c));
            };
        }
        default:
            return (...args: Arg[]) => {
                scope.enter(name, allowed, overhead);
                for (let i = 0; i < convert.length; i++) args[i] = convert[i]!(args[i]!);
                return impl(scope, ...args);
            };
    }
}
