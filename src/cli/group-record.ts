/**
 * A group named on the command line (`--group`), read from the upgrader before anything is sent,
 * so that a wrong id ends in one line saying what it is rather than in the IC's inspect_message
 * refusal.
 */
import type { Principal } from '@dfinity/principal';

import { isGroupPrincipal } from '../../canisters/upgrader/group-id.js';
import type { AppInfo } from '../../canisters/upgrader/types.js';
import type { UpgraderClient } from '../client/upgrader.js';
import { CliFailure } from './errors.js';

/** @throws CliFailure `GroupNotFound` for an unknown id, `NotAGroup` for a member of a group or an app on its own. */
export async function groupRecord(client: UpgraderClient, group: Principal): Promise<AppInfo> {
    const info = await client.getApp(group);
    if (info === undefined) {
        throw new CliFailure('GroupNotFound', `${group.toText()} names no group or app on this upgrader: give the id \`npx upgrader group create\` printed (status --app <id> shows it), and check --upgrader and --network`);
    }
    const parent = info.group[0];
    if (parent !== undefined) throw new CliFailure('NotAGroup', `${group.toText()} is a member of the group ${parent.toText()}, not a group: give --group ${parent.toText()}`);
    if (!isGroupPrincipal(group)) throw new CliFailure('NotAGroup', `${group.toText()} is an app, not a group: give the id \`npx upgrader group create\` printed`);
    return info;
}
