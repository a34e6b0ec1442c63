/**
 * Apps this upgrader handed over to a successor upgrader: once the hand-over finished, the app is
 * forgotten here and every call about it is refused with `HandedOver`, naming the successor.
 * One entry per app ever handed over (each one was a paid registration); registering the app
 * here again removes it.
 */
import type { Principal } from '@dfinity/principal';
import { StableBTreeMap } from 'azle';

import { MemoryId } from './memory';
import { handedOverRecord, type HandedOverRecord } from './records';
import { principalKey } from './serde';

const handedOver = new StableBTreeMap<Principal, HandedOverRecord>(MemoryId.handedOver, principalKey, handedOverRecord);

/** Where the app went, if this upgrader handed it over. */
export function findHandOver(app: Principal): HandedOverRecord | undefined {
    return handedOver.get(app);
}

export function recordHandOver(app: Principal, record: HandedOverRecord): void {
    handedOver.insert(app, record);
}

/** The app is registered here again: it is no longer refused. */
export function forgetHandOver(app: Principal): void {
    if (handedOver.containsKey(app)) handedOver.remove(app);
}
