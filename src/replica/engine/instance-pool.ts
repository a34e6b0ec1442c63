import { HeapImage } from '../memory/heap.js';
import { PageStore } from '../memory/page-store.js';
import { CodeState } from '../state/canister.js';
import { bindIc0, Ic0Scope, type SystemApiHost } from './ic0/index.js';
import { LiveInstance } from './live-instance.js';

/** A running instance of a code state, and the System API scope its ic0 imports are bound to. */
export interface HotInstance {
    readonly live: LiveInstance;
    readonly scope: Ic0Scope;
}

/**
 * Owns the running instances of canister code: keeps at most `capacity` code states
 * instantiated. A code state that falls out is kept as shared pages only (its committed
 * heap and stable memory), so a thousand idle canisters of one module cost little more
 * than their differences; it is instantiated again from those pages on its next message.
 *
 * Instances are keyed by code state, not canister: during an upgrade the old code
 * (pre_upgrade) and the new code (start, post_upgrade) of one canister run side by side.
 */
export class InstancePool {
    /** Hot code states, least recently used first (Map keeps insertion order). */
    readonly #hot = new Map<CodeState, HotInstance>();

    constructor(
        private readonly capacity: number,
        private readonly store: PageStore,
        private readonly host: SystemApiHost
    ) {}

    /** The live instance of `code`, instantiating it from its committed image if needed. */
    acquire(code: CodeState): LiveInstance {
        return this.acquireHot(code).live;
    }

    /** The live instance of `code` with its System API scope, instantiating it if needed. */
    acquireHot(code: CodeState): HotInstance {
        let hot = this.#hot.get(code);
        if (hot === undefined) {
            const scope = new Ic0Scope(this.host);
            hot = { live: LiveInstance.restore(code.module, bindIc0(scope), code.heap), scope };
        }
        this.#touch(code, hot);
        return hot;
    }

    /** The live instance of `code` if it is hot, else null (nothing is instantiated). */
    peek(code: CodeState): LiveInstance | null {
        return this.#hot.get(code)?.live ?? null;
    }

    /**
     * Instantiates `code.module` afresh as the live instance of `code` (data segments
     * applied, start not run), with the memory of `memory` when given and the module's
     * initial globals: an install, or an upgrade with `wasm_memory_persistence = keep`.
     */
    instantiate(code: CodeState, memory: HeapImage | null): LiveInstance {
        const scope = new Ic0Scope(this.host);
        const imports = bindIc0(scope);
        const live = memory === null ? LiveInstance.fresh(code.module, imports) : LiveInstance.withMemoryOf(code.module, imports, memory);
        this.#touch(code, { live, scope });
        return live;
    }

    /** Forgets the instance of `code` (uninstalled, replaced, deleted, or to be restored from its image). */
    release(code: CodeState): void {
        this.#hot.delete(code);
    }

    /** Drops every live instance, keeping only shared pages (used by benchmarks and tearDown). */
    evictAll(): void {
        for (const code of [...this.#hot.keys()]) this.#evict(code);
    }

    get liveCount(): number {
        return this.#hot.size;
    }

    #touch(code: CodeState, hot: HotInstance): void {
        this.#hot.delete(code);
        this.#hot.set(code, hot);
        this.#evictOverCapacity();
    }

    #evictOverCapacity(): void {
        while (this.#hot.size > this.capacity) {
            const oldest = this.#hot.keys().next().value as CodeState;
            this.#evict(oldest);
        }
    }

    #evict(code: CodeState): void {
        this.#hot.delete(code);
        code.heap.compact(this.store);
        code.stable.compact(this.store);
    }
}
