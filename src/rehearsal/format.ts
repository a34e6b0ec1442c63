/** A rehearsal report as lines for a person. */
import { firstLine, hookLabel, type MemoryFigures, type RehearsalReport, type StepReport } from './report.js';

const STEP_TITLES: Record<StepReport['step'], string> = {
    upgrade: '1. upgrade to the new module (old pre_upgrade, new post_upgrade)',
    upgrade_again: '2. upgrade again (new pre_upgrade, new post_upgrade: can the new version be upgraded?)',
    health_check: '3. health check'
};

/** 219300000000n → "219.3 B". */
function instructions(n: bigint): string {
    const units: Array<[bigint, string]> = [
        [1_000_000_000n, 'B'],
        [1_000_000n, 'M'],
        [1_000n, 'K']
    ];
    for (const [size, unit] of units) if (n >= size) return `${(Number((n * 10n) / size) / 10).toString()} ${unit}`;
    return n.toString();
}

function bytes(n: bigint): string {
    const gib = 1024n ** 3n;
    if (n >= gib) return `${(Number((n * 10n) / gib) / 10).toString()} GiB`;
    return `${(Number((n * 10n) / 1024n ** 2n) / 10).toString()} MiB`;
}

function memory(name: string, m: MemoryFigures): string {
    return `${name} ${bytes(m.before)} → ${bytes(m.after)} of ${bytes(m.limit)}`;
}

export function reportLines(report: RehearsalReport): string[] {
    const { upgradeInstructions, messageInstructions } = report.limits;
    const lines = [
        `rehearsal of ${report.canisterId}: module ${report.oldModuleHash.slice(0, 16)}… → ${report.newModuleHash.slice(0, 16)}…`,
        `limits: ${instructions(upgradeInstructions)} instructions per upgrade (all hooks together), ${instructions(messageInstructions)} per message; a hook may use ${report.maxSharePercent} %`
    ];
    for (const step of report.steps) {
        lines.push(`${STEP_TITLES[step.step]}: ${step.status.toUpperCase()}${step.detail === null ? '' : ` (${firstLine(step.detail)})`}`);
        for (const hook of step.hooks) {
            const trapped = hook.trap === null ? '' : ', then trapped';
            lines.push(
                `   ${hookLabel(hook)}: ${hook.percentOfUpgradeLimit} % of the upgrade's instruction limit at today's size (${instructions(hook.instructions)}; ${hook.percentOfMessageLimit} % of a message's)${trapped}`
            );
        }
        if (step.totalInstructions !== null && step.hooks.length > 1) lines.push(`   all hooks: ${step.totalPercentOfUpgradeLimit} % of the upgrade's instruction limit (${instructions(step.totalInstructions)})`);
        if (step.heap !== null && step.stable !== null) lines.push(`   ${memory('heap', step.heap)}; ${memory('stable memory', step.stable)}`);
    }
    lines.push(report.passed ? 'verdict: PASSED' : `verdict: FAILED`);
    for (const failure of report.failures) lines.push(`  ✗ ${failure}`);
    return lines;
}
