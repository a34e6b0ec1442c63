/**
 * The happy path: demo app v1 asks (one-way) for its own upgrade to v2, two of three voters
 * approve, the upgrader stops, snapshots, installs, starts and verifies it. The notes written
 * under v1 are all there in v2's data model, the module hash changed, and every step is in the
 * audit log.
 */
import type { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../../canisters/demo_app/v1/types';
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import type { AuditEvent } from '../../canisters/upgrader/types';
import { expectedSubject, upgradeSubject } from '../../src/client/upgrader';
import type { Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    bob,
    castVote,
    deployGovernedApp,
    getProposal,
    hex,
    KEEP_CONFIG,
    loadModule,
    moduleHashOf,
    ok,
    SAFE_OPTIONS,
    sha256,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    waitForOutcome
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

describe('governed upgrade, happy path', () => {
    let replica: Replica;
    let upgrader: Upgrader;
    let app: Principal;

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ upgrader, app } = await deployGovernedApp(replica));
    });

    it('upgrades v1 to v2 on the app\'s own one-way request, keeping and migrating its data', async () => {
        const v1 = replica.createActor<DemoAppV1Service>(v1Idl, app);
        v1.setPrincipal(alice);
        await v1.add_note('Groceries\nmilk, eggs');
        await v1.add_note('A single line');
        const v1Hash = await moduleHashOf(replica, app);

        const v2 = loadModule('demo_app_v2');
        const module = await uploadModule(upgrader, app, v2);
        expect(module.complete).toBe(true);
        expect(module.chunks_expected).toBe(4); // ~3.5 MB in 1 MiB chunks

        // The app proposes its own upgrade: the owner asks it, it notifies the upgrader.
        v1.setPrincipal(admin);
        expect(await v1.request_upgrade(upgradeRequest(v2))).toEqual({ Ok: null });
        await replica.tick(2); // the one-way request runs in a later round
        const proposalId = (await upgrader.get_app(app))[0]?.live_proposal[0];
        if (proposalId === undefined) throw new Error('the app did not get a live proposal');
        const proposal = await getProposal(upgrader, proposalId);
        expect(proposal.proposer.toText()).toBe(app.toText());
        expect(proposal.status).toEqual({ open: null });
        // What the voters approve, recomputed on their side from what they reviewed: v2, the
        // argument, the options, no downgrade, from the v1 module the app runs.
        expect(proposal.from_module.map(hex)).toEqual([v1Hash]);
        expect(hex(proposal.arg_hash)).toBe(hex(sha256(KEEP_CONFIG)));
        expect(proposal.downgrade).toBe(false);
        const subject = upgradeSubject({
            moduleHash: v2.hash,
            argHash: sha256(KEEP_CONFIG),
            options: SAFE_OPTIONS,
            downgrade: false,
            fromModule: [Uint8Array.from(Buffer.from(v1Hash ?? '', 'hex'))]
        });
        expect(hex(proposal.subject)).toBe(hex(subject));
        expect(hex(expectedSubject(proposal) ?? new Uint8Array())).toBe(hex(subject));

        expect('open' in ok(await castVote(upgrader, alice, proposalId, subject)).status).toBe(true);
        expect(ok(await castVote(upgrader, bob, proposalId, subject)).status).toEqual({ executing: null });

        expect(await waitForOutcome(replica, upgrader, proposalId)).toEqual({ upgraded: null });

        // Module hash changed to the approved one; the app runs again.
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        expect(await moduleHashOf(replica, app)).not.toBe(v1Hash);
        expect((await replica.canisterStatus({ canisterId: app, sender: admin })).status).toEqual({ running: null });

        // Data kept and migrated to v2's model.
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');
        expect(await upgraded.schema_version()).toBe(2n);
        expect(await upgraded.count()).toBe(2n);
        const first = (await upgraded.get_note(0n))[0];
        expect(first?.title).toBe('Groceries');
        expect(first?.body).toBe('Groceries\nmilk, eggs');
        expect(first?.author.toText()).toBe(alice.toText());
        expect((await upgraded.get_note(1n))[0]?.title).toBe('A single line');
        expect(await upgraded.migration()).toEqual({ schema_version: 2n, migrated: 2n, remaining_v1: 0n });

        // The app is free again, a snapshot was kept, the installed module was reclaimed,
        // and the app's chunk store (the staging area) is empty.
        const info = (await upgrader.get_app(app))[0];
        expect(info?.live_proposal).toEqual([]);
        expect(info?.snapshots.map((s) => s.proposal_id)).toEqual([proposalId]);
        expect(await upgrader.get_module({ app, hash: v2.hash })).toEqual([]);
        expect(await upgrader.get_execution(app)).toEqual([]);
        expect(await replica.callManagement('stored_chunks', { canister_id: app }, admin)).toEqual([]);

        // Every step is in the audit log, in order.
        const page = await upgrader.audit_log({ app: [app], start: 0n, limit: 100 });
        const events = page.entries.map((e) => eventName(e.event));
        expect(events).toEqual([
            'registered',
            'module_created',
            'module_completed',
            'proposed',
            'voted',
            'voted',
            'status_changed:executing',
            'step_started:check',
            'step_started:clear_chunk_store',
            'step_started:upload_chunk',
            'step_started:upload_chunk',
            'step_started:upload_chunk',
            'step_started:upload_chunk',
            'step_started:stop',
            'step_started:snapshot',
            'step_started:install',
            'step_started:start',
            'step_started:verify',
            'step_started:health_check',
            'step_started:cleanup',
            'status_changed:executed',
            'module_deleted'
        ]);
        expect(page.total).toBe(BigInt(events.length));
        expect(page.next).toEqual([]);
        // Anyone can read it, in pages.
        upgrader.setPrincipal(alice);
        const second = await upgrader.audit_log({ app: [app], start: 5n, limit: 3 });
        expect(second.entries.map((e) => e.seq)).toEqual(page.entries.slice(5, 8).map((e) => e.seq));
        expect(second.next).toEqual([8n]);
        // The registry's history (no app named) holds registrations, ejections and reaps only.
        const registry = await upgrader.audit_log({ app: [], start: 0n, limit: 100 });
        expect(registry.entries.map((e) => [eventName(e.event), e.app.toText()])).toEqual([['registered', app.toText()]]);
    });
});

function eventName(event: AuditEvent): string {
    const [name, value] = Object.entries(event)[0] ?? ['?', null];
    if ((name === 'step_started' || name === 'status_changed') && typeof value === 'object' && value !== null) return `${name}:${Object.keys(value)[0]}`;
    return name;
}
