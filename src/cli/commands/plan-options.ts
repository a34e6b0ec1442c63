/**
 * The flags of a rollout's plan (`rollout`): how many members go first as a canary, the size of
 * the waves after it, how many members upgrade at once, and the failure rate that halts it.
 * Checked here before anything is sent; the upgrader's own bound on concurrency (limits()) is
 * checked once connected (`checkPlanLimits`).
 */
import type { Command } from 'commander';

import type { Limits, RolloutPlan } from '../../../canisters/upgrader/types.js';
import { parseSmall } from '../args.js';
import { UsageError } from '../errors.js';

export interface PlanOptions {
    canary: string;
    batchSize: string;
    maxConcurrency: string;
    maxFailurePercent: string;
}

const NAT32_MAX = 2 ** 32 - 1;

export function addPlanOptions(command: Command): Command {
    return command
        .option('--canary <n>', 'members upgraded first, on their own; any failure among them halts the rollout (0: no canary)', '1')
        .option('--batch-size <n>', 'members per wave after the canary; a wave opens once the one before has ended (at least 1)', '10')
        .option('--max-concurrency <n>', "members upgrading at once at most (1 to the upgrader's max_rollout_concurrency, 50 on this version)", '5')
        .option('--max-failure-percent <p>', 'halt once more than this share of the members that ended failed or were rolled back (0-100; 0: the first failure halts)', '10');
}

/** @throws UsageError naming the flag of a value out of its range. */
export function planFrom(options: PlanOptions): RolloutPlan {
    const atLeastOne = (text: string, flag: string): number => {
        const value = parseSmall(text, flag, NAT32_MAX);
        if (value < 1) throw new UsageError(`${flag}: at least 1, not ${text}`);
        return value;
    };
    return {
        canary: parseSmall(options.canary, '--canary', NAT32_MAX),
        batch_size: atLeastOne(options.batchSize, '--batch-size'),
        max_concurrency: atLeastOne(options.maxConcurrency, '--max-concurrency'),
        max_failure_percent: parseSmall(options.maxFailurePercent, '--max-failure-percent', 100)
    };
}

/** @throws UsageError when the plan or the members named pass the upgrader's bounds. */
export function checkPlanLimits(plan: RolloutPlan, named: number, limits: Limits): void {
    if (plan.max_concurrency > limits.max_rollout_concurrency) throw new UsageError(`--max-concurrency: this upgrader runs at most ${limits.max_rollout_concurrency} members at once, not ${plan.max_concurrency}`);
    if (named > limits.max_named_members) throw new UsageError(`--member/--members-file: a rollout may name at most ${limits.max_named_members} members (not ${named}); leave them out to roll out to the whole group`);
}
