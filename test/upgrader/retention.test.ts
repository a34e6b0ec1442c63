/**
 * Retention that works (issue 7, item 6): past the proposal cap, each new proposal prunes the
 * oldest finished ones, stepping over live ones and settling the expiry of abandoned ones as it
 * goes; the audit log is one ring per app, so one app's activity (or a stranger's attempts) never
 * pushes another app's history out. The bounds are lowered at install to make this quick.
 */
import type { Principal } from '@dfinity/principal';

import type { AuditEvent, PolicyChange } from '../../canisters/upgrader/types';
import type { Replica } from '../../src/replica/index';
import {
    alice,
    castVote,
    refusedAtInspect,
    DEFAULT_POLICY,
    DEFAULT_SNAPSHOTS,
    deployApp,
    deployUpgrader,
    maintainer,
    ok,
    registerApp,
    stranger,
    type Upgrader
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

const KEPT = 3;
const PER_APP = 20;

describe('retention', () => {
    let replica: Replica;
    let upgrader: Upgrader;
    let quiet: Principal;
    let busy: Principal;

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        const deployed = await deployUpgrader(replica, { max_proposals_kept: [KEPT], max_audit_entries_per_app: [PER_APP] });
        upgrader = deployed.upgrader;
        quiet = await deployApp(replica, { name: 'demo_app_v1', upgraderId: deployed.id });
        busy = await deployApp(replica, { name: 'demo_app_v1', upgraderId: deployed.id });
        ok(await registerApp(upgrader, quiet));
        ok(await registerApp(upgrader, busy));
    });

    const change: PolicyChange = { policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS };

    async function proposeAndCancel(app: Principal, times: number): Promise<bigint[]> {
        const ids: bigint[] = [];
        upgrader.setPrincipal(maintainer);
        for (let i = 0; i < times; i++) {
            const id = ok(await upgrader.propose({ app, action: { change_policy: change } }));
            ok(await upgrader.cancel_proposal(id));
            ids.push(id);
        }
        return ids;
    }

    async function stored(ids: bigint[]): Promise<bigint[]> {
        const kept: bigint[] = [];
        for (const id of ids) if ((await upgrader.get_proposal(id)).length > 0) kept.push(id);
        return kept;
    }

    it('prunes past an abandoned open proposal, and settles its expiry when it reaches it', async () => {
        expect(await upgrader.limits()).toMatchObject({ max_proposals_kept: KEPT, max_audit_entries_per_app: PER_APP });
        upgrader.setPrincipal(maintainer);
        const abandoned = ok(await upgrader.propose({ app: quiet, action: { change_policy: change } }));

        // The abandoned proposal is the oldest, and live: pruning steps over it.
        const first = await proposeAndCancel(busy, 6);
        const all = [abandoned, ...first];
        expect(await stored(all)).toEqual([abandoned, ...first.slice(-2)]);
        expect((await upgrader.get_proposal(abandoned))[0]?.status).toEqual({ open: null });

        // Past its expiry, nobody touches the quiet app; pruning settles it and drops it.
        await replica.advanceTime(Number(2n * DEFAULT_POLICY.proposal_lifetime_seconds) * 1000);
        const second = await proposeAndCancel(busy, 3);
        expect(await stored([...all, ...second])).toEqual(second);
        const history = (await upgrader.audit_log({ app: [quiet], start: 0n, limit: 100 })).entries.map((e) => eventName(e.event));
        expect(history).toEqual(['registered', 'proposed', 'status_changed:expired']);
        expect((await upgrader.get_app(quiet))[0]?.live_proposal).toEqual([]);
    });

    it("keeps each app's history in its own ring: a busy app and a stranger cannot push out another app's", async () => {
        upgrader.setPrincipal(maintainer);
        const quietProposal = ok(await upgrader.propose({ app: quiet, action: { change_policy: change } }));
        const before = await upgrader.audit_log({ app: [quiet], start: 0n, limit: 100 });
        expect(before.entries.map((e) => eventName(e.event))).toEqual(['registered', 'proposed']);

        // A stranger's attempts on the quiet app are refused (at inspect_message) and logged nowhere.
        upgrader.setPrincipal(stranger);
        await refusedAtInspect(upgrader.propose({ app: quiet, action: { change_policy: change } }));
        await refusedAtInspect(upgrader.cancel_proposal(quietProposal));
        await refusedAtInspect(castVote(upgrader, stranger, quietProposal, new Uint8Array(32)));
        // The busy app writes far more than its ring holds (a proposal and a cancel each time).
        await proposeAndCancel(busy, PER_APP);

        const after = await upgrader.audit_log({ app: [quiet], start: 0n, limit: 100 });
        expect(after.entries).toEqual(before.entries);
        expect(after.total).toBe(2n);

        const busyPage = await upgrader.audit_log({ app: [busy], start: 0n, limit: 100 });
        const busyTotal = 1n + 2n * BigInt(PER_APP);
        expect(busyPage.total).toBe(busyTotal);
        expect(busyPage.entries.length).toBe(PER_APP);
        // Its oldest entries went first: the page starts at the oldest position kept.
        expect(eventName(busyPage.entries[0]!.event)).toBe('proposed');
        expect(busyPage.entries.at(-1)?.event).toEqual({ status_changed: { cancelled: `cancelled by ${maintainer.toText()}` } });
        // Paging from an older position than kept starts at the oldest one kept.
        const tail = await upgrader.audit_log({ app: [busy], start: busyTotal - 3n, limit: 100 });
        expect(tail.entries.map((e) => e.seq)).toEqual(busyPage.entries.slice(-3).map((e) => e.seq));

        // The registry's history: the two registrations only.
        upgrader.setPrincipal(alice);
        const registry = await upgrader.audit_log({ app: [], start: 0n, limit: 100 });
        expect(registry.entries.map((e) => [eventName(e.event), e.app.toText()])).toEqual([
            ['registered', quiet.toText()],
            ['registered', busy.toText()]
        ]);
    });
});

function eventName(event: AuditEvent): string {
    const [name, value] = Object.entries(event)[0] ?? ['?', null];
    if (name === 'status_changed' && typeof value === 'object' && value !== null) return `${name}:${Object.keys(value)[0]}`;
    return name;
}
