/**
 * The parts of management replies the upgrader reads: narrower records than ic.did's, which
 * Candid's record subtyping decodes whatever fields the IC adds (test/upgrader/candid.test.ts
 * checks each field against ic.did). Apart from management.ts so tests load it without Azle.
 */
import { Candid, type ValueOf } from './typed-idl';

/** The part of canister_status_result the upgrader reads. */
export const CanisterStatusView = Candid.Record({
    status: Candid.Variant({ running: Candid.Null, stopping: Candid.Null, stopped: Candid.Null }),
    module_hash: Candid.Opt(Candid.Blob),
    settings: Candid.Record({ controllers: Candid.Vec(Candid.Principal) }),
    /** What a snapshot of the canister holds, part by part (a rehearsal's cycles are priced on it). */
    memory_metrics: Candid.Record({ wasm_memory_size: Candid.Nat, stable_memory_size: Candid.Nat, wasm_binary_size: Candid.Nat, wasm_chunk_store_size: Candid.Nat })
});
export type CanisterStatus = ValueOf<typeof CanisterStatusView>;

/** The part of canister_info_result the upgrader reads (record subtyping drops the rest). */
export const CanisterInfoView = Candid.Record({ controllers: Candid.Vec(Candid.Principal), module_hash: Candid.Opt(Candid.Blob) });
export type CanisterInfo = ValueOf<typeof CanisterInfoView>;
