/** What prepare.ts produces and cache.ts stores: a prepared module and its info. */
import type { GlobalValueType } from './instrument.js';

/** What the engine needs to know about a canister module. */
export interface CanisterModuleInfo {
    updateMethods: ReadonlySet<string>;
    queryMethods: ReadonlySet<string>;
    compositeQueryMethods: ReadonlySet<string>;
    hasInit: boolean;
    hasPreUpgrade: boolean;
    hasPostUpgrade: boolean;
    hasInspectMessage: boolean;
    hasHeartbeat: boolean;
    hasGlobalTimer: boolean;
    hasOnLowWasmMemory: boolean;
    /** The module had a start section (now exported as `__replica_start`). */
    hasStart: boolean;
    hasMemory: boolean;
    hasTable: boolean;
    /** Every defined mutable global, as exported by the instrumenter. */
    mutableGlobals: ReadonlyArray<{ exportName: string; valueType: GlobalValueType }>;
    /** `icp:public <name>` sections, by name. */
    publicCustomSections: ReadonlyMap<string, Uint8Array>;
    /** `icp:private <name>` sections, by name. */
    privateCustomSections: ReadonlyMap<string, Uint8Array>;
    /** Names plus contents of the `icp:` sections, in bytes. */
    customSectionsSize: number;
    /** Size of the uncompressed module in bytes. */
    wasmSize: number;
    importedSystemApi: ReadonlySet<string>;
}

/** A module ready to instantiate. */
export interface PreparedModule {
    /** SHA-256 of the bytes exactly as given (compressed if gzipped): the IC's module hash. */
    moduleHash: Uint8Array;
    /** Length of the bytes as given. */
    givenSize: number;
    /** The bytes as given (gzipped if they were): what snapshots hold and serve. */
    given: Uint8Array;
    /** The decompressed original module. */
    wasm: Uint8Array;
    /** The instrumented module, compiled. */
    compiled: WebAssembly.Module;
    info: CanisterModuleInfo;
}
