/**
 * The request statuses a node publishes in its state tree (/request_status): followed while
 * they may change, then, as on the IC, turned `done` some time after they were answered and
 * removed as long again later.
 */
import { StateTree, Subnet } from '../replica/index.js';
import type { IngressStatus } from '../replica/index.js';
import { fromHex } from '../encoding/hex.js';

/** Answered request statuses become `done` this long after they were answered, and are removed as long again later. */
const REQUEST_STATUS_RETENTION_NS = 5n * 60n * 1_000_000_000n;

/** What the statuses are read from and published to (the node). */
interface StatusSource {
    readonly subnet: Subnet;
    readonly tree: StateTree;
}

export class RequestStatuses {
    readonly #node: StatusSource;
    /** Request ids (hex) whose status may still change, with the status last published. */
    readonly #tracked = new Map<string, IngressStatus | null>();
    /** Answered requests in the order they were answered: when to mark them done, then remove them. */
    #answered: Array<{ id: string; at: bigint }> = [];
    #done: Array<{ id: string; at: bigint }> = [];

    constructor(node: StatusSource) {
        this.#node = node;
    }

    /** Follows a newly submitted request. */
    track(id: string): void {
        this.#tracked.set(id, null);
    }

    /** Starts tracking every ingress record of a restored subnet. */
    trackAll(): void {
        const records = [...this.#node.subnet.ingress.values()].sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
        for (const record of records) {
            const status = record.status.status;
            if (status === 'received' || status === 'processing') {
                this.#tracked.set(record.id, null);
            } else {
                if (isHex32(record.id)) this.#node.tree.setRequestStatus(fromHex(record.id), record.status);
                (status === 'done' ? this.#done : this.#answered).push({ id: record.id, at: record.updatedAt });
            }
        }
    }

    /** Publishes the statuses that changed, and expires old ones. Returns whether a request was answered (replied or rejected) since the last sync. */
    sync(): boolean {
        const subnet = this.#node.subnet;
        const tree = this.#node.tree;
        let answered = false;
        for (const [id, published] of this.#tracked) {
            const record = subnet.ingress.get(id);
            if (record === undefined) {
                this.#tracked.delete(id);
                if (published !== null) tree.setRequestStatus(fromHex(id), null);
                continue;
            }
            const status = record.status;
            if (status === published) continue;
            if (isHex32(id)) tree.setRequestStatus(fromHex(id), status);
            if (status.status === 'replied' || status.status === 'rejected') {
                answered = true;
                this.#tracked.delete(id);
                this.#answered.push({ id, at: subnet.time });
            } else if (status.status === 'done') {
                this.#tracked.delete(id);
                this.#done.push({ id, at: subnet.time });
            } else {
                this.#tracked.set(id, status);
            }
        }
        this.#expire();
        return answered;
    }

    /** Answered statuses turn `done` after the retention period, and disappear after another. */
    #expire(): void {
        const subnet = this.#node.subnet;
        const tree = this.#node.tree;
        const now = subnet.time;
        while (this.#answered.length > 0 && this.#answered[0]!.at + REQUEST_STATUS_RETENTION_NS <= now) {
            const { id } = this.#answered.shift()!;
            const done = subnet.markIngressDone(id);
            if (done === null) continue;
            if (isHex32(id)) tree.setRequestStatus(fromHex(id), done);
            this.#done.push({ id, at: now });
        }
        while (this.#done.length > 0 && this.#done[0]!.at + REQUEST_STATUS_RETENTION_NS <= now) {
            const { id } = this.#done.shift()!;
            subnet.forgetIngress(id);
            if (isHex32(id)) tree.setRequestStatus(fromHex(id), null);
        }
    }
}

function isHex32(id: string): boolean {
    return id.length === 64 && /^[0-9a-f]{64}$/.test(id);
}
