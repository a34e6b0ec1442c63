import { Principal } from '@dfinity/principal';
import { Reject } from '../reject.js';

/** The request status of an ingress message (spec §6.3), as read_state reports it. */
export type IngressStatus =
    | { status: 'received' }
    | { status: 'processing' }
    | { status: 'replied'; reply: Uint8Array }
    | { status: 'rejected'; reject: Reject }
    | { status: 'done' };

export interface IngressRecord {
    readonly id: string;
    readonly sender: Principal;
    readonly canisterId: Principal;
    readonly method: string;
    /** Effective canister id the message was submitted with (read_state is allowed only with it). */
    readonly effectiveCanisterId: Principal;
    status: IngressStatus;
    /** Time (ns) the status last changed; answered statuses are pruned some minutes later. */
    updatedAt: bigint;
}
