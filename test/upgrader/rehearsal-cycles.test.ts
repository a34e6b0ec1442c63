/**
 * What a rehearsal costs, and what it needs: the policy refuses `rehearse` without a snapshot to
 * copy; short of the cycles a rehearsal needs (priced on the app's memory, on top of the
 * reserves), the execution waits at `rehearsal_create` with the app untouched and goes on once the
 * upgrader is topped up; every upgrader message of a rehearsal of 1 MiB of app state stays under
 * the per-message bound the price assumes (the figures are printed).
 */
import { CANISTER_CREATION_FEE, freezingReserve, MAX_INSTRUCTIONS_PER_REHEARSAL_MESSAGE } from '../../canisters/upgrader/cycles';
import { FEES } from '../../src/replica/constants';
import { EXECUTION_RESERVE_CYCLES, rehearsalCycles } from '../../canisters/upgrader/limits';
import type { ExecutionEvent } from '../../src/replica/index';
import { admin, DEFAULT_POLICY, err, hex, moduleHashOf, ok, recovery, stranger, waitForOutcome } from './fixture';
import { approveUpgrade, type ExecutionScene, gzippedModule, isRunning, letTimePass } from './execution-fixture';
import { createRehearsalScene, expectDeleted, measureRehearsal, rehearsalCanister } from './rehearsal-support';

const MiB = 1024 * 1024;

describe('rehearsal cycles and cost', () => {
    const v2 = gzippedModule('demo_app_v2');
    let scene: ExecutionScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it('prices the copy with the creation fee the replica charges (the IC\'s on a 13-node subnet)', () => {
        expect(CANISTER_CREATION_FEE).toBe(FEES.canisterCreation);
        const small = rehearsalCycles(BigInt(MiB));
        expect(small.canister).toBeGreaterThan(CANISTER_CREATION_FEE);
        // Every byte is read and uploaded once by the upgrader, at 1,000 cycles a byte each way.
        expect(rehearsalCycles(257n * BigInt(MiB)).total - small.total).toBeGreaterThan(2n * 256n * BigInt(MiB) * FEES.xnetBytePrice);
    });

    it('refuses rehearse without a snapshot to copy (keep 0)', async () => {
        scene = await createRehearsalScene();
        scene.upgrader.setPrincipal(recovery);
        const refused = err(await scene.upgrader.set_policy({ app: scene.app, change: { policy: DEFAULT_POLICY, snapshot_policy: { keep: 0, required: false, rehearse: true } } }));
        expect(Object.keys(refused)).toEqual(['InvalidArgument']);
        expect(JSON.stringify(refused)).toMatch(/keep to at least 1 to rehearse/);
    });

    it('waits at rehearsal_create, the app untouched, while the upgrader is short of the rehearsal, and goes on once topped up', async () => {
        // Enough to begin the execution (freezing and execution reserves), far from enough to rehearse.
        const begin = freezingReserve(BigInt(v2.bytes.length)) + EXECUTION_RESERVE_CYCLES;
        scene = await createRehearsalScene({ upgraderCycles: begin + 50_000_000_000n });
        const { replica, upgrader, upgraderId, app } = scene;
        const id = await approveUpgrade(scene, v2);
        await replica.tick(30);
        upgrader.setPrincipal(stranger);
        const answer = ok(await upgrader.resume(app));
        if (!('waiting_for_cycles' in answer)) throw new Error(`expected waiting_for_cycles, got ${Object.keys(answer).join()}`);
        expect(answer.waiting_for_cycles.step).toEqual({ rehearsal_create: null });
        const execution = (await upgrader.get_execution(app))[0];
        const priced = execution?.rehearsal[0]?.report.state_bytes ?? 0n;
        expect(priced).toBeGreaterThan(0n);
        expect(answer.waiting_for_cycles.required).toBeGreaterThan(rehearsalCycles(priced).total);
        expect(answer.waiting_for_cycles.balance).toBeLessThan(answer.waiting_for_cycles.required);
        expect(execution?.waiting[0]).toMatch(/to rehearse this upgrade.*top it up with deposit_cycles/);
        expect(execution?.rehearsal[0]?.report.canister).toEqual([]);
        // Nothing was created, and the app runs as before.
        expect(await isRunning(scene)).toBe(true);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);

        await replica.addCycles(upgraderId, answer.waiting_for_cycles.required);
        await letTimePass(scene, Number(scene.limits.watchdog_interval_seconds) + 1);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        await expectDeleted(scene, await rehearsalCanister(scene, id));
    });

    it('keeps every upgrader message of a rehearsal of 1 MiB of app state under the bound it is priced on', async () => {
        const events: ExecutionEvent[] = [];
        scene = await createRehearsalScene({ replicaOptions: { onExecution: (event) => events.push(event) } });
        const { replica, upgrader, upgraderId, app, notes } = scene;
        notes.setPrincipal(admin);
        await notes.add_attachments(1, MiB);
        const id = await approveUpgrade(scene, v2);
        const measured = await measureRehearsal(replica, upgrader, upgraderId, app, id, events);
        expect(measured.outcome).toEqual({ upgraded: null });
        expect(measured.slices).toBeGreaterThan(1);
        expect(measured.mostPerMessage).toBeLessThan(MAX_INSTRUCTIONS_PER_REHEARSAL_MESSAGE);
        console.log(`rehearsal of 1 MiB of app state: ${measured.slices} slices, ${measured.instructions} upgrader instructions (at most ${measured.mostPerMessage} in one message), ${measured.ms.toFixed(0)} ms`);
    });
});
