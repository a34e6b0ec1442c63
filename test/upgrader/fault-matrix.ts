/**
 * The fault matrix (run by fault-matrix-lost.test.ts and fault-matrix-trap.test.ts, two files so
 * that jest runs them in parallel): for every step of an execution, at every await point, the response is lost
 * or the continuation traps (the replica's fault hook). Nobody calls `resume`: time passes, the
 * lease runs out and the watchdog resumes the execution. Every case must end with the app
 * running, either on the approved module (verified: module hash and data) or on its old module
 * with its old data, and with an outcome that says which.
 *
 * The module is demo_app_v2 gzipped (two chunks to stage instead of four), uploaded once per
 * test. The rollback steps are reached with broken_v2, whose health check answers false.
 */
import { type DemoAppV2Service, idlFactory as v2Idl } from '../../canisters/demo_app/v2/types';
import { MANAGEMENT_CANISTER_ID, type ResponseFault } from '../../src/replica/index';
import { hex, moduleHashOf } from './fixture';
import { approveUpgrade, createExecutionScene, type ExecutionScene, gzippedModule, isRunning, recoverByWatchdog, type StepName, tickUntilInFlight } from './execution-fixture';

export type Case = {
    /** The step whose call is in flight when the fault is armed. */
    step: StepName;
    /** Responses of that step to let through first (the snapshot step's second call). */
    after?: number;
    /** The module approved: a healthy v2, or broken_v2 to reach the rollback steps. */
    module: 'demo_app_v2' | 'broken_v2';
    /** How the execution must end. */
    expect: 'upgraded' | 'rolled_back';
};

export const CASES: Array<[string, Case]> = [
    ['check', { step: 'check', module: 'demo_app_v2', expect: 'upgraded' }],
    ['clear_chunk_store', { step: 'clear_chunk_store', module: 'demo_app_v2', expect: 'upgraded' }],
    ['upload_chunk', { step: 'upload_chunk', module: 'demo_app_v2', expect: 'upgraded' }],
    ['stop', { step: 'stop', module: 'demo_app_v2', expect: 'upgraded' }],
    ['snapshot (listing)', { step: 'snapshot', module: 'demo_app_v2', expect: 'upgraded' }],
    ['snapshot (taking)', { step: 'snapshot', after: 1, module: 'demo_app_v2', expect: 'upgraded' }],
    ['install', { step: 'install', module: 'demo_app_v2', expect: 'upgraded' }],
    ['start', { step: 'start', module: 'demo_app_v2', expect: 'upgraded' }],
    ['verify', { step: 'verify', module: 'demo_app_v2', expect: 'upgraded' }],
    // An unanswered health check counts as failed: the snapshot is loaded.
    ['health_check', { step: 'health_check', module: 'demo_app_v2', expect: 'rolled_back' }],
    ['rollback_stop', { step: 'rollback_stop', module: 'broken_v2', expect: 'rolled_back' }],
    ['rollback_load', { step: 'rollback_load', module: 'broken_v2', expect: 'rolled_back' }],
    ['rollback_start', { step: 'rollback_start', module: 'broken_v2', expect: 'rolled_back' }],
    ['cleanup', { step: 'cleanup', module: 'demo_app_v2', expect: 'upgraded' }]
];

const modules = { demo_app_v2: gzippedModule('demo_app_v2'), broken_v2: gzippedModule('broken_v2') };

async function expectEndState(scene: ExecutionScene, expected: Case['expect'], approvedHash: Uint8Array): Promise<void> {
    expect(await isRunning(scene)).toBe(true);
    if (expected === 'upgraded') {
        expect(await moduleHashOf(scene.replica, scene.app)).toBe(hex(approvedHash));
        const upgraded = scene.replica.createActor<DemoAppV2Service>(v2Idl, scene.app);
        expect(await upgraded.version()).toBe('v2');
        expect(await upgraded.count()).toBe(2n);
        expect((await upgraded.get_note(1n))[0]?.body).toBe('second note');
    } else {
        expect(await moduleHashOf(scene.replica, scene.app)).toBe(scene.oldHash);
        expect(await scene.notes.version()).toBe('v1');
        expect(await scene.notes.count()).toBe(2n);
        expect((await scene.notes.get_note(1n))[0]?.text).toBe('second note');
    }
    expect(await scene.upgrader.get_execution(scene.app)).toEqual([]);
}

/** One case: drive to the step, inject the fault, let the watchdog recover, check the end state. */
export async function runCase(fault: ResponseFault, c: Case, keep: (scene: ExecutionScene) => void): Promise<void> {
    const scene = await createExecutionScene();
    keep(scene); // for the test's afterEach to tear it down, whatever happens next
    const module = modules[c.module];
    const id = await approveUpgrade(scene, module);
    await tickUntilInFlight(scene, c.step);
    // The step's own call: to the app for the health check, else to the management canister
    // (not, say, the self-call ic-cdk makes to run a timer).
    const from = c.step === 'health_check' ? scene.app : MANAGEMENT_CANISTER_ID;
    scene.replica.faults.onResponses({ receiver: scene.upgraderId, from, fault, after: c.after ?? 0 });
    await scene.replica.tick(4);
    // The fault hit the step's response: the execution is stuck there, its lease still held.
    expect(scene.replica.faults.armedCount).toBe(0);
    const stuck = (await scene.upgrader.get_execution(scene.app))[0];
    expect(stuck !== undefined && c.step in stuck.step).toBe(true);
    expect(stuck?.lease_until).toBeGreaterThan(0n);

    const outcome = await recoverByWatchdog(scene, id);
    expect(Object.keys(outcome)).toEqual([c.expect]);
    await expectEndState(scene, c.expect, module.hash);
}
