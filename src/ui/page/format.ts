/** How the page writes values: hashes, principals, IC times, statuses and outcomes. */
import type { Outcome, ProposalStatus, RehearsalReport, Step } from '../../../canisters/upgrader/types.js';
import { toHex } from '../../encoding/hex.js';

export { toHex };

/** The one key of a Candid variant. */
export function tag(variant: object): string {
    return Object.keys(variant)[0] ?? '';
}

/** The value of a Candid variant's one key. */
function payload(variant: object): unknown {
    return Object.values(variant)[0];
}

/** IC nanoseconds as a local date and time. */
export function time(ns: bigint): string {
    return new Date(Number(ns / 1_000_000n)).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function isoTime(ns: bigint): string {
    return new Date(Number(ns / 1_000_000n)).toISOString();
}

export function seconds(value: bigint): string {
    const s = Number(value);
    if (s % 86_400 === 0) return `${s / 86_400} day${s === 86_400 ? '' : 's'}`;
    if (s % 3_600 === 0) return `${s / 3_600} h`;
    return `${s} s`;
}

export function outcomeText(outcome: Outcome): string {
    const detail = payload(outcome);
    return typeof detail === 'string' ? `${tag(outcome).replace(/_/g, ' ')}: ${detail}` : tag(outcome).replace(/_/g, ' ');
}

export function statusText(status: ProposalStatus): string {
    if ('executed' in status) return `executed — ${outcomeText(status.executed)}`;
    if ('cancelled' in status) return `cancelled: ${status.cancelled}`;
    return tag(status);
}

export function stepText(step: Step): string {
    if ('upload_chunk' in step) return `upload chunk ${step.upload_chunk + 1}`;
    if ('rehearsal_copy' in step) return `rehearsal: copy slice ${step.rehearsal_copy + 1}`;
    return tag(step).replace(/_/g, ' ');
}

/** Whether an outcome did what was voted (upgraded, policy changed, restored, handed over, a group's rollout run to its end). */
export function succeeded(outcome: Outcome): boolean {
    return 'upgraded' in outcome || 'policy_changed' in outcome || 'restored' in outcome || 'handed_over' in outcome || 'rolled_out' in outcome;
}

/** A rehearsal's report: how it ended, on how much state, in which canister. */
export function rehearsalText(report: RehearsalReport): string {
    const result = report.result[0];
    const ended = result === undefined ? 'under way' : 'passed' in result ? 'passed' : `failed: ${result.failed}`;
    const canister = report.canister[0];
    return `${ended} (up to ${report.state_bytes} bytes of app state${canister === undefined ? '' : `, copy ${canister.toText()}`})`;
}
