/**
 * Saving and restoring the subnet's own state: time, the id counters and the message queue.
 * Relies on `Subnet.exportCounters/importCounters` and `Subnet.restoreQueue`.
 */
import type { Subnet } from '../subnet/index.js';
import { messageRecord, restoreMessage } from './messages.js';
import { Stored, StoredRecord, big, field, list, num, rec } from './values.js';

export function subnetRecord(subnet: Subnet): StoredRecord {
    const c = subnet.exportCounters();
    return {
        time: subnet.time,
        certifiedTime: subnet.certifiedTime,
        nextCanisterIndex: subnet.nextCanisterIndex,
        nextCallContextId: c.nextCallContextId,
        nextCallbackId: c.nextCallbackId,
        nextIngressNonce: c.nextIngressNonce,
        randomCounter: c.randomCounter,
        lastStorageCharge: c.lastStorageCharge,
        queue: subnet.queuedMessages.map(messageRecord)
    };
}

export function restoreSubnet(subnet: Subnet, stored: Stored): void {
    const r = rec(stored);
    subnet.time = big(field(r, 'time'));
    subnet.certifiedTime = big(field(r, 'certifiedTime'));
    subnet.nextCanisterIndex = big(field(r, 'nextCanisterIndex'));
    subnet.importCounters({
        nextCallContextId: num(field(r, 'nextCallContextId')),
        nextCallbackId: num(field(r, 'nextCallbackId')),
        nextIngressNonce: big(field(r, 'nextIngressNonce')),
        randomCounter: big(field(r, 'randomCounter')),
        lastStorageCharge: big(field(r, 'lastStorageCharge'))
    });
    subnet.restoreQueue(list(field(r, 'queue')).map(restoreMessage));
}
