/**
 * What a vote on an upgrade approves, as 32 bytes a voter can recompute: the SHA-256 of
 *
 *   "upgrader-vote/upgrade/v1"        24 ASCII bytes (domain separation)
 *   module_hash                       32 bytes
 *   SHA-256(arg)                      32 bytes
 *   take_snapshot                     1 byte: 0 or 1
 *   skip_pre_upgrade                  1 byte: 0 or 1
 *   wasm_memory_persistence           1 byte: 0 absent, 1 keep, 2 replace
 *   downgrade                         1 byte: 0 or 1 (the proposal's flag)
 *   from_module                       1 byte 0 (the app ran no module), or 1 then its 32 bytes
 *
 * Pure (imports only @noble/hashes): the canister, the client and the tests share it.
 */
import { sha256 } from '@noble/hashes/sha2';

import type { RolloutPlan, UpgradeOptions } from './types';

export const UPGRADE_SUBJECT_DOMAIN = 'upgrader-vote/upgrade/v1';

export type UpgradeSubjectParts = {
    moduleHash: Uint8Array;
    argHash: Uint8Array;
    options: UpgradeOptions;
    downgrade: boolean;
    fromModule: [] | [Uint8Array];
};

function persistenceByte(options: UpgradeOptions): number {
    const chosen = options.wasm_memory_persistence[0];
    if (chosen === undefined) return 0;
    return 'keep' in chosen ? 1 : 2;
}

/** The canonical bytes that `upgradeSubject` hashes (see the layout above). */
export function upgradeSubjectBytes(parts: UpgradeSubjectParts): Uint8Array {
    const domain = new TextEncoder().encode(UPGRADE_SUBJECT_DOMAIN);
    const from = parts.fromModule[0];
    const flags = [parts.options.take_snapshot ? 1 : 0, parts.options.skip_pre_upgrade ? 1 : 0, persistenceByte(parts.options), parts.downgrade ? 1 : 0];
    const out = new Uint8Array(domain.length + parts.moduleHash.length + parts.argHash.length + flags.length + 1 + (from?.length ?? 0));
    let at = 0;
    for (const piece of [domain, parts.moduleHash, parts.argHash, Uint8Array.from(flags), Uint8Array.of(from === undefined ? 0 : 1), from ?? new Uint8Array(0)]) {
        out.set(piece, at);
        at += piece.length;
    }
    return out;
}

/** The subject of a vote on an upgrade proposal. */
export function upgradeSubject(parts: UpgradeSubjectParts): Uint8Array {
    return sha256(upgradeSubjectBytes(parts));
}

/** SHA-256 of an upgrade argument (what a proposal shows as `arg_hash`). */
export function argHash(arg: Uint8Array): Uint8Array {
    return sha256(arg);
}

/**
 * What a vote on a hand-over approves: the SHA-256 of
 *
 *   "upgrader-vote/hand-over/v1"      26 ASCII bytes (domain separation)
 *   len(successor)                    1 byte (a principal is at most 29 bytes)
 *   successor                         its bytes
 *   successor_module_hash             32 bytes: the sealed code that takes over
 */
export const HAND_OVER_SUBJECT_DOMAIN = 'upgrader-vote/hand-over/v1';

export type HandOverSubjectParts = { successor: Uint8Array; successorModuleHash: Uint8Array };

/** The canonical bytes that `handOverSubject` hashes (see the layout above). */
export function handOverSubjectBytes(parts: HandOverSubjectParts): Uint8Array {
    const domain = new TextEncoder().encode(HAND_OVER_SUBJECT_DOMAIN);
    const out = new Uint8Array(domain.length + 1 + parts.successor.length + parts.successorModuleHash.length);
    out.set(domain, 0);
    out[domain.length] = parts.successor.length;
    out.set(parts.successor, domain.length + 1);
    out.set(parts.successorModuleHash, domain.length + 1 + parts.successor.length);
    return out;
}

/** The subject of a vote on a hand-over proposal. */
export function handOverSubject(parts: HandOverSubjectParts): Uint8Array {
    return sha256(handOverSubjectBytes(parts));
}

/**
 * What a vote on a group's rollout approves: the SHA-256 of
 *
 *   "upgrader-vote/rollout/v1"        24 ASCII bytes (domain separation)
 *   upgrade subject                   32 bytes: `upgradeSubject` of the module, argument, options and
 *                                     downgrade flag, with no from_module (members may run different modules)
 *   members                           1 byte 0 (every member at approval), or 1, then their count
 *                                     (4 bytes, big-endian) and each one's length (1 byte) and bytes, in order
 *   plan                              canary, batch_size, max_concurrency (4 bytes each, big-endian),
 *                                     max_failure_percent (1 byte)
 */
export const ROLLOUT_SUBJECT_DOMAIN = 'upgrader-vote/rollout/v1';

export type RolloutSubjectParts = {
    upgrade: Omit<UpgradeSubjectParts, 'fromModule'>;
    members: [] | [Uint8Array[]];
    plan: RolloutPlan;
};

/** The canonical bytes that `rolloutSubject` hashes (see the layout above). */
export function rolloutSubjectBytes(parts: RolloutSubjectParts): Uint8Array {
    const domain = new TextEncoder().encode(ROLLOUT_SUBJECT_DOMAIN);
    const named = parts.members[0];
    const memberBytes = named === undefined ? 0 : 4 + named.reduce((sum, member) => sum + 1 + member.length, 0);
    const out = new Uint8Array(domain.length + 32 + 1 + memberBytes + 13);
    const view = new DataView(out.buffer);
    out.set(domain, 0);
    let at = domain.length;
    out.set(upgradeSubject({ ...parts.upgrade, fromModule: [] }), at);
    at += 32;
    out[at++] = named === undefined ? 0 : 1;
    if (named !== undefined) {
        view.setUint32(at, named.length);
        at += 4;
        for (const member of named) {
            out[at++] = member.length;
            out.set(member, at);
            at += member.length;
        }
    }
    view.setUint32(at, parts.plan.canary);
    view.setUint32(at + 4, parts.plan.batch_size);
    view.setUint32(at + 8, parts.plan.max_concurrency);
    out[at + 12] = parts.plan.max_failure_percent;
    return out;
}

/** The subject of a vote on a rollout proposal. */
export function rolloutSubject(parts: RolloutSubjectParts): Uint8Array {
    return sha256(rolloutSubjectBytes(parts));
}
