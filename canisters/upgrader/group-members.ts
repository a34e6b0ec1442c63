/**
 * Each group's list of members, kept without holes: positions 0..members-1, so a rollout or a
 * page reads members by exact key (Azle's StableBTreeMap has no range scan). A member that leaves
 * is replaced by the last one. The count itself is the group record's `members` (apps.ts).
 */
import type { Principal } from '@dfinity/principal';
import { StableBTreeMap } from 'azle';

import { MemoryId } from './memory';
import { principalKey, principalU64Key, u64Value } from './serde';

const list = new StableBTreeMap<[Principal, bigint], Principal>(MemoryId.groupMembers, principalU64Key, principalKey);
const positions = new StableBTreeMap<Principal, bigint>(MemoryId.memberPositions, principalKey, u64Value);

/** Puts `app` at position `count` (the group's current member count). */
export function addMember(group: Principal, app: Principal, count: number): void {
    list.insert([group, BigInt(count)], app);
    positions.insert(app, BigInt(count));
}

/** Takes `app` out of the group's list of `count` members; the last member moves into its place. */
export function removeMember(group: Principal, app: Principal, count: number): void {
    const position = positions.remove(app);
    if (position === undefined || count === 0) return;
    const last = BigInt(count - 1);
    if (position !== last) {
        const moved = list.get([group, last]);
        if (moved !== undefined) {
            list.insert([group, position], moved);
            positions.insert(moved, position);
        }
    }
    list.remove([group, last]);
}

export function memberAt(group: Principal, position: number): Principal | undefined {
    return list.get([group, BigInt(position)]);
}
