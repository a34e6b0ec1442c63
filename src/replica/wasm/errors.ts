/**
 * Errors raised while loading a canister module.
 *
 * `InvalidWasmModuleError` is the caller's fault (the module breaks a Wasm or IC rule) and
 * maps to the replica's "invalid Wasm module" install rejection. `WasmInstrumentationError`
 * is ours: the module was valid but instrumenting it produced something V8 refused.
 */

/** The module is not acceptable: malformed, not Wasm, or breaking an IC module rule. */
export class InvalidWasmModuleError extends Error {
    override readonly name = 'InvalidWasmModuleError';

    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
    }
}

/** Instrumenting a valid module failed; this is a bug in the embedded replica, not in the module. */
export class WasmInstrumentationError extends Error {
    override readonly name = 'WasmInstrumentationError';

    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
    }
}
