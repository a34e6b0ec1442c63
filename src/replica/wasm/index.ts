/** Canister module handling for the embedded replica: validate, instrument, compile, cache. */
export { InvalidWasmModuleError, WasmInstrumentationError } from './errors.js';
export {
    prepareModule,
    decodeModuleBytes,
    clearPreparedModuleCache,
    prepareModuleStats,
    type PreparedModule,
    type CanisterModuleInfo,
    type PrepareModuleOptions,
    type PrepareStats
} from './prepare.js';
export {
    instrumentModule,
    INSTRUMENTATION_VERSION,
    HEAP_BIAS_BYTES,
    HEAP_BIAS_PAGES,
    DIRTY_PAGE_SHIFT,
    MAX_WASM32_PAGES,
    MAX_LOGICAL_PAGES,
    BULK_MEMORY_BASE_COST,
    REPLICA_EXPORTS,
    type InstrumentedModule,
    type GlobalValueType
} from './instrument.js';
export { validateCanisterModule, MODULE_LIMITS, WASM_PAGE_BYTES, RESERVED_EXPORT_PREFIX, type CanisterModuleSummary } from './validate.js';
export { parseModule, type ParsedModule } from './sections.js';
export { formatSignature, type SystemApiSignature, type SystemApiSignatures, type SystemApiValueType } from './signatures.js';
export { defaultModuleCacheDir, moduleCachePaths, MODULE_CACHE_ENV } from './cache.js';
export { OPS, MISC_OPS, SIMD_OPS, Imm, Role, describeOpcode, type OpcodeTable } from './opcodes.js';
