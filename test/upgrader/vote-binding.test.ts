/**
 * What voters approve (issue 7, item 12): a vote binds the module hash, the argument's SHA-256,
 * the options, the downgrade flag and the module the app ran when proposed; the execution checks
 * that the app still runs that module (`precondition_failed` otherwise, app untouched); going
 * back to a module the app ran before must say so.
 */
import type { Principal } from '@dfinity/principal';

import { type AuditEvent } from '../../canisters/upgrader/types';
import { wasmPath } from '../../scripts/paths';
import { expectedSubject } from '../../src/client/upgrader';
import type { Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    bob,
    castVote,
    deployGovernedApp,
    err,
    getProposal,
    hex,
    KEEP_CONFIG,
    loadModule,
    maintainer,
    type Module,
    moduleHashOf,
    ok,
    subjectOf,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    waitForOutcome
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

describe('vote binding', () => {
    let replica: Replica;
    let upgrader: Upgrader;
    let app: Principal;
    let v1: Module;
    let v2: Module;

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ upgrader, app } = await deployGovernedApp(replica));
        v1 = loadModule('demo_app_v1');
        v2 = loadModule('demo_app_v2');
        await uploadModule(upgrader, app, v2);
    });

    async function approve(id: bigint): Promise<void> {
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
    }

    it('binds the argument and the options: a vote for one request does not approve another', async () => {
        upgrader.setPrincipal(maintainer);
        const first = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        const firstSubject = await subjectOf(upgrader, first);
        ok(await upgrader.cancel_proposal(first));
        // The same module, another argument (still a valid one: `()` is decoded as no config).
        const second = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2, {}, new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0])) } }));
        const proposal = await getProposal(upgrader, second);
        expect(hex(proposal.subject)).not.toBe(hex(firstSubject));
        expect(hex(expectedSubject(proposal) ?? new Uint8Array())).toBe(hex(proposal.subject));
        expect(err(await castVote(upgrader, alice, second, firstSubject))).toEqual({ SubjectMismatch: { expected: proposal.subject, given: firstSubject } });
        upgrader.setPrincipal(maintainer);
        ok(await upgrader.cancel_proposal(second));
        // Other options, same argument: another subject again.
        const third = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2, { take_snapshot: false }) } }));
        expect(hex(await subjectOf(upgrader, third))).not.toBe(hex(firstSubject));
    });

    it('fails the precondition, leaving the app untouched, when the app no longer runs the module it ran when proposed', async () => {
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        expect((await getProposal(upgrader, id)).from_module.map(hex)).toEqual([hex(v1.hash)]);
        // Meanwhile a controller upgrades the app by hand, outside the upgrader.
        await replica.upgradeCanister({ canisterId: app, wasm: wasmPath('demo_app_v2'), arg: KEEP_CONFIG, sender: admin });
        await approve(id);
        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(Object.keys(outcome)).toEqual(['precondition_failed']);
        expect(JSON.stringify(outcome)).toContain(`not the module ${hex(v1.hash)}`);
        // Untouched: running, on what the controller installed, no snapshot, no stop.
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        expect((await replica.canisterStatus({ canisterId: app, sender: admin })).status).toEqual({ running: null });
        expect((await upgrader.get_app(app))[0]?.snapshots).toEqual([]);
        const steps = (await upgrader.audit_log({ app: [app], start: 0n, limit: 100 })).entries.map((e) => stepName(e.event)).filter((s) => s !== undefined);
        expect(steps).toEqual(['check']);
        // The upgrader saw what the app runs now: a new proposal starts from there.
        upgrader.setPrincipal(maintainer);
        const next = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        expect((await getProposal(upgrader, next)).from_module.map(hex)).toEqual([hex(v2.hash)]);
    });

    it('refuses a downgrade that does not say so, and shows voters one that does', async () => {
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        await approve(id);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });

        // Back to v1, which the app ran before.
        await uploadModule(upgrader, app, v1);
        upgrader.setPrincipal(maintainer);
        expect(err(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v1) } }))).toEqual({
            InvalidArgument: `${app.toText()} ran module ${hex(v1.hash)} before: going back to it is a downgrade; set downgrade to true so voters see it`
        });
        const back = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v1, {}, KEEP_CONFIG, true) } }));
        const proposal = await getProposal(upgrader, back);
        expect(proposal.downgrade).toBe(true);
        expect(proposal.from_module.map(hex)).toEqual([hex(v2.hash)]);
        expect(hex(expectedSubject(proposal) ?? new Uint8Array())).toBe(hex(proposal.subject));
        expect(hex(expectedSubject({ ...proposal, downgrade: false }) ?? new Uint8Array())).not.toBe(hex(proposal.subject));
    });
});

function stepName(event: AuditEvent): string | undefined {
    return 'step_started' in event ? Object.keys(event.step_started)[0] : undefined;
}
