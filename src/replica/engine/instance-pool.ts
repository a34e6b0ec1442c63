import { PageStore } from '../memory/page-store.js';
import { CodeState } from '../state/canister.js';
import { LiveInstance } from './live-instance.js';

/**
 * Keeps at most `capacity` canisters instantiated. A canister that falls out is kept as
 * shared pages only (its committed heap and stable memory), so a thousand idle canisters
 * of one module cost little more than their differences; it is instantiated again from
 * those pages on its next message.
 */
export class InstancePool {
    /** Hot code states, least recently used first (Map keeps insertion order). */
    readonly #hot = new Map<CodeState, true>();

    constructor(
        private readonly capacity: number,
        private readonly store: PageStore
    ) {}

    /** The live instance of `code`, instantiating it from its committed image if needed. */
    acquire(code: CodeState): LiveInstance {
        if (code.live === null) {
            code.live = LiveInstance.restore(code.module, code.api.imports(), code.heap);
        }
        this.#hot.delete(code);
        this.#hot.set(code, true);
        this.#evictOverCapacity();
        return code.live;
    }

    /** Makes a freshly instantiated module the live instance of `code`. */
    adopt(code: CodeState, live: LiveInstance): void {
        code.live = live;
        this.#hot.delete(code);
        this.#hot.set(code, true);
        this.#evictOverCapacity();
    }

    /** Forgets `code` (uninstalled, replaced or deleted). */
    release(code: CodeState): void {
        this.#hot.delete(code);
        code.live = null;
    }

    /** Drops every live instance, keeping only shared pages (used by benchmarks and tearDown). */
    evictAll(): void {
        for (const code of [...this.#hot.keys()]) this.#evict(code);
    }

    get liveCount(): number {
        return this.#hot.size;
    }

    #evictOverCapacity(): void {
        while (this.#hot.size > this.capacity) {
            const oldest = this.#hot.keys().next().value as CodeState;
            this.#evict(oldest);
        }
    }

    #evict(code: CodeState): void {
        this.#hot.delete(code);
        code.live = null;
        code.heap.compact(this.store);
        code.stable.compact(this.store);
    }
}
