/** Canister module handling for the embedded replica: validate, instrument, compile, cache. */
export { InvalidWasmModuleError,  } from './errors.js';
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
export { instrumentModule, INSTRUMENTATION_VERSION, type InstrumentedModule, type GlobalValueType } from './instrument.js';
export { HEAP_BIAS_BYTES, HEAP_BIAS_PAGES, MAX_WASM32_PAGES } from './instrument-layout.js';
export { validateCanisterModule, MODULE_LIMITS,   type CanisterModuleSummary } from './validate.js';
export { parseModule } from './sections.js';
export type { ParsedModule } from './parsed-module.js';
export {  type SystemApiSignature, type SystemApiSignatures, type SystemApiValueType } from './signatures.js';
export { defaultModuleCacheDir, moduleCachePaths, MODULE_CACHE_ENV } from './cache.js';
export {       type OpcodeTable } from './opcodes.js';
