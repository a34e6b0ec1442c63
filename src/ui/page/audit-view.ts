/** The audit view: the app's history as the upgrader keeps it, newest first. */
import type { AuditEntry, AuditEvent } from '../../../canisters/upgrader/types.js';
import { h, replaceContent } from './dom.js';
import { isoTime, rehearsalText, statusText, stepText, tag, time, toHex } from './format.js';

const SHOWN = 60;

function eventText(event: AuditEvent): string {
    if ('voted' in event) return `voted to ${event.voted.approve ? 'approve' : 'reject'} (weight ${event.voted.weight})`;
    if ('status_changed' in event) return `status: ${statusText(event.status_changed)}`;
    if ('step_started' in event) return `step started: ${stepText(event.step_started)}`;
    if ('step_failed' in event) return `step failed: ${stepText(event.step_failed.step)}: ${event.step_failed.message}`;
    if ('policy_changed' in event) return `policy changed (version ${event.policy_changed})`;
    if ('handed_over' in event) return `handed over to the upgrader ${event.handed_over.toText()}`;
    if ('rehearsed' in event) return `rehearsal ${rehearsalText(event.rehearsed)}`;
    const value = Object.values(event)[0] as unknown;
    const name = tag(event).replace(/_/g, ' ');
    return value instanceof Uint8Array ? `${name} ${toHex(value).slice(0, 16)}…` : name;
}

export function renderAudit(region: HTMLElement, audit: AuditEntry[], total: bigint): void {
    const newest = audit.slice(-SHOWN).reverse();
    replaceContent(
        region,
        h('h2', { id: 'audit-title' }, 'Audit log'),
        h('p', { class: 'hint' }, `${newest.length} latest of ${total} entries${BigInt(audit.length) < total ? ` (the upgrader keeps the latest ${audit.length})` : ''}.`),
        newest.length === 0
            ? null
            : h(
                  'ol',
                  { class: 'audit', 'aria-labelledby': 'audit-title', reversed: true },
                  newest.map((entry) =>
                      h(
                          'li',
                          {},
                          h('span', { class: 'seq' }, `#${entry.seq}`),
                          h('time', { datetime: isoTime(entry.at) }, time(entry.at)),
                          h('span', { class: 'event' }, eventText(entry.event)),
                          entry.proposal_id[0] === undefined ? null : h('span', { class: 'hint' }, `proposal #${entry.proposal_id[0]}`),
                          h('span', { class: 'hint' }, 'by ', h('code', { class: 'principal' }, entry.actor.toText()))
                      )
                  )
              )
    );
}
