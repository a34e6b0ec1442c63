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

import type { UpgradeOptions } from './types';

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
