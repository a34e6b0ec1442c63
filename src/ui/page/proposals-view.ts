/**
 * The proposals view: the app's proposals, one in detail (what a vote approves, votes so far,
 * expiry) and the vote buttons. For an upgrade the page recomputes the vote's subject from the
 * proposal's fields and refuses to vote when it differs.
 */
import type { AppInfo, Proposal, ProposalStatus, UpgradeOptions } from '../../../canisters/upgrader/types.js';
import { expectedSubject } from '../../client/upgrader.js';
import { equalBytes } from '../../encoding/bytes.js';
import { field, h, replaceContent } from './dom.js';
import { rehearsalText, statusText, tag, time, toHex } from './format.js';

export interface VoteRequest {
    proposal: Proposal;
    subject: Uint8Array;
    approve: boolean;
}

function optionsText(options: UpgradeOptions): string {
    const persistence = options.wasm_memory_persistence[0];
    return [
        options.take_snapshot ? 'take a snapshot first' : 'no snapshot',
        options.skip_pre_upgrade ? 'skip pre_upgrade' : 'run pre_upgrade',
        persistence === undefined ? 'Wasm memory: default' : `Wasm memory: ${tag(persistence)}`
    ].join('; ');
}

export function renderProposalList(region: HTMLElement, app: string, proposals: Array<{ id: bigint; status: ProposalStatus }>, selected: bigint | undefined): void {
    replaceContent(
        region,
        h('h2', { id: 'proposals-title' }, 'Proposals'),
        proposals.length === 0
            ? h('p', { class: 'hint' }, 'None in this app\'s audit history yet.')
            : h(
                  'ul',
                  { class: 'proposal-list', 'aria-label': 'Proposals of this app, newest first' },
                  [...proposals].reverse().map(({ id, status }) => h('li', {}, h('a', { href: `#app=${app}&proposal=${id}`, 'aria-current': id === selected ? 'true' : undefined }, `#${id}`), h('span', { class: `status status-${tag(status)}` }, statusText(status))))
              )
    );
}


/** What a vote on `action` binds, as shown above the vote buttons. */
function bindsText(action: Proposal['action']): string {
    if ('upgrade' in action) return 'its module hash, argument hash, options, downgrade flag and from-module';
    if ('rollout' in action) return 'its module hash, argument hash, options, downgrade flag, the members it names (or all) and its plan';
    if ('hand_over' in action) return 'the successor and the module hash it must run';
    if ('change_policy' in action) return 'the new policy';
    return 'the snapshot';
}
function voteArea(proposal: Proposal, info: AppInfo | undefined, me: string, vote: (request: VoteRequest) => void): Node {
    const area = h('div', { class: 'vote', role: 'group', 'aria-labelledby': 'vote-title' }, h('h3', { id: 'vote-title' }, 'Your vote'));
    const mine = proposal.votes.find((v) => v.voter.toText() === me);
    const voter = info?.policy.voters.find((v) => v.principal.toText() === me);
    if (mine !== undefined) {
        area.append(h('p', {}, `You voted to ${mine.approve ? 'approve' : 'reject'} (weight ${mine.weight}) at ${time(mine.at)}.`));
        return area;
    }
    if (!('open' in proposal.status)) {
        area.append(h('p', {}, 'Voting is closed: the proposal is no longer open.'));
        return area;
    }
    if (voter === undefined) {
        area.append(h('p', {}, 'Your principal is not a voter of this app. Ask its voters to name it in the policy (set_policy through a policy-change proposal), or import the key of a voter (Your identity).'));
        return area;
    }
    let subject = proposal.subject;
    const binds = bindsText(proposal.action);
    if ('upgrade' in proposal.action || 'rollout' in proposal.action || 'hand_over' in proposal.action) {
        const recomputed = expectedSubject(proposal);
        if (recomputed === undefined || !equalBytes(recomputed, proposal.subject)) {
            area.append(h('p', { class: 'error', role: 'alert' }, `The proposal's subject does not match ${binds} as shown: do not vote; report it.`));
            return area;
        }
        subject = recomputed;
    }
    area.append(
        h('p', { id: 'vote-binds', class: 'hint' }, `Your vote (weight ${voter.weight}) binds subject ${toHex(subject).slice(0, 16)}…: ${binds} above, nothing else.`),
        h(
            'div',
            { class: 'actions' },
            h('button', { type: 'button', id: 'vote-approve', class: 'primary', 'aria-describedby': 'vote-binds', onclick: () => vote({ proposal, subject, approve: true }) }, `Approve #${proposal.id}`),
            h('button', { type: 'button', id: 'vote-reject', 'aria-describedby': 'vote-binds', onclick: () => vote({ proposal, subject, approve: false }) }, `Reject #${proposal.id}`)
        )
    );
    return area;
}

function actionFields(proposal: Proposal): Node[] {
    const action = proposal.action;
    if ('upgrade' in action) {
        const request = action.upgrade;
        return [
            ...field('Action', proposal.downgrade ? 'upgrade (a downgrade: the app ran this module before)' : 'upgrade'),
            ...field('Module hash', h('code', { id: 'module-hash', class: 'hash' }, toHex(request.module_hash))),
            ...field('Argument hash', h('code', { id: 'arg-hash', class: 'hash' }, toHex(proposal.arg_hash)), ` (${request.arg.length} bytes)`),
            ...field('Options', optionsText(request.options)),
            ...field('From module', proposal.from_module[0] === undefined ? 'none (the app ran no module)' : h('code', { class: 'hash' }, toHex(proposal.from_module[0])))
        ];
    }
    if ('change_policy' in action) {
        const { policy, snapshot_policy } = action.change_policy;
        return [
            ...field('Action', 'policy change'),
            ...field('New voters', policy.voters.map((v) => `${v.principal.toText()} (weight ${v.weight})`).join(', ')),
            ...field('New threshold', String(policy.threshold)),
            ...field('New snapshots', `keep ${snapshot_policy.keep}${snapshot_policy.required ? ', required' : ''}`)
        ];
    }
    if ('rollout' in action) {
        const { upgrade, members, plan } = action.rollout;
        const named = members[0];
        return [
            ...field('Action', `roll out to ${named === undefined ? 'every member of the group' : `${named.length} named members`}${proposal.downgrade ? ' (a downgrade: the group ran this module before)' : ''}`),
            ...field('Module hash', h('code', { id: 'module-hash', class: 'hash' }, toHex(upgrade.module_hash))),
            ...field('Argument SHA-256', h('code', { id: 'arg-hash', class: 'hash' }, toHex(proposal.arg_hash)), ` (${upgrade.arg.length} bytes)`),
            ...field('Options', optionsText(upgrade.options)),
            ...field('Plan', `canary ${plan.canary}, batches of ${plan.batch_size}, at most ${plan.max_concurrency} at once, halt above ${plan.max_failure_percent}% failures`),
            ...(named === undefined ? [] : field('Members, in order', h('ol', { class: 'members' }, named.map((member) => h('li', {}, h('code', { class: 'principal' }, member.toText()))))))
        ];
    }
    if ('hand_over' in action) {
        const { successor, successor_module_hash } = action.hand_over;
        return [
            ...field('Action', 'hand the app over to a successor upgrader'),
            ...field('Successor', h('code', { id: 'successor', class: 'hash' }, successor.toText())),
            ...field('Its module hash', h('code', { id: 'module-hash', class: 'hash' }, toHex(successor_module_hash)), ' (check: scripts/verify.ts --canister <successor> --expect-wasm <your build>)')
        ];
    }
    return [...field('Action', 'restore a snapshot'), ...field('Snapshot', h('code', { class: 'hash' }, toHex(action.restore_snapshot)))];
}

export function renderProposal(region: HTMLElement, proposalId: bigint | undefined, proposal: Proposal | undefined, info: AppInfo | undefined, me: string, vote: (request: VoteRequest) => void): void {
    if (proposalId === undefined) {
        replaceContent(region, h('h2', { id: 'proposal-title', tabindex: '-1' }, 'Proposal'), h('p', { class: 'hint' }, 'No proposal to show.'));
        return;
    }
    if (proposal === undefined) {
        replaceContent(region, h('h2', { id: 'proposal-title', tabindex: '-1' }, `Proposal #${proposalId}`), h('p', { class: 'hint' }, 'The upgrader no longer keeps this proposal (older ones are pruned); its history stays in the audit log below.'));
        return;
    }
    const threshold = info?.policy.threshold ?? 0;
    const expiresIn = Number(proposal.expires_at / 1_000_000n) - Date.now();
    replaceContent(
        region,
        h('h2', { id: 'proposal-title', tabindex: '-1' }, `Proposal #${proposal.id}`),
        h('p', {}, h('span', { id: 'proposal-status', class: `status status-${tag(proposal.status)}` }, statusText(proposal.status)), proposal.emergency ? h('strong', {}, ' — emergency (recovery principal, no votes)') : null),
        h(
            'dl',
            { class: 'fields' },
            ...field('Proposer', h('code', { class: 'principal' }, proposal.proposer.toText())),
            ...actionFields(proposal),
            ...field('Created', time(proposal.created_at)),
            ...field('Expires', time(proposal.expires_at), 'open' in proposal.status && expiresIn > 0 ? ` (in ${Math.round(expiresIn / 60_000)} min)` : ''),
            ...field('Vote subject', h('code', { class: 'hash' }, toHex(proposal.subject))),
            ...(proposal.rehearsal[0] === undefined ? [] : field('Rehearsal', rehearsalText(proposal.rehearsal[0])))
        ),
        h('h3', { id: 'votes-title' }, 'Votes'),
        h(
            'p',
            { id: 'votes-summary' },
            h('label', { for: 'approval-meter' }, `Approving weight ${proposal.approving_weight} of threshold ${threshold}`),
            h('meter', { id: 'approval-meter', min: '0', max: String(Math.max(threshold, 1)), value: String(Math.min(proposal.approving_weight, Math.max(threshold, 1))) }),
            h('span', {}, `Rejecting weight ${proposal.rejecting_weight}`)
        ),
        proposal.votes.length === 0
            ? h('p', { class: 'hint' }, 'No votes yet.')
            : h('ul', { class: 'votes', 'aria-labelledby': 'votes-title' }, proposal.votes.map((v) => h('li', {}, h('code', { class: 'principal' }, v.voter.toText()), ` ${v.approve ? 'approved' : 'rejected'} (weight ${v.weight}) at ${time(v.at)}`))),
        voteArea(proposal, info, me, vote)
    );
}
