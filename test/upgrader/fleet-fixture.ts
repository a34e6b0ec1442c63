/**
 * The scene of a fleet test: the upgrader, a group with the default policy, and `count` members
 * running the fleet member module v1 (controlled by admin, the upgrader and recovery), joined by
 * the group's recovery principal; helpers to upload the group's modules, propose and approve a
 * rollout, and run rounds until it ends.
 */
import type { Principal } from '@dfinity/principal';

import type { AppInfo, Outcome, Rollout, RolloutMember, RolloutPlan, SnapshotPolicy, UpgradeOptions } from '../../canisters/upgrader/types';
import { Replica } from '../../src/replica/index';
import { type FleetMember, fleetMemberIdl, fleetMemberModule, type FleetMemberVersion } from '../fleet/member-module';
import { admin, alice, bob, castVote, DEFAULT_POLICY, deployUpgrader, getProposal, maintainer, type Module, ok, recovery, sha256, subjectOf, type Upgrader, uploadModule } from './fixture';

export type FleetScene = {
    replica: Replica;
    upgrader: Upgrader;
    upgraderId: Principal;
    group: Principal;
    members: Principal[];
};

const FLEET_SNAPSHOTS: SnapshotPolicy = { keep: 1, required: false, rehearse: false };

export async function memberModule(version: FleetMemberVersion, padBytes = 0): Promise<Module> {
    const bytes = await fleetMemberModule(version, { padBytes });
    return { name: `fleet_member_${version}${padBytes > 0 ? `_${padBytes}` : ''}`, bytes, hash: sha256(bytes) };
}

/** A fresh member running v1, controlled by admin, the upgrader and recovery (not joined). */
export async function createMember(scene: Pick<FleetScene, 'replica' | 'upgraderId'>, v1: Module): Promise<Principal> {
    const id = await scene.replica.createCanister({ sender: admin, controllers: [admin, scene.upgraderId, recovery] });
    await scene.replica.installCode({ canisterId: id, wasm: v1.bytes, arg: new Uint8Array(), sender: admin });
    return id;
}

export async function joinMember(scene: Pick<FleetScene, 'upgrader' | 'group'>, app: Principal, as: Principal = recovery): Promise<AppInfo> {
    scene.upgrader.setPrincipal(as);
    return ok(await scene.upgrader.join_group({ group: scene.group, app }));
}

export async function createFleetScene(count: number, snapshots: SnapshotPolicy = FLEET_SNAPSHOTS): Promise<FleetScene> {
    const replica = await Replica.create();
    const { id: upgraderId, upgrader } = await deployUpgrader(replica);
    upgrader.setPrincipal(admin);
    const group = ok(await upgrader.create_group({ policy: DEFAULT_POLICY, snapshot_policy: snapshots, recovery })).app;
    const scene: FleetScene = { replica, upgrader, upgraderId, group, members: [] };
    const v1 = await memberModule('v1');
    for (let i = 0; i < count; i++) {
        const member = await createMember(scene, v1);
        await joinMember(scene, member);
        scene.members.push(member);
    }
    return scene;
}

export function memberActor(scene: FleetScene, member: Principal): FleetMember {
    return scene.replica.createActor<FleetMember>(fleetMemberIdl, member);
}

export const PLAN: RolloutPlan = { canary: 2, batch_size: 50, max_concurrency: 10, max_failure_percent: 10 };

/** Uploads `module` to the group's store, proposes the rollout as the maintainer, and approves it (alice and bob). */
export async function approveRollout(scene: FleetScene, module: Module, plan: RolloutPlan = PLAN, options: Partial<UpgradeOptions> & { members?: Principal[] } = {}): Promise<bigint> {
    await uploadModule(scene.upgrader, scene.group, module);
    scene.upgrader.setPrincipal(maintainer);
    const upgrade = {
        module_hash: module.hash,
        arg: new Uint8Array(),
        options: { take_snapshot: options.take_snapshot ?? true, skip_pre_upgrade: false, wasm_memory_persistence: [] as [] },
        downgrade: false
    };
    const id = ok(await scene.upgrader.propose({ app: scene.group, action: { rollout: { upgrade, members: options.members === undefined ? [] : [options.members], plan } } }));
    const subject = await subjectOf(scene.upgrader, id);
    ok(await castVote(scene.upgrader, alice, id, subject));
    ok(await castVote(scene.upgrader, bob, id, subject));
    return id;
}

export async function rolloutOf(scene: FleetScene): Promise<Rollout> {
    const found = (await scene.upgrader.get_rollout(scene.group))[0];
    if (found === undefined) throw new Error('the group has no rollout');
    return found;
}

export async function rolloutMembers(scene: FleetScene): Promise<RolloutMember[]> {
    const all: RolloutMember[] = [];
    let start = 0;
    for (;;) {
        const page = await scene.upgrader.rollout_members({ group: scene.group, start, limit: 500 });
        all.push(...page.members);
        const next = page.next[0];
        if (next === undefined) return all;
        start = next;
    }
}

/**
 * Runs rounds until the rollout's proposal has an outcome; `observe` sees the rollout after every
 * round (e.g. to check how many members ran at once).
 */
export async function runRollout(scene: FleetScene, id: bigint, observe: (rollout: Rollout) => void = () => undefined, maxTicks = 4_000): Promise<Outcome> {
    for (let i = 0; i < maxTicks; i++) {
        const status = (await getProposal(scene.upgrader, id)).status;
        if ('executed' in status) return status.executed;
        observe(await rolloutOf(scene));
        await scene.replica.tick();
    }
    throw new Error(`rollout ${id} did not end in ${maxTicks} rounds`);
}
