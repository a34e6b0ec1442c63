/**
 * The `ic0` System API a canister module may import, with wasm32 signatures (every
 * pointer / size argument `I` is i32, since the embedded replica runs wasm32 only).
 *
 * Source: the interface spec's System API list (/work/shared/reference/ic-interface-spec.md
 * §1.4, spec ≈0.45 plus the [newest] additions) cross-checked against the replica's
 * linker (rs/embedders/src/wasmtime_embedder/linker.rs). Replica-only functions
 * (`mint_cycles`, `mint_cycles128`) are deliberately absent: ordinary canisters may not
 * import them.
 */

export type SystemApiValueType = 'i32' | 'i64';

export interface SystemApiSignature {
    readonly params: readonly SystemApiValueType[];
    readonly results: readonly SystemApiValueType[];
}

const I = 'i32';
const I32 = 'i32';
const I64 = 'i64';

function sig(params: readonly SystemApiValueType[], results: readonly SystemApiValueType[] = []): SystemApiSignature {
    return { params, results };
}

const COPY = sig([I, I, I]); // (dst, offset, size) -> ()
const SIZE = sig([], [I]); // () -> I
const SRC_SIZE = sig([I, I]); // (src, size) -> ()

/** Every `ic0` function, name → wasm32 signature. */
export const SYSTEM_API: ReadonlyMap<string, SystemApiSignature> = new Map<string, SystemApiSignature>([
    // Message data and the caller.
    ['msg_arg_data_size', SIZE],
    ['msg_arg_data_copy', COPY],
    ['msg_caller_size', SIZE],
    ['msg_caller_copy', COPY],
    ['msg_caller_info_data_size', SIZE],
    ['msg_caller_info_data_copy', COPY],
    ['msg_caller_info_signer_size', SIZE],
    ['msg_caller_info_signer_copy', COPY],
    ['msg_reject_code', sig([], [I32])],
    ['msg_reject_msg_size', SIZE],
    ['msg_reject_msg_copy', COPY],
    ['msg_deadline', sig([], [I64])],
    ['msg_method_name_size', SIZE],
    ['msg_method_name_copy', COPY],
    ['accept_message', sig([])],

    // Responding.
    ['msg_reply_data_append', SRC_SIZE],
    ['msg_reply', sig([])],
    ['msg_reject', SRC_SIZE],

    // Cycles (128-bit and the legacy 64-bit versions).
    ['msg_cycles_available', sig([], [I64])],
    ['msg_cycles_available128', sig([I])],
    ['msg_cycles_refunded', sig([], [I64])],
    ['msg_cycles_refunded128', sig([I])],
    ['msg_cycles_accept', sig([I64], [I64])],
    ['msg_cycles_accept128', sig([I64, I64, I])],
    ['cycles_burn128', sig([I64, I64, I])],
    ['canister_cycle_balance', sig([], [I64])],
    ['canister_cycle_balance128', sig([I])],
    ['canister_liquid_cycle_balance128', sig([I])],

    // Identity, status, version.
    ['canister_self_size', SIZE],
    ['canister_self_copy', COPY],
    ['subnet_self_size', SIZE],
    ['subnet_self_copy', COPY],
    ['canister_status', sig([], [I32])],
    ['canister_version', sig([], [I64])],
    ['is_controller', sig([I, I], [I32])],
    ['in_replicated_execution', sig([], [I32])],
    ['root_key_size', SIZE],
    ['root_key_copy', COPY],

    // Inter-canister calls.
    ['call_new', sig([I, I, I, I, I, I, I, I])],
    ['call_on_cleanup', sig([I, I])],
    ['call_data_append', SRC_SIZE],
    ['call_with_best_effort_response', sig([I32])],
    ['call_cycles_add', sig([I64])],
    ['call_cycles_add128', sig([I64, I64])],
    ['call_perform', sig([], [I32])],

    // Stable memory (64-bit and the deprecated 32-bit versions).
    ['stable_size', sig([], [I32])],
    ['stable_grow', sig([I32], [I32])],
    ['stable_write', sig([I32, I32, I32])],
    ['stable_read', sig([I32, I32, I32])],
    ['stable64_size', sig([], [I64])],
    ['stable64_grow', sig([I64], [I64])],
    ['stable64_write', sig([I64, I64, I64])],
    ['stable64_read', sig([I64, I64, I64])],

    // Certification.
    ['certified_data_set', SRC_SIZE],
    ['data_certificate_present', sig([], [I32])],
    ['data_certificate_size', SIZE],
    ['data_certificate_copy', COPY],

    // Time, timers, introspection.
    ['time', sig([], [I64])],
    ['global_timer_set', sig([I64], [I64])],
    ['performance_counter', sig([I32], [I64])],

    // Costs.
    ['cost_call', sig([I64, I64, I])],
    ['cost_create_canister', sig([I])],
    ['cost_http_request', sig([I64, I64, I])],
    ['cost_sign_with_ecdsa', sig([I, I, I32, I], [I32])],
    ['cost_sign_with_schnorr', sig([I, I, I32, I], [I32])],
    ['cost_vetkd_derive_key', sig([I, I, I32, I], [I32])],

    // Environment variables. env_var_name_copy's argument order differs between spec
    // versions ((dst, offset, size, index) vs (index, dst, offset, size)); both are four
    // i32s, so the signature check is the same either way.
    ['env_var_count', SIZE],
    ['env_var_name_size', sig([I], [I])],
    ['env_var_name_copy', sig([I, I, I, I])],
    ['env_var_name_exists', sig([I, I], [I32])],
    ['env_var_value_size', sig([I, I], [I])],
    ['env_var_value_copy', sig([I, I, I, I, I])],

    // Debugging.
    ['debug_print', SRC_SIZE],
    ['trap', SRC_SIZE]
]);

/** `(i32, i32) -> (i64)` style text for error messages. */
export function formatSignature(signature: SystemApiSignature): string {
    return `(${signature.params.join(', ')}) -> (${signature.results.join(', ')})`;
}
