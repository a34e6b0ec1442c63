/**
 * Cycles: no execution begins without its reserve (it waits at `check`, the app untouched, and
 * starts by itself once the upgrader is topped up); a call that cannot be sent for lack of cycles
 * keeps the execution at its step, and the watchdog finishes the restart when cycles return.
 * The reserve's prices are the replica's (the IC's 13-node subnet fees), and every message the
 * upgrader executes stays under the per-message instruction bound the reserve assumes.
 */
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import { CALL_BASE_FEE, CALL_BYTE_FEE, FEE_PER_INSTRUCTION, FREEZING_THRESHOLD_SECONDS, freezingReserve, MAX_INSTRUCTIONS_PER_MESSAGE, MESSAGE_BASE_FEE, STORAGE_FEE_PER_GIB_SECOND } from '../../canisters/upgrader/cycles';
import { EXECUTION_RESERVE_CYCLES } from '../../canisters/upgrader/limits';
import { DEFAULT_FREEZING_THRESHOLD_SECONDS, FEES } from '../../src/replica/constants';
import type { ExecutionEvent } from '../../src/replica/index';
import { hex, loadModule, moduleHashOf, ok, stranger, waitForOutcome } from './fixture';
import { approveUpgrade, createExecutionScene, type ExecutionScene, isRunning, letTimePass, tickUntilInFlight } from './execution-fixture';

describe('cycles', () => {
    const v2 = loadModule('demo_app_v2');
    let scene: ExecutionScene;

    afterEach(async () => {
        await scene.replica.tearDown();
    });

    it('prices the reserve with the IC fees the replica charges, and reports it in limits()', async () => {
        expect(CALL_BASE_FEE).toBe(FEES.xnetCall);
        expect(CALL_BYTE_FEE).toBe(FEES.xnetBytePrice);
        expect(MESSAGE_BASE_FEE).toBe(FEES.updateMessageExecution);
        expect(FEE_PER_INSTRUCTION).toBe(FEES.perInstruction);
        expect(STORAGE_FEE_PER_GIB_SECOND).toBe(FEES.storagePerGiBSecond);
        expect(FREEZING_THRESHOLD_SECONDS).toBe(DEFAULT_FREEZING_THRESHOLD_SECONDS);

        const events: ExecutionEvent[] = [];
        scene = await createExecutionScene({ replicaOptions: { onExecution: (event) => events.push(event) } });
        const limits = scene.limits;
        expect(limits.execution_reserve_cycles).toBe(EXECUTION_RESERVE_CYCLES);
        // With an empty store, the freezing reserve covers only the upgrader's other memory.
        expect(limits.freezing_reserve_cycles).toBe(freezingReserve(0n));
        // 32 chunks of 1 MiB at 1,000 cycles a byte are most of the calls' cost: at least 33.5 B.
        expect(EXECUTION_RESERVE_CYCLES).toBeGreaterThan(33_500_000_000n);

        const id = await approveUpgrade(scene, v2);
        expect(await waitForOutcome(scene.replica, scene.upgrader, id)).toEqual({ upgraded: null });
        // Every message of the upgrader during the execution (timers and continuations) stays under the bound.
        const upgraderId = scene.upgraderId.toText();
        // (ic-cdk runs timers as a self-call to `timer_executor`, an update.)
        const executorMessages = events.filter((e) => e.canisterId.toText() === upgraderId && (e.kind === 'Ry' || e.kind === 'Rt' || e.kind === 'T' || e.entry.endsWith('timer_executor')));
        expect(executorMessages.length).toBeGreaterThan(8);
        const most = executorMessages.reduce((max, e) => (e.instructions > max ? e.instructions : max), 0n);
        expect(most).toBeLessThan(MAX_INSTRUCTIONS_PER_MESSAGE);
    });

    it('does not begin an execution without its reserve: it waits at check, the app untouched, and starts once topped up', async () => {
        // Enough to run, not enough to begin: the freezing reserve (with v2 in the store) plus half an execution reserve.
        const freezing = freezingReserve(BigInt(v2.bytes.length));
        scene = await createExecutionScene({ upgraderCycles: freezing + EXECUTION_RESERVE_CYCLES / 2n });
        const { replica, upgrader, upgraderId, app } = scene;
        const id = await approveUpgrade(scene, v2);
        await replica.tick(5);
        upgrader.setPrincipal(stranger);
        const answer = ok(await upgrader.resume(app));
        if (!('waiting_for_cycles' in answer)) throw new Error(`expected waiting_for_cycles, got ${Object.keys(answer).join()}`);
        expect(answer.waiting_for_cycles.step).toEqual({ check: null });
        expect(answer.waiting_for_cycles.required).toBe(freezing + EXECUTION_RESERVE_CYCLES);
        expect(answer.waiting_for_cycles.balance).toBeLessThan(answer.waiting_for_cycles.required);
        const execution = (await upgrader.get_execution(app))[0];
        expect(execution?.step).toEqual({ check: null });
        expect(execution?.waiting[0]).toMatch(/top it up with deposit_cycles/);
        expect((await upgrader.get_proposal(id))[0]?.status).toEqual({ executing: null });
        expect(await isRunning(scene)).toBe(true);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);

        await replica.addCycles(upgraderId, EXECUTION_RESERVE_CYCLES);
        await letTimePass(scene, Number(scene.limits.watchdog_interval_seconds) + 1);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
    });

    it('keeps the execution at its step when the upgrader runs out of cycles mid-upgrade, and restarts the app once topped up', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, upgraderId, app } = scene;
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'install');
        // The balance is spent elsewhere while the install runs (models storage fees, other executions).
        const upgraderState = replica.subnet.canister(upgraderId);
        if (upgraderState === undefined) throw new Error('no upgrader');
        upgraderState.cycles = 0n;
        await replica.tick(5);

        // The install happened; the start cannot be sent: the execution waits there, the app stays stopped.
        const waiting = (await upgrader.get_execution(app))[0];
        expect(waiting?.step).toEqual({ start: null });
        expect(waiting?.waiting[0]).toMatch(/could not be sent/);
        expect(waiting?.failure).toEqual([]);
        expect(await isRunning(scene)).toBe(false);
        expect((await upgrader.get_proposal(id))[0]?.status).toEqual({ executing: null });

        // Time passes, still without cycles (the watchdog does not spend what is left on retries): still waiting, never done.
        await letTimePass(scene, Number(scene.limits.watchdog_interval_seconds) + 1);
        expect((await upgrader.get_execution(app))[0]?.step).toEqual({ start: null });

        await replica.addCycles(upgraderId, 10_000_000_000_000n);
        await letTimePass(scene, Number(scene.limits.watchdog_interval_seconds) + 1);
        upgrader.setPrincipal(stranger);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(await isRunning(scene)).toBe(true);
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');
        expect(await upgraded.count()).toBe(2n);
    });
});
