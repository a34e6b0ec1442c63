/**
 * The execution view: an approved proposal's steps as the upgrader runs them, from the app's
 * audit history (every step it started or failed) and the live execution record (where it
 * waits and why), redrawn as they change.
 */
import type { AuditEntry, Execution, Proposal, Step } from '../../../canisters/upgrader/types.js';
import { h, replaceContent } from './dom.js';
import { outcomeText, stepText, succeeded, tag, time } from './format.js';

/** The upgrade's steps in the executor's order (rollback steps appear only when taken; the outcome line marks the end). */
const PLAN: string[] = ['check', 'clear_chunk_store', 'upload_chunk', 'stop', 'snapshot', 'install', 'start', 'verify', 'health_check', 'cleanup'];

type StepState = 'done' | 'current' | 'failed' | 'pending' | 'skipped';

interface Line {
    label: string;
    state: StepState;
    detail?: string;
}

function lines(events: AuditEntry[], live: Execution | undefined, finished: boolean): Line[] {
    const started: Array<{ step: Step; at: bigint }> = [];
    const failed = new Map<string, string>();
    for (const entry of events) {
        if ('step_started' in entry.event) started.push({ step: entry.event.step_started, at: entry.at });
        if ('step_failed' in entry.event) failed.set(stepText(entry.event.step_failed.step), entry.event.step_failed.message);
    }
    const result: Line[] = started.map(({ step, at }, i) => {
        const label = stepText(step);
        const last = i === started.length - 1;
        const failure = failed.get(label);
        const state: StepState = failure !== undefined ? 'failed' : last && !finished ? 'current' : 'done';
        return { label, state, detail: failure ?? time(at) };
    });
    const reached = new Set(started.map(({ step }) => tag(step)));
    const lastReached = Math.max(-1, ...started.map(({ step }) => PLAN.indexOf(tag(step))));
    for (const name of PLAN.slice(lastReached + 1)) {
        if (reached.has(name)) continue;
        result.push({ label: name === 'upload_chunk' ? 'upload chunks' : name.replace(/_/g, ' '), state: finished ? 'skipped' : 'pending' });
    }
    if (live?.waiting[0] !== undefined) result.push({ label: 'waiting', state: 'current', detail: live.waiting[0] });
    return result;
}

const MARK: Record<StepState, string> = { done: '✓', current: '▶', failed: '✗', pending: '·', skipped: '–' };

export function renderExecution(region: HTMLElement, proposalId: bigint | undefined, proposal: Proposal | undefined, audit: AuditEntry[], execution: Execution | undefined): void {
    const events = audit.filter((e) => e.proposal_id[0] === proposalId);
    const live = execution !== undefined && execution.proposal_id === proposalId ? execution : undefined;
    const status = proposal?.status;
    const begun = events.some((e) => 'step_started' in e.event);
    if (proposalId === undefined || (!begun && live === undefined)) {
        replaceContent(region, h('h2', { id: 'execution-title' }, 'Execution'), h('p', { class: 'hint' }, status !== undefined && 'open' in status ? 'Not started: the proposal is still open for votes. Once approved, the upgrader runs it here step by step.' : 'Nothing executed for this proposal.'));
        return;
    }
    const outcome = status !== undefined && 'executed' in status ? status.executed : undefined;
    const steps = lines(events, live, outcome !== undefined);
    const done = steps.filter((s) => s.state === 'done' || s.state === 'skipped').length;
    replaceContent(
        region,
        h('h2', { id: 'execution-title' }, `Execution of #${proposalId}`),
        h('label', { for: 'execution-progress' }, outcome === undefined ? `Step ${Math.min(done + 1, steps.length)} of ${steps.length}` : 'Finished'),
        h('progress', { id: 'execution-progress', max: String(steps.length), value: String(outcome === undefined ? done : steps.length) }),
        h('ol', { class: 'steps', 'aria-label': 'Steps' }, steps.map((s) => h('li', { class: `step step-${s.state}` }, h('span', { class: 'mark', 'aria-hidden': 'true' }, MARK[s.state]), h('span', {}, s.label), h('span', { class: 'visually-hidden' }, ` (${s.state})`), s.detail === undefined ? null : h('span', { class: 'hint' }, ` ${s.detail}`)))),
        live === undefined ? null : h('p', { class: 'hint' }, `Attempt ${live.attempt}, ${live.retries} retries at this step; updated ${time(live.updated_at)}.`),
        outcome === undefined ? null : h('p', { id: 'execution-outcome', class: succeeded(outcome) ? 'success' : 'error' }, `Outcome: ${outcomeText(outcome)}`)
    );
}
