import type { Principal } from '@dfinity/principal';
import type { InstructionLimits } from '../constants.js';
import type { ContextKind } from '../engine/contexts.js';
import type { CostSchedule } from '../engine/cycles.js';
import type { PageStore } from '../memory/page-store.js';

/** Options of a subnet; every field has a default documented on it. */
export interface SubnetOptions {
    /** Instruction limits per message kind. Default: the IC's (40 B update, 5 B query, 300 B install, 200 M inspect). */
    instructionLimits?: Partial<InstructionLimits>;
    /** How long a stop_canister may wait for open call contexts, in ns. Default: 5 minutes. */
    stopTimeoutNs?: bigint;
    /** Snapshots a canister may keep. Default: 10. */
    maxSnapshotsPerCanister?: number;
    /** Canisters kept instantiated at once; others wait as shared pages. Default: 32. */
    maxLiveInstances?: number;
    /** Cycle costs: 'normal' (13-node application subnet prices) or 'free'. Default: 'normal'. */
    costSchedule?: CostSchedule;
    /** Initial time in ns since the epoch. Default: the wall clock at creation. */
    time?: bigint;
    /** Index of the first canister id handed out. Default: 0xffffffffffe00000, as PocketIC's application subnet. */
    firstCanisterIndex?: bigint;
    /** The subnet's id. Default: a fixed self-authenticating id. */
    subnetId?: Principal;
    /** DER root key exposed through ic0.root_key_*, when the replica has one. Default: none. */
    rootKey?: Uint8Array | null;
    /**
     * Produces the certificate a query call's target canister may read (data_certificate_copy):
     * a certificate of /canister/<id>/certified_data and /time. Called only when the canister
     * reads it. Default: none (data_certificate_present is 0); Replica.create provides one.
     */
    certifyQuery?: (canisterId: Principal) => Uint8Array;
    /** Called with every debug_print of a replicated execution. Default: none. */
    onDebugPrint?: (canisterId: Principal, text: string) => void;
    /** Seed of raw_rand. Default: fixed, so runs are reproducible. */
    randomSeed?: Uint8Array;
    /** Page store shared by canisters and snapshots. Default: the process-wide store. */
    pageStore?: PageStore;
    /** Called after every execution of canister code in a round (benchmarks, tracing). Default: none. */
    onExecution?: (event: ExecutionEvent) => void;
    /** Called after every call the management canister executes in a round (benchmarks, tracing). Default: none. */
    onManagementCall?: (event: ManagementCallEvent) => void;
}

/** One execution of canister code, as reported to `onExecution`. */
export interface ExecutionEvent {
    canisterId: Principal;
    kind: ContextKind;
    entry: string;
    instructions: bigint;
    trapped: boolean;
    /** Wall time of the execution, in ms. */
    durationMs: number;
}

/** One call executed by the management canister, as reported to `onManagementCall`. */
export interface ManagementCallEvent {
    method: string;
    /** Wall time of the call, including any canister code it ran (install), in ms. */
    durationMs: number;
}

/** See `Subnet.exportCounters`. */
export interface SubnetCounters {
    nextCallContextId: number;
    nextCallbackId: number;
    nextIngressNonce: bigint;
    randomCounter: bigint;
    lastStorageCharge: bigint;
}
