/**
 * Serialization of subnet state for persistence (used by the server's `--state-dir` store).
 * See state.ts for what is saved and which replica internals it relies on.
 */
export * from './values.js';
export * from './state.js';
