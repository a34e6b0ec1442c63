/**
 * The page's connection to the network: one HttpAgent (signing as the voter's key) and the
 * upgrader's typed client, and what the views read through it. The upgrader has no listing
 * queries, so apps come from the registry's audit history and proposals from each app's own.
 */
import { HttpAgent, type Identity } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';

import type { AppInfo, AuditEntry, Execution, Proposal, ProposalStatus, Rollout } from '../../../canisters/upgrader/types.js';
import { UpgraderClient } from '../../client/upgrader.js';
import type { PageConfig } from './config.js';

export interface Connection {
    agent: HttpAgent;
    client: UpgraderClient;
}

export async function connect(config: PageConfig, identity: Identity): Promise<Connection> {
    const agent = await HttpAgent.create({ host: config.networkUrl, identity, shouldFetchRootKey: config.fetchRootKey });
    return { agent, client: UpgraderClient.create({ agent, canisterId: config.upgraderId }) };
}

/** Registered apps, as the registry's history tells (registrations less ejections and reaps), read page by page from where the last read stopped. */
export class RegistryReader {
    private next = 0n;
    private readonly apps = new Map<string, bigint>();

    constructor(private readonly client: UpgraderClient) {}

    /** App ids with their registration time, newest first. */
    async read(): Promise<Array<{ app: string; registeredAt: bigint }>> {
        for (;;) {
            const page = await this.client.auditLog({ app: [], start: this.next, limit: 100 });
            for (const entry of page.entries) {
                const app = entry.app.toText();
                if ('registered' in entry.event) this.apps.set(app, entry.at);
                else if ('ejected' in entry.event || 'reaped' in entry.event) this.apps.delete(app);
            }
            const following = page.next[0];
            if (following === undefined) {
                this.next = page.total;
                break;
            }
            this.next = following;
        }
        return [...this.apps].map(([app, registeredAt]) => ({ app, registeredAt })).sort((a, b) => (a.registeredAt < b.registeredAt ? 1 : -1));
    }
}

/** Everything the views show about one app, read in one go. */
export interface AppSnapshot {
    app: Principal;
    info: AppInfo | undefined;
    /** The app's audit history kept by the upgrader, oldest first. */
    audit: AuditEntry[];
    /** Positions in the app's audit log so far (older ones may have been dropped). */
    auditTotal: bigint;
    execution: Execution | undefined;
    /** A group's latest rollout (none for an app, or a group that has had none). */
    rollout: Rollout | undefined;
    /** The proposal shown in detail (chosen, else the live one, else the latest), if the upgrader still keeps it. */
    proposal: Proposal | undefined;
    proposalId: bigint | undefined;
}

export async function readApp(client: UpgraderClient, app: Principal, chosen: bigint | undefined): Promise<AppSnapshot> {
    const [info, execution, rollout, log] = await Promise.all([client.getApp(app), client.getExecution(app), client.getRollout(app), readAudit(client, app)]);
    const proposalId = chosen ?? info?.live_proposal[0] ?? proposalsOf(log.entries).at(-1)?.id;
    const proposal = proposalId === undefined ? undefined : await client.getProposal(proposalId);
    return { app, info, audit: log.entries, auditTotal: log.total, execution, rollout, proposal, proposalId };
}

async function readAudit(client: UpgraderClient, app: Principal): Promise<{ entries: AuditEntry[]; total: bigint }> {
    const entries: AuditEntry[] = [];
    let start: bigint | undefined = 0n;
    let total = 0n;
    while (start !== undefined) {
        const page = await client.auditLog({ app: [app], start, limit: 100 });
        entries.push(...page.entries);
        total = page.total;
        start = page.next[0];
    }
    return { entries, total };
}

/** The app's proposals in its audit history, oldest first, each with its last status seen there. */
export function proposalsOf(audit: AuditEntry[]): Array<{ id: bigint; at: bigint; status: ProposalStatus }> {
    const byId = new Map<bigint, { id: bigint; at: bigint; status: ProposalStatus }>();
    for (const entry of audit) {
        const id = entry.proposal_id[0];
        if (id === undefined) continue;
        if ('proposed' in entry.event || 'emergency_upgrade' in entry.event || 'restore_requested' in entry.event) byId.set(id, { id, at: entry.at, status: { open: null } });
        else if ('status_changed' in entry.event) {
            const known = byId.get(id);
            byId.set(id, { id, at: known?.at ?? entry.at, status: entry.event.status_changed });
        }
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
