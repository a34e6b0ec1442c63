/**
 * Commit and rollback (interface spec §2.3): a trap discards every effect of the execution,
 * and a query's changes are never kept.
 */
import { Replica } from '../../../src/replica/index.js';
import { OWNER, Principal, expectReject, newReplica, query, run, systemState, text, u64, universal, versionOf } from './support/harness.js';
import { DATA, Prog, SCRATCH, prog } from './support/universal.js';

const PAGE = 4096;

/** Reads back everything the tests change: heap words, stable bytes and size, the global, memory size. */
function observe(): Prog {
    return prog()
        .op('load64', DATA)
        .appendI64()
        .op('load64', DATA + PAGE - 4)
        .appendI64()
        .op('load64', DATA + 20 * PAGE)
        .appendI64()
        .op('global_get')
        .appendI64()
        .ic0('stable64_size')
        .appendI64()
        .op('memory_size')
        .appendI64()
        .ic0('stable64_read', SCRATCH, 0, 5)
        .ic0('msg_reply_data_append', SCRATCH, 5)
        .ic0('msg_reply');
}

interface State {
    word: bigint;
    straddling: bigint;
    far: bigint;
    global: bigint;
    stablePages: bigint;
    memoryPages: bigint;
    stable: string;
}

async function state(replica: Replica, id: Principal): Promise<State> {
    const r = await query(replica, id, observe());
    return {
        word: u64(r, 0),
        straddling: u64(r, 8),
        far: u64(r, 16),
        global: u64(r, 24),
        stablePages: u64(r, 32),
        memoryPages: u64(r, 40),
        stable: text(r.subarray(48))
    };
}

/** Changes every kind of state: heap (a word, a word across a 4 KiB boundary, a bulk copy), a global, stable memory, memory size. */
function mutate(tag: number): Prog {
    return prog()
        .op('store64', DATA, tag)
        .op('store64', DATA + PAGE - 4, tag * 1000)
        .i64(DATA + 20 * PAGE)
        .bytes(new Uint8Array(8).fill(tag))
        .op('memcpy')
        .op('global_set', tag)
        .ic0('stable64_grow', 1)
        .op('drop')
        .ic0('stable64_write', 0, `new-${tag}`.slice(0, 5))
        .op('memory_grow', 3)
        .op('drop');
}

describe('a trap rolls back the whole execution (spec §2.3)', () => {
    let replica: Replica;
    let id: Principal;
    let helper: Principal;
    let before: State;

    // Each test gets its own replica and canisters: no test sees another's changes.
    beforeEach(async () => {
        replica = await newReplica();
        id = await universal(replica, prog().ic0('stable64_grow', 1).op('drop').ic0('stable64_write', 0, 'start').op('store64', DATA, 1).op('global_set', 1).ic0('certified_data_set', 'certified-1'));
        helper = await universal(replica);
        before = await state(replica, id);
    });

    it('starts from the initial state', () => {
        expect(before).toEqual({ word: 1n, straddling: 0n, far: 0n, global: 1n, stablePages: 1n, memoryPages: 16n, stable: 'start' });
    });

    it('heap, globals, stable memory, memory size, certified data, timer, calls and version are all restored', async () => {
        const version = await versionOf(replica, id);
        const bump = prog().op('global_get').op('add', 1).op('global_set').reply();
        const trapping = mutate(2)
            .ic0('certified_data_set', 'certified-2')
            .ic0('global_timer_set', 1n << 62n)
            .op('drop')
            .callNew(helper.toUint8Array(), 'run', null, null)
            .ic0('call_data_append', bump.build())
            .ic0('call_perform')
            .op('drop')
            .reply('replied before the trap')
            .trap('after everything');
        await expectReject(run(replica, id, trapping), { rejectCode: 5, errorCode: 'IC0503' });
        await replica.tick(3);
        expect(await state(replica, id)).toEqual(before);
        expect(await versionOf(replica, id)).toBe(version);
        const system = await systemState(replica, id);
        expect(text(system.certifiedData)).toBe('certified-1');
        expect(system.globalTimer).toBe(0n);
        // The call was never sent.
        expect(u64(await query(replica, helper, prog().op('global_get').replyI64()))).toBe(0n);
        // And the timer reads as unset from inside the canister too.
        expect(u64(await run(replica, id, prog().ic0('global_timer_set', 0).replyI64()))).toBe(0n);
    });

    it('a Wasm trap (unreachable) after growing memory leaves memory.size as it was', async () => {
        await expectReject(run(replica, id, prog().op('memory_grow', 10).op('drop').op('store64', 20 * 65536, 5).op('unreachable')), { rejectCode: 5, errorCode: 'IC0502' });
        const after = await state(replica, id);
        expect(after.memoryPages).toBe(16n);
        expect(after.word).toBe(1n);
    });

    it('the state changes of a committed update are kept, and a later trap restores exactly them', async () => {
        await run(replica, id, mutate(3).reply());
        const committed = await state(replica, id);
        expect(committed).toEqual({ word: 3n, straddling: 3000n, far: 0x0303030303030303n, global: 3n, stablePages: 2n, memoryPages: 19n, stable: 'new-3' });
        await expectReject(run(replica, id, mutate(4).trap('undo')), { rejectCode: 5 });
        expect(await state(replica, id)).toEqual(committed);
    });

    it('a trap that grew memory restores the heap contents as well as the size', async () => {
        const committed = await state(replica, id);
        await expectReject(run(replica, id, prog().op('memory_grow', 100).op('drop').op('store64', DATA, 77).trap('grown')), { rejectCode: 5 });
        expect(await state(replica, id)).toEqual(committed);
    });
});

describe('queries keep nothing (spec §2.1, §2.10)', () => {
    it('a query call that writes heap, stable memory, a global and grows memory leaves nothing behind', async () => {
        const replica = await newReplica();
        const id = await universal(replica, prog().ic0('stable64_grow', 1).op('drop').ic0('stable64_write', 0, 'start').op('store64', DATA, 1).op('global_set', 1));
        const before = await state(replica, id);
        const version = await versionOf(replica, id);
        const writes = mutate(5).ic0('canister_version').replyI64();
        await query(replica, id, writes);
        await query(replica, id, writes);
        expect(await state(replica, id)).toEqual(before);
        expect(await versionOf(replica, id)).toBe(version);
    });

    it('a query method called by an update call (replicated query) keeps no state either', async () => {
        const replica = await newReplica();
        const id = await universal(replica, prog().ic0('stable64_grow', 1).op('drop').ic0('stable64_write', 0, 'start').op('store64', DATA, 1).op('global_set', 1));
        const before = await state(replica, id);
        await replica.updateCall({ canisterId: id, method: 'query', arg: mutate(6).reply('ok').build(), sender: OWNER });
        expect(await state(replica, id)).toEqual(before);
    });
});
