/**
 * The executor's flow table (canisters/upgrader/flow.ts) as Markdown, for the README: flow.test.ts
 * checks that canisters/upgrader/README.md shows exactly this, so the two cannot drift.
 */
import { type Condition, FLOW, ON_ERROR, type Retry, type Route, STEP_NAMES, type StepFlow } from '../../canisters/upgrader/flow';

const CONDITION_TEXT: Record<Condition, string> = {
    restore: 'a restore',
    handOver: 'a hand-over',
    fromUpgraderStore: "a group member's (its module in the upgrader's own store)",
    fellBack: "a group member's that fell back to its own store",
    takeSnapshot: 'a snapshot was asked for',
    hasSnapshot: 'a snapshot was taken',
    failedEarlier: 'an earlier step failed',
    wasRunning: 'the app was running',
    rehearse: 'a rehearsal was asked for',
    rehearsalLive: 'a rehearsal canister was created and not yet deleted'
};

function route(r: Route): string {
    if ('if' in r) return `if ${CONDITION_TEXT[r.if]}: ${route(r.then)}, else ${route(r.else)}`;
    const outcome = r.records !== undefined ? ` (\`${r.records}\`)` : r.replaces !== undefined ? ` (becomes \`${r.replaces}\`)` : '';
    return `\`${r.to}\`${outcome}`;
}

function routeOrRetry(r: Route | Retry): string {
    return 'retry' in r ? `tried again by the watchdog (${r.retry} tries in all), then ${route(r.then)}` : route(r);
}

/** The table: one row a step, its call, where success leads, and where each other edge leads. */
export function renderFlow(): string {
    const rows = STEP_NAMES.filter((name) => name !== 'done').map((name) => {
        const flow: StepFlow = FLOW[name];
        const { ok, ...others } = flow.on;
        const otherwise = Object.entries(others).map(([edge, r]) => `${edge}: ${routeOrRetry(r)}`);
        return `| \`${name}\` | ${flow.call.length > 0 ? flow.call : '—'} | ${ok === undefined ? '—' : routeOrRetry(ok)} | ${otherwise.join('; ')} |`;
    });
    return [
        '| step | call | on success | otherwise |',
        '|---|---|---|---|',
        ...rows,
        `| any step | its call cannot be sent for lack of cycles | — | stays at the step, waiting; the watchdog tries again once topped up |`,
        `| any step | its own logic fails (a bug) | — | ${route(ON_ERROR)} |`
    ].join('\n');
}
