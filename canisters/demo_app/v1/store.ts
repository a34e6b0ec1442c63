/**
 * Demo app v1's stable state, shared with the misbehaving fixtures that mimic v1 (so their data
 * is v1 data that v2 can migrate).
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { msgCaller, StableBTreeMap, time, trap } from 'azle';

import { candid, rawBytes, textKey, u64Key } from '../../upgrader/serde';
import { type AppConfig, ConfigKey, DemoMemory, MetaKey, NoteV1 } from './types';

export const notesV1 = new StableBTreeMap<bigint, NoteV1>(DemoMemory.notesV1, u64Key, candid(NoteV1));
export const config = new StableBTreeMap<string, Principal>(DemoMemory.config, textKey, candid(IDL.Principal));
export const meta = new StableBTreeMap<string, bigint>(DemoMemory.meta, textKey, candid(IDL.Nat64));
export const attachments = new StableBTreeMap<bigint, Uint8Array>(DemoMemory.attachments, u64Key, rawBytes);


/** Applies init / post_upgrade config: given fields replace the stored ones. */
export function applyConfig(arg: AppConfig): void {
    const owner = arg.owner[0];
    const upgrader = arg.upgrader[0];
    if (owner !== undefined) config.insert(ConfigKey.owner, owner);
    if (upgrader !== undefined) config.insert(ConfigKey.upgrader, upgrader);
}

export function requireOwner(): void {
    const owner = config.get(ConfigKey.owner);
    if (owner === undefined || owner.compareTo(msgCaller()) !== 'eq') trap(`only the owner may do this, not ${msgCaller().toText()}`);
}

export function upgrader(): Principal | undefined {
    return config.get(ConfigKey.upgrader);
}

export function nextId(): bigint {
    const id = meta.get(MetaKey.nextId) ?? 0n;
    meta.insert(MetaKey.nextId, id + 1n);
    return id;
}

export function addNoteV1(text: string): bigint {
    if (text.length > 10_000) trap('a note is at most 10,000 characters');
    const id = nextId();
    notesV1.insert(id, { author: msgCaller(), text, created_at: time() });
    return id;
}

export function some<T>(value: T | undefined): [] | [T] {
    return value === undefined ? [] : [value];
}
