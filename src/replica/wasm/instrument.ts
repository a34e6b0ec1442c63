/**
 * Rewrites a validated canister module so the engine can run it like the IC does.
 *
 * What the engine can rely on in the output:
 *
 * - **Heap bias and dirty-page map.** The real memory is the canister's memory shifted up
 *   by `HEAP_BIAS_BYTES` (1 MiB = 16 Wasm pages). Real bytes [0, 1 MiB) are a map with one
 *   byte per logical 4 KiB page (`DIRTY_PAGE_SHIFT`): byte i becomes 1 after the canister
 *   stored into logical page i. Loads and stores keep their logical addresses (their
 *   static offsets are biased); a store marks the page of its effective address after it
 *   succeeded (a trapping store marks nothing). A store that starts in page p may spill up
 *   to 15 bytes (v128) into page p+1 without marking it: the engine must treat page p+1
 *   as possibly dirty whenever page p is. `memory.size` / `memory.grow` report logical
 *   pages; `memory.fill`, `memory.copy` and `memory.init` mark every page of
 *   [dst, dst+n). Active data segments land at their logical offsets. The logical maximum
 *   is 65,536 − 16 pages. Modules without memory get none of this.
 * - **Exports added.** `__replica_memory`, `__replica_table` (table 0),
 *   `__replica_global_<i>` (every defined mutable global), `__replica_start` (the start
 *   function; the start section is removed so instantiation never runs it),
 *   `__replica_instructions` (mutable i64: remaining instruction budget) and
 *   `__replica_out_of_instructions` (mutable i32 flag), and, when table 0 holds functions,
 *   `__replica_call_indirect(fun, env)`, which runs `table[fun](env)` through
 *   `call_indirect` so a callback of the wrong type traps as on the IC (calling the table
 *   entry from JS would silently coerce the arguments). New types, functions and globals
 *   go at the end of their index spaces, so no original index moves; no imports are added.
 * - **Metering like the IC** (rs/embedders/src/wasm_utils/instrumentation.rs). Each body is
 *   split at injection points: the function entry and the start of each `loop` body are
 *   re-entrant points; the instruction after `if`, `else`, `end`, `br`, `br_if`,
 *   `br_table`, `return`, `unreachable` and `return_call*` starts a plain point. A point
 *   subtracts the static cost (opcodes.ts) of the original instructions from it to the
 *   next point; re-entrant points then check the budget and, if it went negative, set
 *   the flag and execute `unreachable`. As on the IC, a function entry costs one extra
 *   instruction, and `block` does not split (splitting there would not change any count).
 *   `memory.fill/copy/init` charge 100 + n at run time inside their helpers, before doing
 *   the work; `table.fill/copy/init` charge n at run time (their static 100 is in the
 *   point). Instructions used = budget before − budget after.
 *
 * Files: instrument-layout.ts (bias, page size, export names), instrument-scan.ts and
 * instrument-rewrite.ts (the two passes over each body), instrument-helpers.ts (appended
 * helper functions), instrument-sections.ts (section rewriting and assembly).
 */
import { WasmInstrumentationError } from './errors.js';
import { ValType } from './opcodes.js';
import { ExternalKind, SectionId, valueTypeName, type ParsedModule } from './parsed-module.js';
import { ByteWriter } from './writer.js';
import { H_CALL_INDIRECT, helperIndex, makeSnippets, type Context } from './instrument-context.js';
import { HELPER_TYPE_COUNT, helperType, writeHelper, writeHelperTypes } from './instrument-helpers.js';
import { REPLICA_EXPORTS } from './instrument-layout.js';
import { instrumentCode } from './instrument-rewrite.js';
import { assembleModule, dataSection, extendVector, memorySection } from './instrument-sections.js';

/** Bump whenever the instrumented output changes (it keys the module cache). */
export const INSTRUMENTATION_VERSION = 2;

export type GlobalValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

export interface InstrumentedModule {
    readonly bytes: Uint8Array;
    readonly mutableGlobals: ReadonlyArray<{ exportName: string; valueType: GlobalValueType }>;
    readonly hasStart: boolean;
    readonly hasMemory: boolean;
    readonly hasTable: boolean;
}

/**
 * Instruments a parsed module (which must already have passed V8 and IC validation).
 *
 * @throws InvalidWasmModuleError for instructions the IC does not support, or a memory
 *   too large to leave room for the dirty-page map.
 */
export function instrumentModule(module: ParsedModule): InstrumentedModule {
    if (module.importedMemoryCount > 0 || module.importedTableCount > 0 || module.importedGlobalCount > 0) {
        throw new WasmInstrumentationError('Modules that import memories, tables or globals cannot be instrumented.');
    }
    const hasMemory = module.memories.length > 0;
    const hasTable = module.tables.length > 0;
    const counterGlobal = module.globals.length;
    const flagGlobal = counterGlobal + 1;
    const ctx: Context = {
        module,
        hasMemory,
        snippets: makeSnippets(counterGlobal, flagGlobal),
        funcBase: module.importedFunctionCount + module.functionTypes.length,
        helpers: new Map(),
        helperOrder: []
    };

    const bodies = instrumentCode(ctx);
    const callsIndirect = hasTable && module.tables[0]!.refType === ValType.FuncRef;
    if (callsIndirect) helperIndex(ctx, H_CALL_INDIRECT);
    const helperTypeBase = module.types.length;
    const needsHelpers = ctx.helperOrder.length > 0;

    const mutableGlobals: Array<{ exportName: string; valueType: GlobalValueType }> = [];
    module.globals.forEach((global, index) => {
        if (global.mutable) {
            mutableGlobals.push({
                exportName: REPLICA_EXPORTS.globalPrefix + index,
                valueType: valueTypeName(global.valueType) as GlobalValueType
            });
        }
    });

    const builders = new Map<number, () => ByteWriter>();

    if (needsHelpers) {
        builders.set(SectionId.Type, () => extendVector(module, SectionId.Type, HELPER_TYPE_COUNT, writeHelperTypes));
        builders.set(SectionId.Function, () =>
            extendVector(module, SectionId.Function, ctx.helperOrder.length, (w) => {
                for (const key of ctx.helperOrder) w.u32(helperTypeBase + helperType(key));
            })
        );
    }
    if (hasMemory) builders.set(SectionId.Memory, () => memorySection(module));
    builders.set(SectionId.Global, () =>
        extendVector(module, SectionId.Global, 2, (w) => {
            w.bytes(Uint8Array.of(0x7e, 0x01, 0x42, 0x00, 0x0b)); // (mut i64) budget
            w.bytes(Uint8Array.of(0x7f, 0x01, 0x41, 0x00, 0x0b)); // (mut i32) out-of-instructions flag
        })
    );
    const added: Array<[string, number, number]> = [];
    if (hasMemory) added.push([REPLICA_EXPORTS.memory, ExternalKind.Memory, 0]);
    if (hasTable) added.push([REPLICA_EXPORTS.table, ExternalKind.Table, 0]);
    module.globals.forEach((global, index) => {
        if (global.mutable) added.push([REPLICA_EXPORTS.globalPrefix + index, ExternalKind.Global, index]);
    });
    if (module.start !== null) added.push([REPLICA_EXPORTS.start, ExternalKind.Function, module.start]);
    if (callsIndirect) added.push([REPLICA_EXPORTS.callIndirect, ExternalKind.Function, ctx.helpers.get(H_CALL_INDIRECT)!]);
    added.push([REPLICA_EXPORTS.instructions, ExternalKind.Global, counterGlobal]);
    added.push([REPLICA_EXPORTS.outOfInstructions, ExternalKind.Global, flagGlobal]);
    builders.set(SectionId.Export, () =>
        extendVector(module, SectionId.Export, added.length, (w) => {
            for (const [name, kind, index] of added) {
                w.name(name);
                w.u8(kind);
                w.u32(index);
            }
        })
    );
    if (module.bodyStarts.length > 0 || needsHelpers) {
        builders.set(SectionId.Code, () => {
            const w = new ByteWriter(bodies.length + 5 + ctx.helperOrder.length * 128);
            w.u32(module.bodyStarts.length + ctx.helperOrder.length);
            w.bytes(bodies.finish());
            for (const key of ctx.helperOrder) writeHelper(w, key, ctx, helperTypeBase);
            return w;
        });
    }
    if (hasMemory && module.dataSegments.length > 0) builders.set(SectionId.Data, () => dataSection(module));

    return { bytes: assembleModule(module, builders), mutableGlobals, hasStart: module.start !== null, hasMemory, hasTable };
}
