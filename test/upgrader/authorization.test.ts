/**
 * The authorization matrix: every method of the committed upgrader.did, called by every role,
 * against the answer written in the table below. A method of the .did without a row fails, and
 * so does a row without a method.
 *
 * People call as ingress (so canister_inspect_message runs first: `inspect` is its IC0406
 * refusal); the two apps are canisters and call inter-canister, as real apps do, so their calls
 * reach the methods' own checks. Within one test the roles call in the order of ROLES, on one
 * state: the app's (incomplete) module M uploaded by the recovery principal, and where the row
 * needs one an open proposal. Callers who may succeed come last, so that a success changes
 * the state for as few cells as possible.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { idlFactory, type UpgradeRequest } from '../../canisters/upgrader/types';
import { CallRejectedError, Replica } from '../../src/replica/index';
import { didMethods } from './did';
import {
    admin,
    alice,
    DEFAULT_POLICY,
    DEFAULT_SNAPSHOTS,
    deployUpgrader,
    maintainer,
    ok,
    recovery,
    registerApp,
    sha256,
    stranger,
    type Upgrader
} from './fixture';
import { deployRelay, relayCall } from './relay';

const ROLES = ['anonymous', 'stranger', 'voter', 'proposer', 'otherApp', 'app', 'controller', 'recovery'] as const;
type Role = (typeof ROLES)[number];

/** `reply`: a query's answer; `Ok`; an Err variant's name; `inspect`: refused by inspect_message. */
type Answer = 'reply' | 'Ok' | 'inspect' | 'Unauthorized' | 'AppAlreadyRegistered' | 'NotAVoter' | 'ModuleNotFound' | 'ProposalInProgress' | 'ProposalNotOpen' | 'SnapshotNotFound' | 'InvalidArgument' | 'InsufficientPayment';

/** What a test's state holds besides the two registered apps. */
type Needs = { module?: 'incomplete' | 'complete'; proposal?: 'by proposer' | 'by app'; group?: true };

/** `subject`: what a vote on the proposal binds (read back from the proposal). */
type Context = { app: Principal; otherApp: Principal; fresh: Principal; moduleHash: Uint8Array; proposalId: bigint; subject: Uint8Array; group: Principal; member: Principal };

type Row = { needs: Needs; args: (c: Context, role: Role) => unknown[]; answers: Record<Role, Answer> };

const all = (answer: Answer): Record<Role, Answer> => Object.fromEntries(ROLES.map((role) => [role, answer])) as Record<Role, Answer>;
/** Only the recovery principal gets through; the apps reach the method, which refuses them. */
const recoveryOnly = (recoveryAnswer: Answer): Record<Role, Answer> => ({
    anonymous: 'inspect',
    stranger: 'inspect',
    voter: 'inspect',
    proposer: 'inspect',
    otherApp: 'Unauthorized',
    app: 'Unauthorized',
    controller: 'inspect',
    recovery: recoveryAnswer
});
const upgradeOf = (c: Context): UpgradeRequest => ({ module_hash: c.moduleHash, arg: new Uint8Array(0), options: { take_snapshot: false, skip_pre_upgrade: false, wasm_memory_persistence: [] }, downgrade: false });

const rows: Record<string, Row> = {
    register: {
        needs: {},
        args: (c) => [{ app: c.fresh, policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS, recovery }],
        // Only a controller of the app (or the app) may; after the controller did, it is registered.
        answers: { anonymous: 'inspect', stranger: 'Unauthorized', voter: 'Unauthorized', proposer: 'Unauthorized', otherApp: 'Unauthorized', app: 'Unauthorized', controller: 'Ok', recovery: 'AppAlreadyRegistered' }
    },
    get_app: { needs: {}, args: (c) => [c.app], answers: all('reply') },
    create_module: {
        needs: {},
        args: (c, role) => [{ app: c.app, hash: sha256(new TextEncoder().encode(role)), size: 10n }],
        answers: { anonymous: 'inspect', stranger: 'inspect', voter: 'inspect', proposer: 'Ok', otherApp: 'Unauthorized', app: 'Ok', controller: 'inspect', recovery: 'Ok' }
    },
    upload_module_chunk: {
        needs: { module: 'incomplete' },
        args: (c) => [{ app: c.app, hash: c.moduleHash, index: 0, chunk: new Uint8Array(10) }],
        // Only the module's uploader (here the recovery principal).
        answers: recoveryOnly('Ok')
    },
    delete_module: { needs: { module: 'incomplete' }, args: (c) => [{ app: c.app, hash: c.moduleHash }], answers: recoveryOnly('Ok') },
    get_module: { needs: { module: 'incomplete' }, args: (c) => [{ app: c.app, hash: c.moduleHash }], answers: all('reply') },
    // Anyone may download a complete module through a query; a canister's call is replicated, so refused.
    get_module_chunk: {
        needs: { module: 'complete' },
        args: (c) => [{ app: c.app, hash: c.moduleHash, index: 0 }],
        answers: { ...all('Ok'), otherApp: 'Unauthorized', app: 'Unauthorized' }
    },
    propose: {
        needs: { module: 'complete' },
        args: (c) => [{ app: c.app, action: { upgrade: upgradeOf(c) } }],
        // The app may propose too, but the proposer's proposal now holds the app's one slot.
        answers: { anonymous: 'inspect', stranger: 'inspect', voter: 'inspect', proposer: 'Ok', otherApp: 'Unauthorized', app: 'ProposalInProgress', controller: 'inspect', recovery: 'inspect' }
    },
    request_upgrade: {
        needs: { module: 'complete' },
        args: (c) => [upgradeOf(c)],
        // Always for the caller itself: the other app has no such module.
        answers: { anonymous: 'inspect', stranger: 'inspect', voter: 'inspect', proposer: 'inspect', otherApp: 'ModuleNotFound', app: 'Ok', controller: 'inspect', recovery: 'inspect' }
    },
    vote: {
        needs: { module: 'complete', proposal: 'by proposer' },
        args: (c) => [{ proposal_id: c.proposalId, subject: c.subject, approve: true }],
        answers: { anonymous: 'inspect', stranger: 'inspect', voter: 'Ok', proposer: 'inspect', otherApp: 'NotAVoter', app: 'NotAVoter', controller: 'inspect', recovery: 'inspect' }
    },
    get_proposal: { needs: { module: 'complete', proposal: 'by proposer' }, args: (c) => [c.proposalId], answers: all('reply') },
    cancel_proposal: {
        needs: { module: 'complete', proposal: 'by app' },
        args: (c) => [c.proposalId],
        // Its proposer (the app) or the recovery principal; once the app cancelled, it is not open.
        answers: { anonymous: 'inspect', stranger: 'inspect', voter: 'inspect', proposer: 'inspect', otherApp: 'Unauthorized', app: 'Ok', controller: 'inspect', recovery: 'ProposalNotOpen' }
    },
    resume: { needs: {}, args: (c) => [c.app], answers: { ...all('Ok'), anonymous: 'inspect' } },
    get_execution: { needs: {}, args: (c) => [c.app], answers: all('reply') },
    pause: { needs: {}, args: (c) => [c.app], answers: recoveryOnly('Ok') },
    unpause: { needs: {}, args: (c) => [c.app], answers: recoveryOnly('Ok') },
    set_policy: { needs: {}, args: (c) => [{ app: c.app, change: { policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS } }], answers: recoveryOnly('Ok') },
    emergency_upgrade: { needs: { module: 'complete' }, args: (c) => [{ app: c.app, request: upgradeOf(c) }], answers: recoveryOnly('Ok') },
    // The upgrader has taken no snapshot of the app yet.
    restore_snapshot: { needs: {}, args: (c) => [{ app: c.app, snapshot_id: [] }], answers: recoveryOnly('SnapshotNotFound') },
    eject: { needs: {}, args: (c) => [c.app], answers: recoveryOnly('Ok') },
    // Anyone may ask; the upgrader still controls the app, so nobody can reap it.
    reap: { needs: {}, args: (c) => [c.app], answers: { ...all('InvalidArgument'), anonymous: 'inspect' } },
    // Anyone with cycles attached; ingress carries none (inspect refuses it), nor do the apps' calls here.
    fund_rehearsals: { needs: {}, args: (c) => [c.app], answers: { ...all('inspect'), otherApp: 'InsufficientPayment', app: 'InsufficientPayment' } },
    rehearsal_credit: { needs: {}, args: (c) => [c.app], answers: all('reply') },
    audit_log: { needs: {}, args: (c) => [{ app: [c.app], start: 0n, limit: 10 }], answers: all('reply') },
    limits: { needs: {}, args: () => [], answers: all('reply') },
    // Anyone who pays the registration fee (free here) may create a group.
    create_group: { needs: {}, args: () => [{ policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS, recovery }], answers: { ...all('Ok'), anonymous: 'inspect' } },
    // The group's proposers and recovery principal, for an app they control (the maintainer controls none).
    join_group: {
        needs: { group: true },
        args: (c) => [{ group: c.group, app: c.fresh }],
        answers: { anonymous: 'inspect', stranger: 'inspect', voter: 'inspect', proposer: 'Unauthorized', otherApp: 'Unauthorized', app: 'Unauthorized', controller: 'inspect', recovery: 'Ok' }
    },
    leave_group: { needs: { group: true }, args: (c) => [c.member], answers: recoveryOnly('Ok') },
    group_members: { needs: { group: true }, args: (c) => [{ group: c.group, start: 0, limit: 10 }], answers: all('reply') },
    get_rollout: { needs: { group: true }, args: (c) => [c.group], answers: all('reply') },
    rollout_members: { needs: { group: true }, args: (c) => [{ group: c.group, start: 0, limit: 10 }], answers: all('reply') },
    // The group has no rollout running.
    abort_rollout: { needs: { group: true }, args: (c) => [c.group], answers: recoveryOnly('InvalidArgument') }
};

const service = idlFactory({ IDL }) as IDL.ServiceClass;
function signature(method: string): IDL.FuncClass {
    const func = service._fields.find(([name]) => name === method)?.[1];
    if (func === undefined) throw new Error(`the client's idlFactory has no ${method}`);
    return func;
}

/** The answer's name: Ok, the Err variant, or `reply` for a value that is not a Result. */
function classify(func: IDL.FuncClass, reply: Uint8Array): Answer {
    const [value] = IDL.decode(func.retTypes, reply);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        if ('Ok' in value) return 'Ok';
        if ('Err' in value) return Object.keys((value as { Err: object }).Err)[0] as Answer;
    }
    return 'reply';
}

describe('authorization matrix', () => {
    let replica: Replica | undefined;

    afterEach(async () => {
        await replica?.tearDown();
        replica = undefined;
    });

    it('has a row for every method of the .did, and a method for every row', () => {
        expect(Object.keys(rows).sort()).toEqual(didMethods().map((m) => m.name).sort());
    });

    async function setUp(needs: Needs): Promise<{ replica: Replica; upgrader: Upgrader; upgraderId: Principal; context: Context }> {
        const created = await Replica.create();
        replica = created;
        return setUpOn(created, needs);
    }

    async function setUpOn(replica: Replica, needs: Needs): Promise<{ replica: Replica; upgrader: Upgrader; upgraderId: Principal; context: Context }> {
        const { id: upgraderId, upgrader } = await deployUpgrader(replica);
        const controllers = [admin, upgraderId, recovery];
        const app = await deployRelay(replica, admin, controllers);
        const otherApp = await deployRelay(replica, admin, controllers);
        const fresh = await replica.createCanister({ sender: admin, controllers });
        ok(await registerApp(upgrader, app));
        ok(await registerApp(upgrader, otherApp));
        const moduleHash = sha256(new TextEncoder().encode('module M'));
        let proposalId = 0n;
        if (needs.module !== undefined) {
            upgrader.setPrincipal(recovery);
            ok(await upgrader.create_module({ app, hash: moduleHash, size: 10n }));
            if (needs.module === 'complete') ok(await upgrader.upload_module_chunk({ app, hash: moduleHash, index: 0, chunk: new Uint8Array(10) }));
        }
        let group = app;
        let member = app;
        if (needs.group === true) {
            upgrader.setPrincipal(admin);
            group = ok(await upgrader.create_group({ policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS, recovery })).app;
            member = await replica.createCanister({ sender: admin, controllers });
            upgrader.setPrincipal(recovery);
            ok(await upgrader.join_group({ group, app: member }));
        }
        const context: Context = { app, otherApp, fresh, moduleHash, proposalId, subject: new Uint8Array(32), group, member };
        if (needs.proposal === 'by proposer') {
            upgrader.setPrincipal(maintainer);
            proposalId = ok(await upgrader.propose({ app, action: { upgrade: upgradeOf(context) } }));
        } else if (needs.proposal === 'by app') {
            const arg = new Uint8Array(IDL.encode(signature('request_upgrade').argTypes, [upgradeOf(context)]));
            const outcome = await relayCall(replica, app, upgraderId, 'request_upgrade', arg);
            if (!('reply' in outcome)) throw new Error(`request_upgrade was rejected: ${outcome.reject.message}`);
            const [result] = IDL.decode(signature('request_upgrade').retTypes, outcome.reply) as [{ Ok: bigint }];
            proposalId = result.Ok;
        }
        const subject = needs.proposal === undefined ? context.subject : ((await upgrader.get_proposal(proposalId))[0]?.subject ?? context.subject);
        return { replica, upgrader, upgraderId, context: { ...context, proposalId, subject } };
    }

    const people: Record<Exclude<Role, 'app' | 'otherApp'>, Principal> = {
        anonymous: Principal.anonymous(),
        stranger,
        voter: alice,
        proposer: maintainer,
        controller: admin,
        recovery
    };

    async function answerOf(replica: Replica, upgraderId: Principal, context: Context, method: string, role: Role, args: unknown[]): Promise<Answer | string> {
        const func = signature(method);
        const arg = new Uint8Array(IDL.encode(func.argTypes, args));
        if (role === 'app' || role === 'otherApp') {
            const outcome = await relayCall(replica, context[role], upgraderId, method, arg);
            return 'reply' in outcome ? classify(func, outcome.reply) : `reject ${outcome.reject.code}: ${outcome.reject.message}`;
        }
        const sender = people[role];
        const isQuery = func.annotations.includes('query');
        try {
            const reply = isQuery ? await replica.queryCall({ canisterId: upgraderId, method, arg, sender }) : await replica.updateCall({ canisterId: upgraderId, method, arg, sender });
            return classify(func, reply);
        } catch (error) {
            if (error instanceof CallRejectedError && error.errorCode === 'IC0406') return 'inspect';
            if (error instanceof CallRejectedError) return `reject ${error.errorCode}: ${error.rejectMessage}`;
            throw error;
        }
    }

    for (const { name } of didMethods()) {
        it(`answers every role as its row says: ${name}`, async () => {
            const row = rows[name];
            if (row === undefined) throw new Error(`${name} has no row in the authorization matrix: add one`);
            const { replica, upgraderId, context } = await setUp(row.needs);
            const answers: Record<string, Answer | string> = {};
            for (const role of ROLES) answers[role] = await answerOf(replica, upgraderId, context, name, role, row.args(context, role));
            expect(answers).toEqual(row.answers);
        });
    }
});
