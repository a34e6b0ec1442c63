/**
 * Fleets: a group of apps sharing one policy, upgraded by one approved rollout, canary first,
 * then in waves with a concurrency limit, halting when too many members fail, each member ending
 * on the new module (verified) or on its old one, and the module staged once in the upgrader's
 * own chunk store.
 */
import type { Principal } from '@dfinity/principal';

import { LEASE_NS, MAX_MEMBER_NOTE_CHARS, NANOS_PER_SECOND } from '../../canisters/upgrader/limits';
import type { Rollout } from '../../canisters/upgrader/types';
import { MANAGEMENT_CANISTER_ID } from '../../src/replica/index';
import { admin, err, getProposal, hex, maintainer, moduleHashOf, ok, recovery, refusedAtInspect, stranger, uploadModule } from './fixture';
import { approveRollout, createFleetScene, createMember, type FleetScene, joinMember, memberActor, memberModule, PLAN, rolloutMembers, rolloutOf, runRollout } from './fleet-fixture';

let scene: FleetScene | undefined;

afterEach(async () => {
    await scene?.replica.tearDown();
    scene = undefined;
});

function countsOf(rollout: Rollout): Record<string, number> {
    return { ...rollout.counts };
}

describe('a 200-member group, one approval', () => {
    it('upgrades every member: the canary first, then waves, never more than max_concurrency at once', async () => {
        scene = await createFleetScene(200);
        for (const member of scene.members.slice(0, 3)) await memberActor(scene, member).bump();
        const v2 = await memberModule('v2');
        const id = await approveRollout(scene, v2, { canary: 2, batch_size: 50, max_concurrency: 10, max_failure_percent: 10 });

        let maxRunning = 0;
        let sawCanaryAlone = false;
        const outcome = await runRollout(scene, id, (rollout) => {
            maxRunning = Math.max(maxRunning, rollout.counts.running);
            if (rollout.counts.running > 0 && rollout.next <= 2) sawCanaryAlone = true;
            // No member beyond the canary starts before the canary has ended.
            if (rollout.next > 2) expect(rollout.counts.upgraded).toBeGreaterThanOrEqual(2);
        });

        expect(outcome).toEqual({ rolled_out: null });
        const rollout = await rolloutOf(scene);
        expect(countsOf(rollout)).toEqual({ pending: 0, running: 0, upgraded: 200, rolled_back: 0, failed: 0, skipped: 0 });
        expect(rollout.status).toEqual({ finished: null });
        expect(rollout.ended_at.length).toBe(1);
        expect(maxRunning).toBe(10);
        expect(sawCanaryAlone).toBe(true);
        for (const member of [scene.members[0], scene.members[150]] as Principal[]) {
            expect(await moduleHashOf(scene.replica, member)).toBe(hex(v2.hash));
            expect(await memberActor(scene, member).version()).toBe('v2');
        }
        expect(await memberActor(scene, scene.members[0] as Principal).count()).toBe(1n);
        // Each member has its own outcome in its history; no member is left with an execution or a live slot.
        const history = await scene.upgrader.audit_log({ app: [scene.members[199] as Principal], start: 0n, limit: 100 });
        expect(history.entries.map((e) => Object.keys(e.event)[0])).toContain('member_outcome');
        expect(await scene.upgrader.get_execution(scene.members[199] as Principal)).toEqual([]);
        expect((await scene.upgrader.get_app(scene.members[199] as Principal))[0]?.live_proposal).toEqual([]);
        expect((await rolloutMembers(scene)).every((m) => 'upgraded' in m.state)).toBe(true);
    }, 600_000);
});

describe('halting', () => {
    it('halts when the canary fails its health check: the canary is rolled back, no other member starts', async () => {
        scene = await createFleetScene(20);
        const unhealthy = await memberModule('unhealthy');
        const v1Hash = await moduleHashOf(scene.replica, scene.members[5] as Principal);
        const id = await approveRollout(scene, unhealthy, { canary: 1, batch_size: 5, max_concurrency: 5, max_failure_percent: 50 });
        const outcome = await runRollout(scene, id);
        expect(Object.keys(outcome)).toEqual(['rollout_halted']);
        expect(JSON.stringify(outcome)).toMatch(/canary member 0 failed/);
        const rollout = await rolloutOf(scene);
        expect(countsOf(rollout)).toEqual({ pending: 0, running: 0, upgraded: 0, rolled_back: 1, failed: 0, skipped: 19 });
        for (const member of scene.members) expect(await moduleHashOf(scene.replica, member)).toBe(v1Hash);
        const states = await rolloutMembers(scene);
        expect(Object.keys(states[0]?.state ?? {})).toEqual(['rolled_back']);
        expect(states.slice(1).every((m) => 'skipped' in m.state)).toBe(true);
    }, 300_000);

    it('halts a version that fails on used members, in a 200-member group: the members it upgraded keep running it, the failing ones roll back, the rest never start', async () => {
        scene = await createFleetScene(200);
        const s = scene;
        // The first 30 members were never used; the others were (the version's bug shows only on them).
        const unused = 30;
        for (const member of s.members.slice(unused)) await memberActor(s, member).bump();
        const fragile = await memberModule('fragile');
        const id = await approveRollout(s, fragile, { canary: 2, batch_size: 25, max_concurrency: 10, max_failure_percent: 10 });
        let maxRunning = 0;
        const outcome = await runRollout(s, id, (rollout) => (maxRunning = Math.max(maxRunning, rollout.counts.running)));
        expect(Object.keys(outcome)).toEqual(['rollout_halted']);
        expect(JSON.stringify(outcome)).toMatch(/more than max_failure_percent \(10%\)/);
        expect(maxRunning).toBeLessThanOrEqual(10);
        const rollout = await rolloutOf(s);
        expect(rollout.counts.upgraded).toBe(unused);
        expect(rollout.counts.rolled_back).toBeGreaterThanOrEqual(4);
        expect(rollout.counts.failed).toBe(0);
        expect(rollout.counts.skipped).toBeGreaterThan(100);
        expect(rollout.counts.upgraded + rollout.counts.rolled_back + rollout.counts.skipped).toBe(200);
        const states = await rolloutMembers(s);
        for (const [index, member] of s.members.entries()) {
            const state = Object.keys(states[index]?.state ?? {})[0];
            const actor = memberActor(s, member);
            if (index < unused) {
                expect(state).toBe('upgraded');
                expect(await actor.version()).toBe('fragile');
                expect(await actor.health()).toBe(true);
            } else {
                // Rolled back to v1 with its data, or never started.
                expect(['rolled_back', 'skipped']).toContain(state);
                expect(await actor.version()).toBe('v1');
                expect(await actor.count()).toBe(1n);
            }
        }
    }, 600_000);

    it('halts on the failure rate: members that ran end on their old module, the rest never start', async () => {
        scene = await createFleetScene(30);
        const broken = await memberModule('trap_post_upgrade');
        const v1Hash = await moduleHashOf(scene.replica, scene.members[0] as Principal);
        const id = await approveRollout(scene, broken, { canary: 0, batch_size: 10, max_concurrency: 3, max_failure_percent: 20 });
        const outcome = await runRollout(scene, id);
        expect(Object.keys(outcome)).toEqual(['rollout_halted']);
        const rollout = await rolloutOf(scene);
        // The first failure halts (1 of 1 ended is above 20 %); the others already running end too.
        expect(rollout.counts.failed).toBeGreaterThanOrEqual(1);
        expect(rollout.counts.failed).toBeLessThanOrEqual(3);
        expect(rollout.counts.failed + rollout.counts.skipped).toBe(30);
        for (const member of scene.members) {
            expect(await moduleHashOf(scene.replica, member)).toBe(v1Hash);
            expect(await memberActor(scene, member).version()).toBe('v1');
        }
        // A failed member tried its own chunk store too (as a member on another subnet would), then had it cleared.
        const failed = (await rolloutMembers(scene)).find((m) => 'failed' in m.state);
        if (failed === undefined) throw new Error('no failed member');
        const history = await scene.upgrader.audit_log({ app: [failed.app], start: 0n, limit: 100 });
        const installFailures = history.entries.filter((e) => 'step_failed' in e.event && 'install' in e.event.step_failed.step);
        expect(installFailures.map((e) => ('step_failed' in e.event ? e.event.step_failed.message : '')).join('\n')).toMatch(/upgrader's chunk store failed[\s\S]*\n[\s\S]*post_upgrade/);
        expect(await scene.replica.callManagement('stored_chunks', { canister_id: failed.app }, admin)).toEqual([]);
        // Its rollout entry keeps the outcome's first 200 characters; its history keeps the whole outcome.
        const reason = 'failed' in failed.state ? failed.state.failed : '';
        const logged = history.entries.find((e) => 'member_outcome' in e.event);
        const whole = logged !== undefined && 'member_outcome' in logged.event && 'install_failed' in logged.event.member_outcome ? `install_failed: ${logged.event.member_outcome.install_failed}` : '';
        expect(whole).toMatch(/post_upgrade/);
        expect(reason.length).toBeLessThanOrEqual(MAX_MEMBER_NOTE_CHARS);
        expect(reason).toBe(whole.length > MAX_MEMBER_NOTE_CHARS ? `${whole.slice(0, MAX_MEMBER_NOTE_CHARS - 1)}…` : whole);
    }, 300_000);
});

describe('the recovery principal', () => {
    it('pauses a rollout (no member starts), resumes it, and aborts it (the rest are skipped)', async () => {
        scene = await createFleetScene(12);
        const v2 = await memberModule('v2');
        const id = await approveRollout(scene, v2, { canary: 0, batch_size: 12, max_concurrency: 2, max_failure_percent: 0 });
        scene.upgrader.setPrincipal(recovery);
        ok(await scene.upgrader.pause(scene.group));
        const startedBefore = (await rolloutOf(scene)).next;
        await scene.replica.tick(40);
        const paused = await rolloutOf(scene);
        expect(paused.paused).toBe(true);
        expect(paused.counts.running).toBe(0);
        expect(paused.next).toBe(startedBefore);

        ok(await scene.upgrader.unpause(scene.group));
        // Anyone may push a group's rollout forward, as an app's execution.
        scene.upgrader.setPrincipal(stranger);
        expect(ok(await scene.upgrader.resume(scene.group))).toEqual({ idle: [{ executing: null }] });
        scene.upgrader.setPrincipal(recovery);
        for (let i = 0; i < 400 && (await rolloutOf(scene)).counts.upgraded < 4; i++) await scene.replica.tick();
        scene.upgrader.setPrincipal(maintainer);
        await refusedAtInspect(scene.upgrader.abort_rollout(scene.group));
        scene.upgrader.setPrincipal(recovery);
        const aborted = ok(await scene.upgrader.abort_rollout(scene.group));
        expect(Object.keys(aborted.status)).toEqual(['aborted']);
        const outcome = await runRollout(scene, id);
        expect(JSON.stringify(outcome)).toMatch(/aborted/);
        const rollout = await rolloutOf(scene);
        expect(rollout.counts.upgraded).toBeGreaterThanOrEqual(4);
        expect(rollout.counts.upgraded).toBeLessThan(12);
        expect(rollout.counts.upgraded + rollout.counts.skipped).toBe(12);
    }, 300_000);
});

describe('a member whose upgrade runs', () => {
    it('is left alone by recovery operations and cannot leave until its execution ends', async () => {
        scene = await createFleetScene(3);
        const s = scene;
        const v2 = await memberModule('v2');
        const id = await approveRollout(s, v2, { canary: 0, batch_size: 3, max_concurrency: 1, max_failure_percent: 0 });
        let running: Principal | undefined;
        for (let i = 0; i < 100 && running === undefined; i++) {
            running = (await rolloutMembers(s)).find((m) => 'running' in m.state)?.app;
            if (running === undefined) await s.replica.tick();
        }
        if (running === undefined) throw new Error('no member ran');
        expect((await s.upgrader.get_execution(running))[0]?.rollout[0]?.group.toText()).toBe(s.group.toText());
        // The recovery principal may still upload to the member's own store (for an emergency), but not start one now.
        await uploadModule(s.upgrader, running, v2, { uploader: recovery });
        s.upgrader.setPrincipal(recovery);
        const upgrade = { module_hash: v2.hash, arg: new Uint8Array(), options: { take_snapshot: false, skip_pre_upgrade: true, wasm_memory_persistence: [] as [] }, downgrade: false };
        expect(err(await s.upgrader.emergency_upgrade({ app: running, request: upgrade }))).toEqual({ ProposalInProgress: id });
        const someSnapshot = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, ...running.toUint8Array()]);
        expect(err(await s.upgrader.restore_snapshot({ app: running, snapshot_id: [someSnapshot] }))).toEqual({ ProposalInProgress: id });
        expect(err(await s.upgrader.leave_group(running))).toEqual({ ProposalInProgress: id });
        expect(await runRollout(s, id)).toEqual({ rolled_out: null });
        expect((await s.upgrader.get_app(running))[0]?.live_proposal).toEqual([]);
        ok(await s.upgrader.leave_group(running));
    }, 300_000);
});

describe('membership during a rollout', () => {
    it('skips a member that left before its turn, and leaves out an app that joined after the approval', async () => {
        scene = await createFleetScene(6);
        const v2 = await memberModule('v2');
        const id = await approveRollout(scene, v2, { canary: 1, batch_size: 1, max_concurrency: 1, max_failure_percent: 0 });
        const leaver = scene.members[5] as Principal;
        scene.upgrader.setPrincipal(recovery);
        const left = ok(await scene.upgrader.leave_group(leaver));
        expect(left.group).toEqual([]);
        const late = await createMember(scene, await memberModule('v1'));
        await joinMember(scene, late);
        expect(await runRollout(scene, id)).toEqual({ rolled_out: null });
        const members = await rolloutMembers(scene);
        expect(members.find((m) => m.app.toText() === leaver.toText())?.state).toEqual({ skipped: 'left the group' });
        expect(members.some((m) => m.app.toText() === late.toText())).toBe(false);
        expect(await memberActor(scene, leaver).version()).toBe('v1');
        expect(await memberActor(scene, late).version()).toBe('v1');
        // The app that left is governed on its own now, under the group's policy.
        const info = (await scene.upgrader.get_app(leaver))[0];
        expect(info?.group).toEqual([]);
        expect((await scene.upgrader.get_app(scene.group))[0]?.members).toBe(6); // one left, one joined
    }, 300_000);
});

describe('a lost response mid-rollout', () => {
    it('resumes: the member whose install response was lost is finished by the watchdog, and the rollout ends', async () => {
        scene = await createFleetScene(8);
        const v2 = await memberModule('v2');
        const id = await approveRollout(scene, v2, { canary: 0, batch_size: 8, max_concurrency: 2, max_failure_percent: 0 });
        // Lose one management response of the upgrader, a few calls into the rollout.
        scene.replica.faults.onResponses({ receiver: scene.upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'lose', after: 12 });
        await scene.replica.tick(60);
        expect(scene.replica.faults.armedCount).toBe(0);
        const stuck = await rolloutOf(scene);
        expect(stuck.counts.running).toBeGreaterThanOrEqual(1);
        expect('executing' in (await getProposal(scene.upgrader, id)).status).toBe(true);
        await scene.replica.advanceTime(Number(LEASE_NS / NANOS_PER_SECOND + 60n) * 1000);
        expect(await runRollout(scene, id)).toEqual({ rolled_out: null });
        expect(countsOf(await rolloutOf(scene))).toEqual({ pending: 0, running: 0, upgraded: 8, rolled_back: 0, failed: 0, skipped: 0 });
        for (const member of scene.members) expect(await memberActor(scene, member).version()).toBe('v2');
    }, 300_000);
});

describe('who may do what', () => {
    it('refuses strangers, members proposing on their own, rollouts for an app, and joins without control', async () => {
        scene = await createFleetScene(1);
        const member = scene.members[0] as Principal;
        const outsider = await createMember(scene, await memberModule('v1'));

        // Strangers' ingress never reaches the methods; their inter-canister calls are refused by them (rejections.test.ts).
        scene.upgrader.setPrincipal(stranger);
        await refusedAtInspect(scene.upgrader.join_group({ group: scene.group, app: outsider }));
        await refusedAtInspect(scene.upgrader.leave_group(member));
        await refusedAtInspect(scene.upgrader.abort_rollout(scene.group));

        // The maintainer proposes for the group but controls no member: it cannot add one.
        scene.upgrader.setPrincipal(maintainer);
        expect(Object.keys(err(await scene.upgrader.join_group({ group: scene.group, app: outsider })))).toEqual(['Unauthorized']);
        // An app whose controllers lack the group's recovery principal cannot join.
        const uncontrolled = await scene.replica.createCanister({ sender: admin, controllers: [admin, scene.upgraderId, maintainer] });
        expect(JSON.stringify(err(await scene.upgrader.join_group({ group: scene.group, app: uncontrolled })))).toMatch(/recovery principal is not a controller/);

        // A member proposes nothing itself; an app gets no rollout; a group gets no plain upgrade.
        const v2 = await memberModule('v2');
        const upgrade = { module_hash: v2.hash, arg: new Uint8Array(), options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] as [] }, downgrade: false };
        scene.upgrader.setPrincipal(maintainer);
        expect(JSON.stringify(err(await scene.upgrader.propose({ app: member, action: { upgrade } })))).toMatch(/belongs to group/);
        expect(Object.keys(err(await scene.upgrader.propose({ app: scene.group, action: { upgrade } })))).toEqual(['InvalidArgument']);
        // A rollout naming an app outside the group, or with a plan out of bounds, is refused.
        ok(await scene.upgrader.create_module({ app: scene.group, hash: v2.hash, size: BigInt(v2.bytes.length) }));
        ok(await scene.upgrader.upload_module_chunk({ app: scene.group, hash: v2.hash, index: 0, chunk: v2.bytes }));
        expect(JSON.stringify(err(await scene.upgrader.propose({ app: scene.group, action: { rollout: { upgrade, members: [[outsider]], plan: PLAN } } })))).toMatch(/not a member/);
        expect(JSON.stringify(err(await scene.upgrader.propose({ app: scene.group, action: { rollout: { upgrade, members: [], plan: { ...PLAN, max_concurrency: 0 } } } })))).toMatch(/max_concurrency/);
        // The group is no canister: nothing that acts on a canister applies to it.
        scene.upgrader.setPrincipal(recovery);
        expect(JSON.stringify(err(await scene.upgrader.emergency_upgrade({ app: scene.group, request: upgrade })))).toMatch(/no canister/);
        expect(JSON.stringify(err(await scene.upgrader.eject(scene.group)))).toMatch(/still holds 1 apps/);
        expect(JSON.stringify(err(await scene.upgrader.set_policy({ app: member, change: { policy: (await scene.upgrader.get_app(scene.group))[0]!.policy, snapshot_policy: { keep: 1, required: false, rehearse: false } } })))).toMatch(/policy of its group/);
    }, 300_000);
});
