/** The apps view: registered apps, the app to open, and the chosen app's policy and recovery principal. */
import type { AppInfo } from '../../../canisters/upgrader/types.js';
import { field, h, replaceContent } from './dom.js';
import { seconds, time, toHex } from './format.js';

export function renderAppPicker(region: HTMLElement, apps: Array<{ app: string; registeredAt: bigint }>, current: string | undefined, open: (app: string) => void): void {
    const input = h('input', { id: 'app-id', name: 'app', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. uxrrr-q7777-77774-qaaaq-cai', value: current ?? '' });
    const form = h(
        'form',
        {
            class: 'inline-form',
            onsubmit: (event: Event) => {
                event.preventDefault();
                open(input.value.trim());
            }
        },
        h('label', { for: 'app-id' }, 'App canister id'),
        h('div', { class: 'row' }, input, h('button', { type: 'submit', id: 'open-app' }, 'Open'))
    );
    replaceContent(
        region,
        h('h2', { id: 'apps-title' }, 'Apps'),
        form,
        apps.length === 0
            ? h('p', { class: 'hint' }, 'No app is registered with this upgrader yet.')
            : h(
                  'ul',
                  { class: 'app-list', 'aria-label': 'Registered apps' },
                  apps.map(({ app, registeredAt }) => h('li', {}, h('a', { href: `#app=${app}`, 'aria-current': app === current ? 'page' : undefined }, h('code', {}, app)), h('span', { class: 'hint' }, ` registered ${time(registeredAt)}`)))
              )
    );
}

export function renderApp(region: HTMLElement, app: string, info: AppInfo | undefined, me: string): void {
    if (info === undefined) {
        replaceContent(region, h('h2', { id: 'app-title' }, 'App'), h('p', { class: 'error' }, `${app} is not registered with this upgrader. Check the id, or register it first.`));
        return;
    }
    const policy = info.policy;
    const total = policy.voters.reduce((sum, v) => sum + v.weight, 0);
    replaceContent(
        region,
        h('h2', { id: 'app-title' }, 'App ', h('code', {}, app)),
        info.paused ? h('p', { class: 'warning' }, 'Paused by its recovery principal: no proposal can be made or executed until it is unpaused.') : null,
        h(
            'dl',
            { class: 'fields' },
            field('Recovery principal', h('code', { class: 'principal' }, info.recovery.toText())),
            field('Threshold', `${policy.threshold} of ${total} (total voting weight)`),
            field('Proposal lifetime', seconds(policy.proposal_lifetime_seconds)),
            field('Health check', policy.health_check[0] ?? 'none'),
            field('Snapshots', `keep ${info.snapshot_policy.keep}${info.snapshot_policy.required ? ', required for every upgrade' : ''}${info.snapshot_policy.rehearse ? '; every upgrade rehearsed on a copy first' : ''}; ${info.snapshots.length} taken`),
            field('Policy version', String(info.policy_version)),
            field('Registered', `${time(info.registered_at)} by `, h('code', { class: 'principal' }, info.registered_by.toText())),
            field('Live proposal', info.live_proposal[0] === undefined ? 'none' : `#${info.live_proposal[0]}`),
            ...groupFields(info)
        ),
        h('h3', {}, 'Voters'),
        h(
            'ul',
            { class: 'voters', 'aria-label': 'Voters and their weights' },
            policy.voters.map((voter) => h('li', {}, h('code', { class: 'principal' }, voter.principal.toText()), ` weight ${voter.weight}`, voter.principal.toText() === me ? h('strong', { class: 'you' }, ' (you)') : null))
        ),
        h('h3', {}, 'Proposers'),
        policy.proposers.length === 0 ? h('p', {}, 'Only the app itself.') : h('ul', { class: 'voters' }, policy.proposers.map((p) => h('li', {}, h('code', { class: 'principal' }, p.toText())))),
        info.snapshots.length === 0 ? null : h('details', {}, h('summary', {}, 'Snapshots the upgrader took'), h('ul', {}, info.snapshots.map((s) => h('li', {}, `${toHex(s.id)} — ${time(s.taken_at)}, proposal #${s.proposal_id}`))))
    );
}

/** A member names its group (whose policy and rollouts govern it); a group counts its members. */
function groupFields(info: AppInfo): Node[] {
    const group = info.group[0];
    if (group !== undefined) return field('Group', h('a', { href: `#app=${group.toText()}` }, h('code', {}, group.toText())), ' (its policy and rollouts govern this app)');
    return info.members > 0 ? field('Members', `${info.members} apps in this group`) : [];
}
