/**
 * What the last install_code cascade of a canister measured: an observation of the embedded
 * replica (the IC has no such API), for tools that rehearse upgrades. It changes nothing the
 * canister or any caller sees.
 */

/** An entry point the install_code cascade runs. */
export type InstallEntry = 'canister_pre_upgrade' | 'start' | 'canister_init' | 'canister_post_upgrade';

export interface InstallStepReport {
    entry: InstallEntry;
    /** Instructions this step used (the IC's count: instrumentation plus System API charges). */
    instructions: bigint;
    /** The trap's text when this step failed the install, else null. */
    trap: string | null;
}

export interface InstallReport {
    mode: 'install' | 'reinstall' | 'upgrade';
    /** Subnet time of the install, in ns. */
    time: bigint;
    /** True when the cascade committed; false when it was rolled back. */
    succeeded: boolean;
    /** The steps that ran, in order (a step after a failed one never runs). */
    steps: InstallStepReport[];
    /** Instructions of all steps together: they share one budget, `instructionLimit`. */
    totalInstructions: bigint;
    /** The install_code budget in force (the IC's: 300 B). */
    instructionLimit: bigint;
    /** Why the cascade failed (the trap's text, or the memory-limit check's), else null. */
    failure: string | null;
    /** Wasm heap size before the install and after it (equal to before when it failed), in bytes. */
    heapBytesBefore: bigint;
    heapBytesAfter: bigint;
    /** Stable memory size before and after, in bytes. */
    stableBytesBefore: bigint;
    stableBytesAfter: bigint;
}
