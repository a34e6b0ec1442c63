/**
 * Setup shared by the executor's fault tests: one replica, the upgrader, a demo app with two
 * notes (or another app, `createAppScene`), a module uploaded once, and helpers to drive an
 * execution to a step and to let time pass for the watchdog. Each test builds its own with
 * `createExecutionScene`; nothing is shared.
 */
import { gzipSync } from 'node:zlib';

import type { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../../canisters/demo_app/v1/types';
import type { Limits, Outcome, SnapshotPolicy, Step } from '../../canisters/upgrader/types';
import { type Actor, Replica, type ReplicaOptions } from '../../src/replica/index';
import {
    admin,
    alice,
    bob,
    castVote,
    DEFAULT_SNAPSHOTS,
    deployApp,
    deployUpgrader,
    loadModule,
    maintainer,
    type Module,
    moduleHashOf,
    ok,
    registerApp,
    sha256,
    subjectOf,
    type Upgrader,
    upgradeRequest,
    uploadModule,
    waitForOutcome
} from './fixture';

export type StepName = Step extends infer S ? (S extends Record<infer K, unknown> ? K & string : never) : never;

/** A built module, gzipped (the IC installs gzipped modules; half the chunks to stage). */
export function gzippedModule(name: string): Module {
    const raw = loadModule(name);
    const bytes = new Uint8Array(gzipSync(raw.bytes, { level: 9 }));
    return { name, bytes, hash: sha256(bytes) };
}

/** What the execution helpers need: a replica with the upgrader and one app registered with it. */
export type AppScene = {
    replica: Replica;
    upgraderId: Principal;
    upgrader: Upgrader;
    app: Principal;
    /** The app's module hash before any upgrade (hex). */
    oldHash: string;
    limits: Limits;
};

/** An app scene whose app is a demo app with two notes. */
export type ExecutionScene = AppScene & { notes: Actor<DemoAppV1Service> };

export type SceneOptions = {
    /** The app's built canister. Default: demo_app_v1. */
    appName?: string;
    snapshots?: SnapshotPolicy;
    replicaOptions?: ReplicaOptions;
    /** Cycles the upgrader is created with. Default: fixture's. */
    upgraderCycles?: bigint;
    /** Whether the upgrader is sealed (no controllers), as deployed for real. Default: true. */
    sealed?: boolean;
};

/** A fresh replica with the upgrader, and the app `installApp` creates there, registered with the options' snapshot policy. */
export async function createAppScene(options: Omit<SceneOptions, 'appName'>, installApp: (replica: Replica, upgraderId: Principal) => Promise<Principal>): Promise<AppScene> {
    const replica = await Replica.create(options.replicaOptions);
    const { id: upgraderId, upgrader } = await deployUpgrader(replica, {}, options.upgraderCycles, { sealed: options.sealed });
    const app = await installApp(replica, upgraderId);
    ok(await registerApp(upgrader, app, { snapshots: options.snapshots ?? DEFAULT_SNAPSHOTS }));
    const oldHash = (await moduleHashOf(replica, app)) ?? '';
    return { replica, upgraderId, upgrader, app, oldHash, limits: await upgrader.limits() };
}

export async function createExecutionScene(options: SceneOptions = {}): Promise<ExecutionScene> {
    const scene = await createAppScene(options, (replica, upgraderId) => deployApp(replica, { name: options.appName ?? 'demo_app_v1', upgraderId }));
    const notes = scene.replica.createActor<DemoAppV1Service>(v1Idl, scene.app);
    notes.setPrincipal(admin);
    await notes.add_note('first note');
    await notes.add_note('second note');
    return { ...scene, notes };
}

/** Uploads `module` and has it proposed by the maintainer and approved by alice and bob. */
export async function approveUpgrade(scene: AppScene, module: Module, upload = true): Promise<bigint> {
    const { upgrader, app } = scene;
    if (upload) await uploadModule(upgrader, app, module);
    upgrader.setPrincipal(maintainer);
    const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(module) } }));
    ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
    ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
    return id;
}

/**
 * Runs rounds until the execution's call for `step` is in flight (its lease is set); for a step
 * that repeats with an index (rehearsal_copy's slices), `index` picks the run.
 */
export async function tickUntilInFlight(scene: AppScene, step: StepName, maxTicks = 200, index?: number): Promise<void> {
    for (let i = 0; i < maxTicks; i++) {
        const execution = (await scene.upgrader.get_execution(scene.app))[0];
        const atIndex = index === undefined || Object.values(execution?.step ?? {})[0] === index;
        if (execution !== undefined && step in execution.step && atIndex && execution.lease_until > 0n) return;
        await scene.replica.tick();
    }
    throw new Error(`the execution never reached ${step}${index === undefined ? '' : ` ${index}`}`);
}

/** Lets `seconds` pass (the watchdog fires), then runs a few rounds. */
export async function letTimePass(scene: AppScene, seconds: number, rounds = 5): Promise<void> {
    await scene.replica.advanceTime(seconds * 1000);
    await scene.replica.tick(rounds);
}

/** Lets the lease run out and the watchdog act, with nobody calling resume; returns the outcome. */
export async function recoverByWatchdog(scene: AppScene, proposal: bigint): Promise<Outcome> {
    const leaseAndTick = Number(scene.limits.lease_seconds + scene.limits.watchdog_interval_seconds) + 1;
    await letTimePass(scene, leaseAndTick);
    return waitForOutcome(scene.replica, scene.upgrader, proposal);
}

export async function isRunning(scene: AppScene): Promise<boolean> {
    const status = await scene.replica.canisterStatus({ canisterId: scene.app, sender: admin });
    return 'running' in status.status;
}

;
