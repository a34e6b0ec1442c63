/**
 * The scene of the CLI's fleet tests: a sealed free upgrader deployed through the CLI, a home
 * whose identities play the group's recovery principal, voters, maintainer and a stranger, and
 * fleet members (the tiny member module) created over HTTP, controlled by the upgrader and the
 * recovery principal; the member modules written to files for `rollout --wasm`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Principal } from '@dfinity/principal';

import { agentMembers } from '../fleet/agent-members.js';
import { fleetMemberModule, type FleetMemberVersion } from '../fleet/member-module.js';
import { agentAs, cli, type CliRun, type Home, makeHome } from './support.js';

export interface FleetCli {
    home: Home;
    /** The CLI on the server, in the home (whose canister_ids.json names the upgrader). */
    run: (args: string[]) => Promise<CliRun>;
    upgrader: string;
    /** `count` fresh members running v1, not in any group yet. */
    members: (count: number) => Promise<string[]>;
    /** The member module of `version` written to a file; its path. */
    moduleFile: (version: FleetMemberVersion) => Promise<string>;
}

const NAMES = ['deployer', 'recovery', 'alice', 'bob', 'maintainer', 'stranger'] as const;

export async function fleetCli(url: string): Promise<FleetCli> {
    const home = makeHome(NAMES, 'deployer');
    const run = (args: string[]): Promise<CliRun> => cli(['--network', url, ...args], { home: home.dir });
    const deployed = await run(['deploy', '--registration-fee', '0', '--storage-fee-per-mib', '0', '--save', '--yes', '--json']);
    if (deployed.code !== 0) throw new Error(`deploy failed: ${deployed.stderr}`);
    const upgrader = deployed.json<{ upgrader: string }>().upgrader;
    const deployer = await agentAs(url, home.identities.deployer!);
    const controllers = [Principal.fromText(upgrader), Principal.fromText(home.principal('recovery'))];
    const files = mkdtempSync(join(tmpdir(), 'upgrader-fleet-modules-'));
    return {
        home,
        run,
        upgrader,
        members: async (count) => (await agentMembers(deployer, controllers, count)).map((id) => id.toText()),
        moduleFile: async (version) => {
            const bytes = await fleetMemberModule(version);
            const path = join(files, `fleet_member_${version}.wasm`);
            writeFileSync(path, bytes);
            return path;
        }
    };
}

/**
 * Through the CLI: a group whose recovery principal is `recovery`, voters alice and bob (2 of 2),
 * proposer maintainer, health check `health`, one snapshot kept; its id.
 */
export async function createGroup(scene: FleetCli): Promise<string> {
    const { home, run } = scene;
    const created = await run([
        'group', 'create', '--recovery', home.principal('recovery'), '--voter', home.principal('alice'), '--voter', home.principal('bob'),
        '--threshold', '2', '--proposer', home.principal('maintainer'), '--health-check', 'health', '--snapshots-keep', '1', '--identity', 'maintainer', '--json'
    ]);
    if (created.code !== 0) throw new Error(`group create failed: ${created.stderr}`);
    return created.json<{ group: string }>().group;
}

/** Proposes a rollout of `version` as the maintainer and approves it (alice, then bob); the proposal id. */
export async function approvedRollout(scene: FleetCli, group: string, version: FleetMemberVersion, plan: string[]): Promise<string> {
    const proposed = await scene.run(['rollout', '--group', group, '--wasm', await scene.moduleFile(version), ...plan, '--identity', 'maintainer', '--json']);
    if (proposed.code !== 0) throw new Error(`rollout failed: ${proposed.stderr}`);
    const id = proposed.json<{ proposal_id: string }>().proposal_id;
    for (const voter of ['alice', 'bob']) {
        const voted = await scene.run(['vote', id, '--approve', '--identity', voter, '--yes', '--json']);
        if (voted.code !== 0) throw new Error(`vote by ${voter} failed: ${voted.stderr}`);
    }
    return id;
}
