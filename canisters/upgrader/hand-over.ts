/**
 * The end of a hand-over that succeeded: the successor upgrader and the recovery principal control
 * the app, this upgrader does not. The app is forgotten here (its modules reclaimed, its slot
 * freed, its audit ring kept), the hand-over is logged in the app's and the registry's history,
 * and every later call about the app is refused with `HandedOver`, naming the successor
 * (handed-over.ts).
 */
import type { Principal } from '@dfinity/principal';
import { time } from 'azle';

import { findApp, removeApp } from './apps';
import { audit } from './audit';
import { recordHandOver } from './handed-over';
import { reclaimAll } from './modules';
import type { HandOver } from './types';

export function closeHandedOver(app: Principal, handOver: HandOver, proposalId: bigint): void {
    recordHandOver(app, { successor: handOver.successor, module_hash: handOver.successor_module_hash, proposal_id: proposalId, at: time() });
    audit({ app, proposalId, event: { handed_over: handOver.successor } });
    const stored = findApp(app);
    if (stored === undefined) return;
    reclaimAll(stored);
    removeApp(app);
}
