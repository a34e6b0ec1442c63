/**
 * Every argument is bounded before anything else looks at it (issue 7, items 4, 7 and 11):
 * the per-method message bounds match the .did, oversized ingress never reaches a method,
 * oversized values from a canister are refused with a size error before the caller check,
 * snapshot ids are tight, and a policy's weights can never overflow a nat32 tally.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { ENCODING_SLACK, MAX_ARGUMENT_BYTES } from '../../canisters/upgrader/bounds';
import { CHUNK_BYTES, MAX_ARG_BYTES, MAX_NAMED_MEMBERS, MAX_SNAPSHOT_ID_BYTES, MAX_TOTAL_WEIGHT } from '../../canisters/upgrader/limits';
import { addWeight } from '../../canisters/upgrader/policy';
import {
    idlFactory,
    type Policy,
    ResultModule,
    ResultProposal,
    ResultProposalId,
    RestoreArgs,
    type UpgraderError,
    UploadChunkArgs,
    VoteArgs
} from '../../canisters/upgrader/types';
import { CallRejectedError, Replica } from '../../src/replica/index';
import { didMethods } from './did';
import {
    admin,
    alice,
    bob,
    castVote,
    DEFAULT_SNAPSHOTS,
    deployUpgrader,
    err,
    getProposal,
    maintainer,
    ok,
    policyOf,
    recovery,
    registerApp,
    stranger,
    type Upgrader
} from './fixture';
import { deployRelay, relayCall } from './relay';

const largest = (i: number): Principal => Principal.fromUint8Array(new Uint8Array(29).fill(i));
const hash = new Uint8Array(32);
const NAT64_MAX = 2n ** 64n - 1n;
const NAT32_MAX = 0xffff_ffff;

const largestPolicy: Policy = {
    voters: Array.from({ length: 32 }, (_, i) => ({ principal: largest(i), weight: NAT32_MAX })),
    threshold: NAT32_MAX,
    proposers: Array.from({ length: 16 }, (_, i) => largest(100 + i)),
    proposal_lifetime_seconds: NAT64_MAX,
    health_check: ['h'.repeat(64)]
};
const largestSnapshots = { keep: 255, required: true, rehearse: true };
const largestRequest = { module_hash: hash, arg: new Uint8Array(MAX_ARG_BYTES), options: { take_snapshot: true, skip_pre_upgrade: true, wasm_memory_persistence: [{ replace: null }] }, downgrade: true };

/** The largest valid argument list of every method (of the largest variant, for variants). */
const largestArguments: Record<string, unknown[]> = {
    register: [{ app: largest(1), policy: largestPolicy, snapshot_policy: largestSnapshots, recovery: largest(2) }],
    get_app: [largest(1)],
    create_module: [{ app: largest(1), hash, size: NAT64_MAX }],
    upload_module_chunk: [{ app: largest(1), hash, index: NAT32_MAX, chunk: new Uint8Array(CHUNK_BYTES) }],
    delete_module: [{ app: largest(1), hash }],
    get_module: [{ app: largest(1), hash }],
    get_module_chunk: [{ app: largest(1), hash, index: NAT32_MAX }],
    // The largest action: a rollout naming MAX_NAMED_MEMBERS members.
    propose: [
        {
            app: largest(1),
            action: {
                rollout: {
                    upgrade: largestRequest,
                    members: [Array.from({ length: MAX_NAMED_MEMBERS }, (_, i) => largest(i % 250))],
                    plan: { canary: NAT32_MAX, batch_size: NAT32_MAX, max_concurrency: NAT32_MAX, max_failure_percent: 255 }
                }
            }
        }
    ],
    request_upgrade: [largestRequest],
    vote: [{ proposal_id: NAT64_MAX, subject: hash, approve: true }],
    get_proposal: [NAT64_MAX],
    cancel_proposal: [NAT64_MAX],
    resume: [largest(1)],
    get_execution: [largest(1)],
    pause: [largest(1)],
    unpause: [largest(1)],
    set_policy: [{ app: largest(1), change: { policy: largestPolicy, snapshot_policy: largestSnapshots } }],
    emergency_upgrade: [{ app: largest(1), request: largestRequest }],
    restore_snapshot: [{ app: largest(1), snapshot_id: [new Uint8Array(MAX_SNAPSHOT_ID_BYTES)] }],
    eject: [largest(1)],
    reap: [largest(1)],
    fund_rehearsals: [largest(1)],
    rehearsal_credit: [largest(1)],
    audit_log: [{ app: [largest(1)], start: NAT64_MAX, limit: NAT32_MAX }],
    limits: [],
    create_group: [{ policy: largestPolicy, snapshot_policy: largestSnapshots, recovery: largest(2) }],
    join_group: [{ group: largest(1), app: largest(2) }],
    leave_group: [largest(1)],
    group_members: [{ group: largest(1), start: NAT32_MAX, limit: NAT32_MAX }],
    get_rollout: [largest(1)],
    rollout_members: [{ group: largest(1), start: NAT32_MAX, limit: NAT32_MAX }],
    abort_rollout: [largest(1)]
};

function argTypes(method: string): IDL.Type[] {
    const service = idlFactory({ IDL }) as IDL.ServiceClass;
    const func = service._fields.find(([name]) => name === method)?.[1];
    if (func === undefined) throw new Error(`the client's idlFactory has no ${method}`);
    return func.argTypes;
}

describe('argument bounds', () => {
    it('gives every method of the .did a message bound, and no method it lacks', () => {
        expect(Object.keys(MAX_ARGUMENT_BYTES).sort()).toEqual(didMethods().map((m) => m.name).sort());
        expect(Object.keys(largestArguments).sort()).toEqual(Object.keys(MAX_ARGUMENT_BYTES).sort());
    });

    it('bounds each message at its largest valid argument plus a type-table allowance', () => {
        for (const [method, args] of Object.entries(largestArguments)) {
            const encoded = IDL.encode(argTypes(method), args).byteLength;
            expect({ method, bound: MAX_ARGUMENT_BYTES[method as keyof typeof MAX_ARGUMENT_BYTES] }).toEqual({ method, bound: encoded + ENCODING_SLACK });
        }
    });

    it('holds a tally at nat32 maximum instead of overflowing it', () => {
        expect(addWeight(NAT32_MAX - 1, 1)).toBe(NAT32_MAX);
        expect(addWeight(NAT32_MAX, NAT32_MAX)).toBe(MAX_TOTAL_WEIGHT);
        expect(addWeight(2, 3)).toBe(5);
    });
});

describe('argument bounds in the upgrader', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;
    let app: Principal;

    beforeEach(async () => {
        replica = await Replica.create();
        ({ id: upgraderId, upgrader } = await deployUpgrader(replica));
        // An empty canister is enough to register: the upgrader only reads its controllers.
        app = await replica.createCanister({ sender: admin, controllers: [admin, upgraderId, recovery] });
    });

    afterEach(async () => {
        await replica.tearDown();
    });

    async function expectInspectRefusal(call: Promise<unknown>): Promise<void> {
        const error = await call.then(
            () => null,
            (e: unknown) => e
        );
        expect(error).toBeInstanceOf(CallRejectedError);
        expect((error as CallRejectedError).errorCode).toBe('IC0406');
    }

    it('refuses at inspect an ingress message over its bound, or naming a 250 KB hash, even from the uploader', async () => {
        ok(await registerApp(upgrader, app));
        upgrader.setPrincipal(maintainer);
        ok(await upgrader.create_module({ app, hash, size: 10n }));
        const huge = new Uint8Array(250_000);
        await expectInspectRefusal(upgrader.upload_module_chunk({ app, hash: huge, index: 0, chunk: new Uint8Array(10) }));
        await expectInspectRefusal(upgrader.vote({ proposal_id: 0n, subject: new Uint8Array(MAX_ARGUMENT_BYTES.vote), approve: true }));
        // The same uploader with a well-formed chunk is let through.
        expect(ok(await upgrader.upload_module_chunk({ app, hash, index: 0, chunk: new Uint8Array(10) }))).toMatchObject({ complete: true });
    });

    it('answers a canister caller’s oversized hash with a size error, before its caller is checked', async () => {
        ok(await registerApp(upgrader, app));
        const strangerCanister = await deployRelay(replica, admin, [admin]);
        const arg = new Uint8Array(IDL.encode([UploadChunkArgs], [{ app, hash: new Uint8Array(250_000), index: 0, chunk: new Uint8Array(1) }]));
        const outcome = await relayCall(replica, strangerCanister, upgraderId, 'upload_module_chunk', arg);
        if (!('reply' in outcome)) throw new Error(`upload_module_chunk was rejected: ${outcome.reject.message}`);
        const result = IDL.decode([ResultModule], outcome.reply)[0] as { Err: UpgraderError };
        expect(result.Err).toEqual({ InvalidArgument: 'the module hash must be 32 bytes (SHA-256), not 250000' });
    });

    it('answers a canister caller’s undecodable argument with InvalidArgument instead of trapping', async () => {
        const strangerCanister = await deployRelay(replica, admin, [admin]);
        // VoteArgs with an extra argument `vec null` of 10^9 elements: a few bytes, too costly to decode.
        const valid = new Uint8Array(IDL.encode([VoteArgs], [{ proposal_id: 1n, subject: hash, approve: true }]));
        const empty = new Uint8Array(IDL.encode([VoteArgs, IDL.Vec(IDL.Null)], [{ proposal_id: 1n, subject: hash, approve: true }, []]));
        // The last byte is the vector's length (0); 10^9 in LEB128 takes its place.
        const bomb = new Uint8Array([...empty.subarray(0, empty.length - 1), 0x80, 0x94, 0xeb, 0xdc, 0x03]);
        const messages: Array<[string, Uint8Array]> = [
            ['truncated', valid.subarray(0, valid.length - 3)],
            ['not Candid', new TextEncoder().encode('hello')],
            ['10^9 nulls', bomb]
        ];
        for (const [name, message] of messages) {
            const outcome = await relayCall(replica, strangerCanister, upgraderId, 'vote', message);
            if (!('reply' in outcome)) throw new Error(`vote with a ${name} argument was rejected: ${outcome.reject.message}`);
            const result = IDL.decode([ResultProposal], outcome.reply)[0] as { Err: UpgraderError };
            expect({ name, error: Object.keys(result.Err) }).toEqual({ name, error: ['InvalidArgument'] });
        }
    });

    it('refuses a 1.9 MB snapshot id, and one that is not the app’s, so a restore never stores more than 37 bytes', async () => {
        // A canister recovery principal (a DAO, say) is not held back by inspect: the method itself refuses.
        const dao = await deployRelay(replica, admin, [admin]);
        const daoApp = await replica.createCanister({ sender: admin, controllers: [admin, upgraderId, dao] });
        upgrader.setPrincipal(admin);
        ok(await upgrader.register({ app: daoApp, policy: policyOf([[alice, 1]], 1), snapshot_policy: DEFAULT_SNAPSHOTS, recovery: dao }));
        const restore = async (snapshotId: Uint8Array): Promise<{ Ok: bigint } | { Err: UpgraderError }> => {
            const arg = new Uint8Array(IDL.encode([RestoreArgs], [{ app: daoApp, snapshot_id: [snapshotId] }]));
            const outcome = await relayCall(replica, dao, upgraderId, 'restore_snapshot', arg);
            if (!('reply' in outcome)) throw new Error(`restore_snapshot was rejected: ${outcome.reject.message}`);
            return IDL.decode([ResultProposalId], outcome.reply)[0] as { Ok: bigint } | { Err: UpgraderError };
        };

        expect(err(await restore(new Uint8Array(1_900_000)))).toEqual({ InvalidArgument: 'the snapshot id is 1900000 bytes; at most 37 are accepted' });
        const otherCanisters = new Uint8Array([...new Uint8Array(8), ...app.toUint8Array()]);
        expect(Object.keys(err(await restore(otherCanisters)))).toEqual(['InvalidArgument']);

        // A well-formed id of this app is accepted (the IC then says whether it exists).
        const shaped = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 7, ...daoApp.toUint8Array()]);
        const id = ok(await restore(shaped));
        const proposal = await getProposal(upgrader, id);
        expect(proposal.action).toEqual({ restore_snapshot: shaped });
        // Ingress naming a huge id never reaches the method.
        upgrader.setPrincipal(recovery);
        await expectInspectRefusal(upgrader.restore_snapshot({ app, snapshot_id: [new Uint8Array(1_900_000)] }));
    });

    it('refuses a policy whose weights add up past 2^32 - 1, at register and at set_policy', async () => {
        const overflowing = policyOf(
            [
                [alice, NAT32_MAX],
                [bob, NAT32_MAX]
            ],
            NAT32_MAX
        );
        expect(err(await registerApp(upgrader, app, { policy: overflowing }))).toEqual({
            InvalidArgument: `the voters' weights add up to ${2 * NAT32_MAX}; at most ${NAT32_MAX} in all, so that tallies (nat32) cannot overflow`
        });
        ok(await registerApp(upgrader, app));
        upgrader.setPrincipal(recovery);
        expect(Object.keys(err(await upgrader.set_policy({ app, change: { policy: overflowing, snapshot_policy: DEFAULT_SNAPSHOTS } })))).toEqual(['InvalidArgument']);
        upgrader.setPrincipal(maintainer);
        expect(Object.keys(err(await upgrader.propose({ app, action: { change_policy: { policy: overflowing, snapshot_policy: DEFAULT_SNAPSHOTS } } })))).toEqual(['InvalidArgument']);
    });

    it('counts votes up to the largest total weight without trapping', async () => {
        const heaviest = policyOf(
            [
                [alice, NAT32_MAX - 1],
                [bob, 1]
            ],
            NAT32_MAX
        );
        ok(await registerApp(upgrader, app, { policy: heaviest }));
        upgrader.setPrincipal(maintainer);
        const change = { policy: policyOf([[alice, 1]], 1), snapshot_policy: DEFAULT_SNAPSHOTS };
        const id = ok(await upgrader.propose({ app, action: { change_policy: change } }));
        const subject = (await getProposal(upgrader, id)).subject;
        expect(ok(await castVote(upgrader, alice, id, subject))).toMatchObject({ approving_weight: NAT32_MAX - 1, status: { open: null } });
        expect(ok(await castVote(upgrader, bob, id, subject))).toMatchObject({ approving_weight: NAT32_MAX, status: { executed: { policy_changed: null } } });
        upgrader.setPrincipal(stranger);
        expect((await upgrader.get_app(app))[0]?.policy.voters).toEqual([{ principal: alice, weight: 1 }]);
    });
});
