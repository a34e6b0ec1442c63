/**
 * The scene of a hand-over test: two upgraders built from the same Wasm, each sealed (no
 * controllers) by their deployer (fixture.ts's deployUpgrader), and a demo app with two
 * notes, controlled by the first upgrader and the recovery principal only, registered with it.
 * Also: proposing and approving a hand-over, driving it round by round while checking that the
 * app always keeps a working controller, and reading the app's controllers.
 * */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { type DemoAppV1Service, idlFactory as v1Idl } from '../../canisters/demo_app/v1/types';
import { type Outcome, ProposeArgs, type Result, ResultProposalId } from '../../canisters/upgrader/types';
import { handOverSubject } from '../../canisters/upgrader/vote-subject';
import { Replica } from '../../src/replica/index';
import type { ExecutionScene } from './execution-fixture';
import { admin, alice, bob, castVote, deployApp, deployUpgrader, getProposal, hex, loadModule, maintainer, ok, recovery, registerApp, type Upgrader } from './fixture';
import { deployRelay, relayCall } from './relay';

export type HandOverScene = ExecutionScene & {
    /** The second upgrader, the successor. */
    successorId: Principal;
    successor: Upgrader;
    /** The SHA-256 of the upgrader's Wasm, as canister_info reports it for both. */
    upgraderHash: Uint8Array;
};

export type HandOverSceneOptions = {
    /** Whether the successor is sealed. Default: true. */
    sealSuccessor?: boolean;
    /** Controllers of the app besides the first upgrader and recovery. Default: none. */
    otherControllers?: Principal[];
};

export async function createHandOverScene(options: HandOverSceneOptions = {}): Promise<HandOverScene> {
    const replica = await Replica.create();
    const { id: upgraderId, upgrader } = await deployUpgrader(replica);
    const { id: successorId, upgrader: successor } = await deployUpgrader(replica, {}, undefined, { sealed: options.sealSuccessor ?? true });
    const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
    const notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
    notes.setPrincipal(admin);
    await notes.add_note('first note');
    await notes.add_note('second note');
    // The deployer steps back: the app is the upgrader's and the recovery principal's.
    await replica.updateCanisterSettings({ canisterId: app, sender: admin, controllers: [upgraderId, recovery, ...(options.otherControllers ?? [])] });
    ok(await registerApp(upgrader, app, { as: recovery }));
    const oldHash = (await moduleHashOf(replica, app, recovery)) ?? '';
    return { replica, upgraderId, upgrader, app, notes, oldHash, limits: await upgrader.limits(), successorId, successor, upgraderHash: loadModule('upgrader').hash };
}

/** The module hash (hex) a canister runs, read by `sender` (a controller: the app's deployer stepped back). */
export async function moduleHashOf(replica: Replica, canisterId: Principal, sender: Principal = recovery): Promise<string | null> {
    const status = await replica.canisterStatus({ canisterId, sender });
    return status.moduleHash === null ? null : hex(status.moduleHash);
}

/** The maintainer proposes handing the app over to `successor` running `moduleHash`. */
export async function proposeHandOver(scene: HandOverScene, successor: Principal = scene.successorId, moduleHash: Uint8Array = scene.upgraderHash): Promise<Result<bigint>> {
    scene.upgrader.setPrincipal(maintainer);
    return scene.upgrader.propose({ app: scene.app, action: { hand_over: { successor, successor_module_hash: moduleHash } } });
}

/** The subject a voter computes from what they reviewed: the successor and its module hash. */
export function reviewedSubject(successor: Principal, moduleHash: Uint8Array): Uint8Array {
    return handOverSubject({ successor: successor.toUint8Array(), successorModuleHash: moduleHash });
}

/** Proposes the hand-over and has alice and bob approve it (subject recomputed, not read); returns its id. */
export async function approveHandOver(scene: HandOverScene, successor: Principal = scene.successorId, moduleHash: Uint8Array = scene.upgraderHash): Promise<bigint> {
    const id = ok(await proposeHandOver(scene, successor, moduleHash));
    const subject = reviewedSubject(successor, moduleHash);
    ok(await castVote(scene.upgrader, alice, id, subject));
    ok(await castVote(scene.upgrader, bob, id, subject));
    return id;
}

/** The app's controllers, as text, sorted. */
export async function controllersOf(scene: HandOverScene): Promise<string[]> {
    return (await scene.replica.getControllers(scene.app)).map((p) => p.toText()).sort();
}

export const sorted = (...principals: Principal[]): string[] => principals.map((p) => p.toText()).sort();

/**
 * Runs rounds until the proposal has an outcome, checking after every round that the recovery
 * principal and at least one of the two upgraders control the app. Returns the outcome and each
 * distinct set of controllers seen, in order.
 */
export async function driveWatching(scene: HandOverScene, id: bigint, maxTicks = 400): Promise<{ outcome: Outcome; sets: string[][] }> {
    const sets: string[][] = [await controllersOf(scene)];
    for (let i = 0; i < maxTicks; i++) {
        const status = (await getProposal(scene.upgrader, id)).status;
        if ('executed' in status) return { outcome: status.executed, sets };
        if (!('executing' in status)) throw new Error(`proposal ${id} is ${Object.keys(status)[0] ?? '?'}, not executing`);
        await scene.replica.tick();
        const now = await controllersOf(scene);
        expectWorkingControllers(scene, now);
        const last = sets[sets.length - 1];
        if (last === undefined || last.join() !== now.join()) sets.push(now);
    }
    throw new Error(`proposal ${id} did not finish in ${maxTicks} rounds`);
}

/** The recovery principal and at least one of the upgraders are among `controllers`. */
export function expectWorkingControllers(scene: HandOverScene, controllers: string[]): void {
    expect(controllers).toContain(recovery.toText());
    expect(controllers.includes(scene.upgraderId.toText()) || controllers.includes(scene.successorId.toText())).toBe(true);
}

/** What the first upgrader answers a proposal for the app from a canister (inspect_message never sees it). */
export async function proposeFromCanister(scene: HandOverScene, action: unknown): Promise<Result<bigint>> {
    const relay = await deployRelay(scene.replica, admin, [admin], 0);
    const arg = new Uint8Array(IDL.encode([ProposeArgs], [{ app: scene.app, action }]));
    const outcome = await relayCall(scene.replica, relay, scene.upgraderId, 'propose', arg);
    if ('reject' in outcome) throw new Error(`the upgrader rejected propose: ${outcome.reject.message}`);
    return IDL.decode([ResultProposalId], outcome.reply)[0] as unknown as Result<bigint>;
}
