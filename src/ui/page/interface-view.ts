/**
 * The interface check of the shown proposal: whether the module it installs keeps every client of
 * the app working (its Candid interface against the app's running one, and the argument against
 * its init arguments), said plainly before anyone votes.
 */
import type { ProposalInterface } from '../../client/interface-check.js';
import { h, replaceContent } from './dom.js';

/** `pending` while the module is being downloaded and checked. */
export type InterfaceState = ProposalInterface | 'pending';

export function renderInterface(region: HTMLElement, state: InterfaceState | undefined): void {
    region.hidden = state === undefined || (state !== 'pending' && state.kind === 'not-applicable');
    if (state === undefined || (state !== 'pending' && state.kind === 'not-applicable')) return;
    const title = h('h2', { id: 'interface-title' }, 'Interface check');
    if (state === 'pending') return replaceContent(region, title, h('p', { class: 'hint' }, 'Downloading the proposed module and checking its interface…'));
    if (state.kind === 'unavailable') return replaceContent(region, title, h('p', { class: 'hint' }, `Not checked: ${state.reason}`));
    const { verdict } = state;
    const where = (b: { method: string; path: string }): string => (b.path === '' ? b.method : `${b.method}: ${b.path}`);
    replaceContent(
        region,
        title,
        verdict.compatible
            ? h('p', { id: 'interface-verdict', class: 'ok' }, 'Compatible: no client of the app\'s current interface breaks, and the upgrade argument decodes.')
            : h('p', { id: 'interface-verdict', class: 'error', role: 'alert' }, `This upgrade BREAKS the app's clients (${verdict.breaking.length} problem${verdict.breaking.length === 1 ? '' : 's'}): callers of the methods below will fail after it.`),
        verdict.breaking.length === 0 ? null : h('ul', { class: 'breaking' }, verdict.breaking.map((b) => h('li', {}, h('code', {}, where(b)), `: ${b.reason}`))),
        verdict.notes.length === 0 ? null : h('ul', { class: 'notes' }, verdict.notes.map((n) => h('li', {}, h('code', {}, where(n)), `: ${n.reason}`)))
    );
}
