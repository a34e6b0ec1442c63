/**
 * Truthful restarts: a start the IC refuses is tried again by the watchdog (the execution waits
 * at `start`, never `done` while the app is stopped and a restart may still work), and when it
 * keeps being refused the outcome says the app is left stopped (`start_failed`), never that it
 * was "started again".
 */
import { MAX_START_RETRIES } from '../../canisters/upgrader/limits';
import { admin, hex, loadModule, moduleHashOf, recovery, waitForOutcome } from './fixture';
import { approveUpgrade, createExecutionScene, type ExecutionScene, isRunning, letTimePass, tickUntilInFlight } from './execution-fixture';

describe('restarts', () => {
    const v2 = loadModule('demo_app_v2');
    let scene: ExecutionScene;

    afterEach(async () => {
        await scene.replica.tearDown();
    });

    /** Drives to the install and removes the upgrader from the app's controllers meanwhile. */
    async function loseControlDuringInstall(): Promise<bigint> {
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'install');
        await scene.replica.updateCanisterSettings({ canisterId: scene.app, controllers: [admin, recovery], sender: admin });
        await scene.replica.tick(5);
        return id;
    }

    async function watchdogTicks(count: number): Promise<void> {
        for (let i = 0; i < count; i++) await letTimePass(scene, Number(scene.limits.watchdog_interval_seconds) + 1, 8);
    }

    it('keeps trying a refused start, and finishes the upgrade once the start is accepted', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, upgraderId, app } = scene;
        const id = await loseControlDuringInstall();
        await watchdogTicks(3);
        const waiting = (await upgrader.get_execution(app))[0];
        expect(waiting?.step).toEqual({ start: null });
        expect(waiting?.retries).toBeGreaterThanOrEqual(3);
        expect(waiting?.waiting[0]).toMatch(/could not be started again/);
        expect(await isRunning(scene)).toBe(false);
        expect((await upgrader.get_proposal(id))[0]?.status).toEqual({ executing: null });

        await replica.updateCanisterSettings({ canisterId: app, controllers: [admin, recovery, upgraderId], sender: admin });
        await watchdogTicks(1);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(await isRunning(scene)).toBe(true);
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
    });

    it('reports start_failed, naming the module the app is left stopped on, when the start is refused every time', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, app } = scene;
        const id = await loseControlDuringInstall();
        await watchdogTicks(MAX_START_RETRIES + 1);
        const outcome = await waitForOutcome(replica, upgrader, id);
        if (!('start_failed' in outcome)) throw new Error(`expected start_failed, got ${Object.keys(outcome).join()}`);
        expect(outcome.start_failed).toMatch(/it is stopped on the new module, unverified: its recovery principal must start it/);
        expect(await isRunning(scene)).toBe(false);
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
    });
});
