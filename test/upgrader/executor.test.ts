/**
 * The executor as a persisted state machine: a lost response leaves the execution at the step
 * whose call was in flight; the watchdog resumes it once the lease has run out (nobody calls
 * `resume`), the stale driver is fenced out by (execution id, attempt), and the re-run install
 * notices it already happened. Faults are injected with the replica's test hook
 * (`replica.faults`): a response lost, delayed, or a continuation that traps.
 */
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import { LEASE_NS, NANOS_PER_SECOND } from '../../canisters/upgrader/limits';
import { wasmPath } from '../../scripts/paths';
import { MANAGEMENT_CANISTER_ID } from '../../src/replica/index';
import { admin, hex, loadModule, moduleHashOf, ok, stranger, waitForOutcome } from './fixture';
import { approveUpgrade, createExecutionScene, type ExecutionScene, isRunning, letTimePass, recoverByWatchdog, tickUntilInFlight } from './execution-fixture';

describe('executor', () => {
    const v2 = loadModule('demo_app_v2');
    let scene: ExecutionScene;

    afterEach(async () => {
        await scene.replica.tearDown();
    });

    it('resumes by itself after a lost install response: the stale driver is fenced out and the install is not repeated', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, upgraderId, app } = scene;
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'install');
        replica.faults.onResponses({ receiver: upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'lose' });
        await replica.tick(5); // v2 is installed, but the answer never reaches the upgrader
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));

        // While the lease holds nobody may take over.
        upgrader.setPrincipal(stranger);
        expect(ok(await upgrader.resume(app))).toEqual({ in_flight: { install: null } });
        expect((await upgrader.get_proposal(id))[0]?.status).toEqual({ executing: null });

        // Once the lease has run out, the watchdog resumes it: nobody calls resume.
        expect(await recoverByWatchdog(scene, id)).toEqual({ upgraded: null });
        expect(await upgrader.get_execution(app)).toEqual([]);
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.version()).toBe('v2');
        expect(await upgraded.migration()).toEqual({ schema_version: 2n, migrated: 2n, remaining_v1: 0n });
        // The install step ran twice, but the second run saw v2 installed and did not install again.
        const entries = (await upgrader.audit_log({ app: [app], start: 0n, limit: 100 })).entries;
        const installs = entries.filter((e) => 'step_started' in e.event && 'install' in e.event.step_started);
        expect(installs.length).toBe(2);
        const history = replica.subnet.canister(app)?.history ?? [];
        expect(history.filter((change) => change.details.kind === 'code_deployment').length).toBe(2); // v1's install, v2's upgrade
    });

    it('rolls back by itself when a health check never answers: the lease runs out and the check counts as failed', async () => {
        scene = await createExecutionScene();
        const { replica, upgraderId, app } = scene;
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'health_check');
        replica.faults.onResponses({ receiver: upgraderId, from: app, fault: 'lose' });
        await replica.tick(5);
        const outcome = await recoverByWatchdog(scene, id);
        expect(Object.keys(outcome)).toEqual(['rolled_back']);
        expect(JSON.stringify(outcome)).toMatch(/did not answer before the lease ran out/);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);
        expect(await isRunning(scene)).toBe(true);
        expect(await scene.notes.count()).toBe(2n);
    });

    it('fences by execution: a late health-check answer of an ended execution cannot move the next one', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, upgraderId, app } = scene;
        // Execution 1: its health check is answered only after the lease ran out and a resume ended it.
        const first = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'health_check');
        replica.faults.onResponses({ receiver: upgraderId, from: app, fault: 'delay' });
        await replica.tick(3);
        expect(replica.faults.delayedCount).toBe(1);
        await replica.advanceTime(Number(LEASE_NS / NANOS_PER_SECOND + 60n) * 1000); // the lease, and a minute
        upgrader.setPrincipal(stranger);
        await upgrader.resume(app);
        expect(Object.keys(await waitForOutcome(replica, upgrader, first))).toEqual(['rolled_back']);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);

        // Execution 2 of the same app, same module (kept after the failure), driven by its first attempt.
        const second = await approveUpgrade(scene, v2, false);
        await tickUntilInFlight(scene, 'stop');
        expect((await upgrader.get_execution(app))[0]?.attempt).toBe(1);
        // Now the first execution's health check answers "healthy", late.
        expect(replica.releaseDelayedResponses()).toBe(1);

        expect(await waitForOutcome(replica, upgrader, second)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        expect(await isRunning(scene)).toBe(true);
        const upgraded = replica.createActor<DemoAppV2Service>(v2Idl, app);
        expect(await upgraded.count()).toBe(2n);
    });

    it('answers idle when nothing is executing, and in_flight while a driver holds the execution', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, app } = scene;
        upgrader.setPrincipal(stranger);
        expect(ok(await upgrader.resume(app))).toEqual({ idle: [] });
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'stop');
        upgrader.setPrincipal(stranger);
        expect(Object.keys(ok(await upgrader.resume(app)))).toEqual(['in_flight']);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(ok(await upgrader.resume(app))).toEqual({ idle: [] });
    });

    it('keeps its watchdog across its own upgrade: post_upgrade arms it again (timers do not survive upgrades)', async () => {
        // Unsealed: only a controller can upgrade the upgrader (a sealed one never is).
        scene = await createExecutionScene({ sealed: false });
        const { replica, upgraderId, app } = scene;
        await replica.upgradeCanister({ canisterId: upgraderId, wasm: wasmPath('upgrader'), sender: admin });
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'verify');
        replica.faults.onResponses({ receiver: upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'lose' });
        await replica.tick(3);
        expect(await recoverByWatchdog(scene, id)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        await letTimePass(scene, 1);
    });
});
