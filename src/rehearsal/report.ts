/** What a rehearsal found: per step and per hook, figures against the IC's limits, and a verdict. */

export type StepName = 'upgrade' | 'upgrade_again' | 'health_check';

/** Which code a hook ran: the module the app runs today (old) or the one being rehearsed (new). */
export type HookModule = 'old' | 'new';

export interface HookFigures {
    hook: 'pre_upgrade' | 'post_upgrade' | 'start';
    module: HookModule;
    instructions: bigint;
    /** Percent of the upgrade's instruction budget (install_code's, shared by every hook of one upgrade). */
    percentOfUpgradeLimit: number;
    /** Percent of one update message's budget, for comparison (hooks run under the upgrade's). */
    percentOfMessageLimit: number;
    /** The trap's text when this hook failed, else null. */
    trap: string | null;
}

export interface MemoryFigures {
    before: bigint;
    after: bigint;
    limit: bigint;
}

export interface StepReport {
    step: StepName;
    status: 'passed' | 'failed' | 'skipped';
    /** Why it failed or was skipped, else null. */
    detail: string | null;
    /** Upgrade steps only: the hooks that ran, in order. */
    hooks: HookFigures[];
    /** Upgrade steps only: instructions of every hook together, and their percent of the budget. */
    totalInstructions: bigint | null;
    totalPercentOfUpgradeLimit: number | null;
    heap: MemoryFigures | null;
    stable: MemoryFigures | null;
}

export interface RehearsalReport {
    canisterId: string;
    oldModuleHash: string;
    newModuleHash: string;
    limits: { upgradeInstructions: bigint; messageInstructions: bigint };
    /** A hook above this percent of its limit fails the rehearsal. */
    maxSharePercent: number;
    steps: StepReport[];
    /** Every reason the rehearsal failed; empty when it passed. */
    failures: string[];
    passed: boolean;
}

/** `part` as a percent of `whole`, to two decimals. */
export function percent(part: bigint, whole: bigint): number {
    if (whole <= 0n) return 0;
    return Number((part * 10_000n) / whole) / 100;
}

/** The reasons a set of steps fails the rehearsal: a failed step, or a hook over its share. */
export function failuresOf(steps: readonly StepReport[], maxSharePercent: number): string[] {
    const failures: string[] = [];
    for (const step of steps) {
        if (step.status === 'failed') failures.push(`${step.step} failed: ${firstLine(step.detail ?? 'no detail')}`);
        for (const hook of step.hooks) {
            if (hook.trap === null && hook.percentOfUpgradeLimit > maxSharePercent) {
                failures.push(`${hookLabel(hook)} in ${step.step} used ${hook.percentOfUpgradeLimit} % of the upgrade's instruction limit, over the ${maxSharePercent} % allowed`);
            }
        }
    }
    return failures;
}

export function hookLabel(hook: HookFigures): string {
    return `${hook.hook} (${hook.module === 'old' ? 'old module' : 'new module'})`;
}

export function firstLine(text: string): string {
    const line = text.split('\n')[0] ?? '';
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
