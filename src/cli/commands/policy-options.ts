/** The flags that describe a policy, shared by `register` and `propose --change-policy`. */
import type { Command } from 'commander';

import type { PolicyChange } from '../../../canisters/upgrader/types.js';
import { collect, parsePrincipal, parseSmall } from '../args.js';
import { UsageError } from '../errors.js';

export interface PolicyOptions {
    voter?: string[];
    threshold?: string;
    proposer?: string[];
    lifetime: string;
    healthCheck?: string;
    snapshotsKeep: string;
    snapshotRequired?: boolean;
    rehearse?: boolean;
}

export function addPolicyOptions(command: Command): Command {
    return command
        .option('--voter <principal[:weight]>', 'a voter and its weight (default 1); repeat for each voter', collect)
        .option('--threshold <weight>', 'approving weight that passes a proposal')
        .option('--proposer <principal>', 'a maintainer who may upload modules and propose; repeat for each', collect)
        .option('--lifetime <seconds>', 'how long a proposal stays open', '604800')
        .option('--health-check <method>', "the app's `() -> (bool)` method that must answer true after an upgrade")
        .option('--snapshots-keep <n>', 'snapshots kept per app (0-10; 0 disables them)', '2')
        .option('--snapshot-required', 'every upgrade must take a snapshot')
        .option('--rehearse', 'rehearse every upgrade on a copy of the app (made by the upgrader, on chain) before touching the app');
}

/** Whether any policy flag was given (propose: a policy change rather than an upgrade). */
export function hasPolicy(options: PolicyOptions): boolean {
    return options.voter !== undefined || options.threshold !== undefined;
}

/** @throws UsageError for a missing voter or threshold, or a malformed value. */
export function policyFrom(options: PolicyOptions): PolicyChange {
    if (options.voter === undefined || options.threshold === undefined) throw new UsageError('a policy needs --voter (at least one) and --threshold');
    const voters = options.voter.map((entry) => {
        const [text = '', weight] = entry.split(':');
        return { principal: parsePrincipal(text, '--voter'), weight: weight === undefined ? 1 : parseSmall(weight, `--voter ${entry} weight`, 2 ** 32 - 1) };
    });
    const lifetime = BigInt(parseSmall(options.lifetime, '--lifetime', Number.MAX_SAFE_INTEGER));
    return {
        policy: {
            voters,
            threshold: parseSmall(options.threshold, '--threshold', 2 ** 32 - 1),
            proposers: (options.proposer ?? []).map((p) => parsePrincipal(p, '--proposer')),
            proposal_lifetime_seconds: lifetime,
            health_check: options.healthCheck === undefined ? [] : [options.healthCheck]
        },
        snapshot_policy: { keep: parseSmall(options.snapshotsKeep, '--snapshots-keep', 255), required: options.snapshotRequired === true, rehearse: options.rehearse === true }
    };
}
