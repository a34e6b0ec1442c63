/**
 * The voters' page: reads the configuration, keeps the voter's key, and redraws each view when
 * its data changes (polling the upgrader's queries while an app is open, every second during an
 * execution or a group's rollout so its progress shows step by step, member by member). The address's fragment names what is shown:
 * `#app=<id>&proposal=<n>`.
 */
import { Principal } from '@dfinity/principal';
import { Ed25519KeyIdentity } from '@dfinity/identity';

import { renderApp, renderAppPicker } from './apps-view.js';
import { renderAudit } from './audit-view.js';
import { readConfig } from './config.js';
import { h } from './dom.js';
import { renderExecution } from './execution-view.js';
import { loadOrCreateKey, replaceKey } from './identity.js';
import { renderIdentity } from './identity-view.js';
import { type AppSnapshot, connect, proposalsOf, readApp, RegistryReader } from './network.js';
import { renderProposal, renderProposalList, type VoteRequest } from './proposals-view.js';
import { renderRollout } from './rollout-view.js';
import { type InterfaceState, renderInterface } from './interface-view.js';
import { reviewProposalInterface } from '../../client/interface-check.js';

/** How often the page reads the upgrader: every second while an execution runs, else every 3 s. */
const POLL_LIVE_MS = 1_000;
const POLL_IDLE_MS = 3_000;

function region(id: string): HTMLElement {
    const element = document.getElementById(id);
    if (element === null) throw new Error(`index.html lacks #${id}`);
    return element;
}

/** A JSON key of any Candid value (bigints, blobs, principals), to redraw a view only when its data changed. */
function key(value: unknown): string {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v).join(',') : v instanceof Principal ? v.toText() : v));
}

function route(): { app?: string; proposal?: bigint } {
    const params = new URLSearchParams(location.hash.slice(1));
    const app = params.get('app') ?? undefined;
    const proposal = params.get('proposal');
    return { app, proposal: proposal !== null && /^\d+$/.test(proposal) ? BigInt(proposal) : undefined };
}

async function main(): Promise<void> {
    const config = readConfig();
    const announcer = region('announce');
    const announce = (message: string, isError = false): void => {
        announcer.className = isError ? 'error' : '';
        announcer.textContent = message;
    };
    region('network').replaceChildren('Network ', h('code', {}, config.networkUrl), ' · upgrader ', h('code', {}, config.upgraderId));

    let identity = loadOrCreateKey();
    const connection = await connect(config, identity);
    const registry = new RegistryReader(connection.client);
    const drawn = new Map<string, string>();
    const draw = (id: string, data: unknown, render: (element: HTMLElement) => void): void => {
        const k = key(data);
        if (drawn.get(id) === k) return;
        drawn.set(id, k);
        render(region(id));
    };

    const showIdentity = (): void => {
        const me = identity.getPrincipal().toText();
        region('whoami').replaceChildren('Voting as ', h('code', { class: 'principal' }, me));
        renderIdentity(region('identity'), identity, !config.fetchRootKey, {
            use: (next) => {
                identity = replaceKey(next);
                connection.agent.replaceIdentity(next);
                drawn.clear();
                showIdentity();
                void refresh();
            },
            fresh: () => Ed25519KeyIdentity.generate(),
            announce
        });
    };
    showIdentity();

    let voting = false;
    const vote = (request: VoteRequest): void => {
        if (voting) return;
        voting = true;
        announce(`Sending your vote to ${request.approve ? 'approve' : 'reject'} proposal #${request.proposal.id}…`);
        connection.client.vote({ proposal_id: request.proposal.id, subject: request.subject, approve: request.approve }).then(
            (after) => {
                announce(`Vote recorded on #${after.id}: approving weight ${after.approving_weight}; status ${Object.keys(after.status)[0]}.`);
                document.getElementById('proposal-title')?.focus();
            },
            (error: unknown) => announce(`The vote was not recorded: ${error instanceof Error ? error.message : String(error)}`, true)
        ).finally(() => {
            voting = false;
            void refresh();
        });
    };

    let snapshot: AppSnapshot | undefined;
    let running: Promise<void> | undefined;
    /** Interface checks by proposal id: each module is downloaded and checked once. */
    const interfaces = new Map<bigint, InterfaceState>();
    const refresh = (): Promise<void> =>
        (running ??= (async () => {
            try {
                const { app, proposal } = route();
                const current = app ?? config.app ?? undefined;
                const apps = await registry.read();
                draw('apps', { apps, current }, (el) => renderAppPicker(el, apps, current, (id) => (location.hash = `app=${id}`)));
                let principal: Principal | undefined;
                try {
                    principal = current === undefined ? undefined : Principal.fromText(current);
                } catch {
                    announce(`${current} is not a canister id (e.g. uxrrr-q7777-77774-qaaaq-cai).`, true);
                }
                region('app-views').hidden = principal === undefined;
                if (principal === undefined) return;
                snapshot = await readApp(connection.client, principal, proposal);
                const s = snapshot;
                const me = identity.getPrincipal().toText();
                draw('app', { info: s.info, me }, (el) => renderApp(el, principal.toText(), s.info, me));
                draw('proposals', { list: proposalsOf(s.audit), sel: s.proposalId }, (el) => renderProposalList(el, principal.toText(), proposalsOf(s.audit), s.proposalId));
                draw('proposal', { p: s.proposal, id: s.proposalId, info: s.info, me }, (el) => renderProposal(el, s.proposalId, s.proposal, s.info, me, vote));
                const shown = s.proposal;
                if (shown !== undefined && !interfaces.has(shown.id)) {
                    interfaces.set(shown.id, 'pending');
                    void reviewProposalInterface(connection.agent, connection.client, shown).then((result) => {
                        interfaces.set(shown.id, result);
                        void refresh();
                    });
                }
                draw('interface', { i: shown === undefined ? undefined : interfaces.get(shown.id) }, (el) => renderInterface(el, shown === undefined ? undefined : interfaces.get(shown.id)));
                // A group runs no execution of its own: its rollout view shows its members' progress instead.
                const rollout = s.rollout;
                region('execution').hidden = rollout !== undefined || (s.proposal !== undefined && 'rollout' in s.proposal.action);
                region('rollout').hidden = rollout === undefined;
                draw('execution', { p: s.proposal?.status, id: s.proposalId, a: s.audit.filter((e) => e.proposal_id[0] === s.proposalId), x: s.execution }, (el) => renderExecution(el, s.proposalId, s.proposal, s.audit, s.execution));
                if (rollout !== undefined) draw('rollout', rollout, (el) => renderRollout(el, rollout));
                draw('audit', { a: s.audit, t: s.auditTotal }, (el) => renderAudit(el, s.audit, s.auditTotal));
                if (announcer.classList.contains('error') && announcer.textContent?.startsWith('Cannot reach')) announce('Connected again.');
            } catch (error) {
                announce(`Cannot reach the upgrader at ${config.networkUrl}: ${error instanceof Error ? error.message : String(error)}. Retrying.`, true);
            } finally {
                running = undefined;
            }
        })());

    window.addEventListener('hashchange', () => {
        drawn.clear();
        void refresh();
    });
    await refresh();
    region('main').setAttribute('aria-busy', 'false');
    const poll = (): void => {
        const live = snapshot?.proposal !== undefined && 'executing' in snapshot.proposal.status;
        setTimeout(() => void refresh().finally(poll), live ? POLL_LIVE_MS : POLL_IDLE_MS);
    };
    poll();
}

main().catch((error: unknown) => {
    const announcer = document.getElementById('announce');
    if (announcer !== null) {
        announcer.className = 'error';
        announcer.textContent = `The page could not start: ${error instanceof Error ? error.message : String(error)}`;
    }
});
