/**
 * What a refused call costs the upgrader, in instructions (issue 7, item 4: at most 5 M).
 *
 * Every update method gets its largest argument (each bound at its maximum: 29-byte principals,
 * 32 voters and 16 proposers, a 1 MiB chunk, a 64 KiB upgrade argument, a 37-byte snapshot id)
 * and a few malformed ones past the bounds, from a caller it refuses, in two ways:
 *
 * - as ingress from a stranger: inspect_message refuses it, so the upgrader executes nothing
 *   it pays for (inspect_message is not charged); the instructions inspect spent are reported;
 * - from a stranger canister, which inspect never sees: the method runs and refuses; every
 *   execution of the upgrader during the call is counted (a callback included: register waits
 *   for canister_status before it can tell a stranger from a controller).
 *
 * Instruction counts are deterministic on the replica, so a test can hold them to the target.
 * The bench (bench/upgrader-rejections.ts) prints the same cases.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { CHUNK_BYTES, MAX_ARG_BYTES, MAX_NAMED_MEMBERS, MAX_SNAPSHOT_ID_BYTES } from '../../canisters/upgrader/limits';
import { idlFactory, type Policy } from '../../canisters/upgrader/types';
import { CallRejectedError, Replica } from '../../src/replica/index';
import { admin, DEFAULT_POLICY, DEFAULT_SNAPSHOTS, deployUpgrader, maintainer, ok, recovery, registerApp, sha256, stranger } from './fixture';
import { deployRelay, relayCall } from './relay';

/** The target: the most instructions any refused call may cost the upgrader. */
export const REJECTION_TARGET = 5_000_000n;

export type RejectionCase = {
    method: string;
    label: string;
    args: (s: Scene) => unknown[];
    /** Why this case may cost more than REJECTION_TARGET, and the ceiling it is held to instead. */
    over?: { why: string; ceiling: bigint };
};

export type Scene = { upgraderId: Principal; app: Principal; unmanaged: Principal; moduleHash: Uint8Array; proposalId: bigint; group: Principal; member: Principal };

export type RejectionCost = {
    method: string;
    label: string;
    over: RejectionCase['over'];
    /** Instructions the method spent (all executions of the upgrader) on the stranger canister's call. */
    method_instructions: bigint;
    /** The method's answer to it: `Ok`, an Err variant, or a reject. */
    answer: string;
    /** Instructions inspect_message spent refusing the same message as ingress (0 when too big to send). */
    inspect_instructions: bigint;
    /** Whether inspect_message refused the ingress form (IC0406). */
    inspect_refused: boolean;
};

/** Queries answered only in non-replicated mode: a call to them from a canister is a refused call. */
export const REPLICATED_REFUSED = ['get_module_chunk'];

/** Zeros each relay can send: the largest message a canister can send on one subnet is 10 MiB. */
const RELAY_ZEROS = 8 * 1024 * 1024;

const largest = (i: number): Principal => Principal.fromUint8Array(new Uint8Array(29).fill(i));
const NAT64_MAX = 2n ** 64n - 1n;
const NAT32_MAX = 0xffff_ffff;
const largestPolicy: Policy = {
    voters: Array.from({ length: 32 }, (_, i) => ({ principal: largest(i + 1), weight: 1 })),
    threshold: 32,
    proposers: Array.from({ length: 16 }, (_, i) => largest(100 + i)),
    proposal_lifetime_seconds: 3_600n,
    health_check: ['h'.repeat(64)]
};
const largestSnapshots = { keep: 10, required: true, rehearse: true };
const upgradeRequest = (s: Scene, arg = new Uint8Array(MAX_ARG_BYTES)) => ({
    module_hash: s.moduleHash,
    arg,
    options: { take_snapshot: true, skip_pre_upgrade: true, wasm_memory_persistence: [{ replace: null }] },
    downgrade: true
});

/** Every update method at its largest, then arguments past the bounds. */
const REJECTION_CASES: readonly RejectionCase[] = [
    {
        method: 'register',
        label: 'largest policy, for an app the caller does not control',
        args: (s) => [{ app: s.unmanaged, policy: largestPolicy, snapshot_policy: largestSnapshots, recovery: largest(200) }],
        over: { why: 'who controls the app takes a canister_status call to know, after decoding the 50-principal policy (~3 M); the policy is validated only after that check (apps.ts)', ceiling: 6_500_000n }
    },
    { method: 'create_module', label: 'largest', args: (s) => [{ app: s.app, hash: new Uint8Array(32).fill(1), size: NAT64_MAX }] },
    { method: 'upload_module_chunk', label: '1 MiB chunk', args: (s) => [{ app: s.app, hash: s.moduleHash, index: NAT32_MAX, chunk: new Uint8Array(CHUNK_BYTES) }] },
    { method: 'delete_module', label: 'largest', args: (s) => [{ app: s.app, hash: s.moduleHash }] },
    { method: 'propose', label: '64 KiB upgrade argument', args: (s) => [{ app: s.app, action: { upgrade: upgradeRequest(s) } }] },
    { method: 'propose', label: 'largest policy change', args: (s) => [{ app: s.app, action: { change_policy: { policy: largestPolicy, snapshot_policy: largestSnapshots } } }] },
    { method: 'propose', label: 'largest hand-over', args: (s) => [{ app: s.app, action: { hand_over: { successor: largest(201), successor_module_hash: s.moduleHash } } }] },
    {
        method: 'propose',
        label: 'largest rollout: 200 named members, 64 KiB argument',
        args: (s) => [{ app: s.group, action: { rollout: { upgrade: upgradeRequest(s), members: [Array.from({ length: MAX_NAMED_MEMBERS }, (_, i) => largest(i % 250))], plan: { canary: 1, batch_size: 1, max_concurrency: 1, max_failure_percent: 0 } } } }],
        over: {
            why: 'Azle decodes the 200 named principals (~40 k each) before any of the upgrader\'s code runs; a canister sending the 6 KB pays about as many cycles as the upgrader spends, and inspect_message refuses ingress (uncharged)',
            ceiling: 11_000_000n
        }
    },
    { method: 'request_upgrade', label: '64 KiB upgrade argument', args: (s) => [upgradeRequest(s)] },
    { method: 'create_group', label: 'largest policy, anonymous recovery principal', args: () => [{ policy: largestPolicy, snapshot_policy: largestSnapshots, recovery: Principal.anonymous() }] },
    { method: 'join_group', label: 'largest, a group the caller does not maintain', args: (s) => [{ group: s.group, app: s.unmanaged }] },
    { method: 'leave_group', label: 'a member of a group the caller does not recover', args: (s) => [s.member] },
    { method: 'abort_rollout', label: 'a group the caller does not recover', args: (s) => [s.group] },
    { method: 'vote', label: 'largest', args: (s) => [{ proposal_id: s.proposalId, subject: s.moduleHash, approve: true }] },
    { method: 'cancel_proposal', label: 'largest', args: (s) => [s.proposalId] },
    { method: 'pause', label: 'largest', args: (s) => [s.app] },
    { method: 'unpause', label: 'largest', args: (s) => [s.app] },
    {
        method: 'set_policy',
        label: 'largest policy',
        args: (s) => [{ app: s.app, change: { policy: largestPolicy, snapshot_policy: largestSnapshots } }]
    },
    { method: 'emergency_upgrade', label: '64 KiB upgrade argument', args: (s) => [{ app: s.app, request: upgradeRequest(s) }] },
    { method: 'restore_snapshot', label: '37-byte snapshot id', args: (s) => [{ app: s.app, snapshot_id: [new Uint8Array(MAX_SNAPSHOT_ID_BYTES)] }] },
    { method: 'eject', label: 'largest', args: (s) => [s.app] },
    { method: 'reap', label: 'an app the upgrader does not know', args: (s) => [s.unmanaged] },
    { method: 'fund_rehearsals', label: 'an app the upgrader does not know', args: (s) => [s.unmanaged] },
    { method: 'fund_rehearsals', label: 'no cycles attached', args: (s) => [s.app] },
    // A query that refuses replicated calls (the upgrader would pay for a 1 MiB read): refused before reading.
    { method: 'get_module_chunk', label: 'replicated (a canister, or ingress as an update)', args: (s) => [{ app: s.app, hash: s.moduleHash, index: 0 }] },
    // Past the bounds.
    { method: 'upload_module_chunk', label: 'malformed: a 250 KB hash', args: (s) => [{ app: s.app, hash: new Uint8Array(250_000), index: 0, chunk: new Uint8Array(1) }] },
    { method: 'restore_snapshot', label: 'malformed: a 1.9 MB snapshot id', args: (s) => [{ app: s.app, snapshot_id: [new Uint8Array(1_900_000)] }] },
    { method: 'propose', label: "malformed: a 1.9 MB successor's module hash", args: (s) => [{ app: s.app, action: { hand_over: { successor: largest(201), successor_module_hash: new Uint8Array(1_900_000) } } }] },
    { method: 'propose', label: 'malformed: a 1.9 MB upgrade argument', args: (s) => [{ app: s.app, action: { upgrade: upgradeRequest(s, new Uint8Array(1_900_000)) } }] },
    {
        method: 'upload_module_chunk',
        label: 'malformed: an 8 MiB chunk (only a canister can send it)',
        args: (s) => [{ app: s.app, hash: s.moduleHash, index: 0, chunk: new Uint8Array(RELAY_ZEROS) }],
        over: { why: "Azle copies the whole argument into JavaScript (msgArgData, ~2.2 M per MiB) before any of the upgrader's code runs; only inspect_message, for ingress, refuses it unread", ceiling: 40_000_000n }
    }
];

/**
 * The upgrader's methods whose refusals are measured here: every update method but resume (which
 * anyone may call), and the queries that refuse replicated calls (REPLICATED_REFUSED).
 */
export const MEASURED_METHODS = [...new Set(REJECTION_CASES.map((c) => c.method))];

const service = idlFactory({ IDL }) as IDL.ServiceClass;
function signature(method: string): IDL.FuncClass {
    const func = service._fields.find(([name]) => name === method)?.[1];
    if (func === undefined) throw new Error(`the client's idlFactory has no ${method}`);
    return func;
}

/** The upgrader's instructions, as the replica reports each execution. */
class Meter {
    upgrader: Principal | undefined;
    replicated = 0n;
    inspect = 0n;

    record(canisterId: Principal, kind: string, instructions: bigint): void {
        if (this.upgrader === undefined || canisterId.compareTo(this.upgrader) !== 'eq') return;
        if (kind === 'F') this.inspect += instructions;
        else this.replicated += instructions;
    }

    reset(): void {
        this.replicated = 0n;
        this.inspect = 0n;
    }
}

/** Deploys an upgrader with one registered app, a module and an open proposal, and measures every case. */
export async function measureRejections(cases: readonly RejectionCase[] = REJECTION_CASES): Promise<RejectionCost[]> {
    const meter = new Meter();
    const replica = await Replica.create({ onExecution: (e) => meter.record(e.canisterId, e.kind, e.instructions) });
    try {
        const { id: upgraderId, upgrader } = await deployUpgrader(replica);
        meter.upgrader = upgraderId;
        const controllers = [admin, upgraderId, recovery];
        const app = await replica.createCanister({ sender: admin, controllers });
        const unmanaged = await replica.createCanister({ sender: admin, controllers: [admin] });
        ok(await registerApp(upgrader, app, { policy: DEFAULT_POLICY, snapshots: DEFAULT_SNAPSHOTS }));
        const moduleHash = sha256(new TextEncoder().encode('the module'));
        upgrader.setPrincipal(maintainer);
        ok(await upgrader.create_module({ app, hash: moduleHash, size: 10n }));
        ok(await upgrader.upload_module_chunk({ app, hash: moduleHash, index: 0, chunk: new Uint8Array(10) }));
        const proposalId = ok(await upgrader.propose({ app, action: { upgrade: { module_hash: moduleHash, arg: new Uint8Array(0), options: { take_snapshot: false, skip_pre_upgrade: false, wasm_memory_persistence: [] }, downgrade: false } } }));
        const strangerCanister = await deployRelay(replica, admin, [admin], RELAY_ZEROS);
        upgrader.setPrincipal(admin);
        const group = ok(await upgrader.create_group({ policy: DEFAULT_POLICY, snapshot_policy: DEFAULT_SNAPSHOTS, recovery })).app;
        const member = await replica.createCanister({ sender: admin, controllers });
        upgrader.setPrincipal(recovery);
        ok(await upgrader.join_group({ group, app: member }));
        const scene: Scene = { upgraderId, app, unmanaged, moduleHash, proposalId, group, member };

        const costs: RejectionCost[] = [];
        for (const c of cases) {
            const func = signature(c.method);
            const encoded = new Uint8Array(IDL.encode(func.argTypes, c.args(scene)));
            // Twice: the first call of a method also compiles its reply codec, once for the heap's life.
            let methodInstructions = 0n;
            let answer = '';
            for (let round = 0; round < 2; round++) {
                meter.reset();
                const outcome = await relayCall(replica, strangerCanister, upgraderId, c.method, encoded);
                methodInstructions = meter.replicated;
                answer = 'reject' in outcome ? `reject ${outcome.reject.code}` : answerOf(func, outcome.reply);
            }
            meter.reset();
            let refused = false;
            if (encoded.length <= 2 * 1024 * 1024 - 256) {
                try {
                    await replica.updateCall({ canisterId: upgraderId, method: c.method, arg: encoded, sender: stranger });
                } catch (error) {
                    if (!(error instanceof CallRejectedError)) throw error;
                    refused = error.errorCode === 'IC0406';
                }
            }
            costs.push({ method: c.method, label: c.label, over: c.over, method_instructions: methodInstructions, answer, inspect_instructions: meter.inspect, inspect_refused: refused });
        }
        return costs;
    } finally {
        await replica.tearDown();
    }
}

/** `Ok`, the Err variant's name, or `reply` for a value that is not a Result. */
function answerOf(func: IDL.FuncClass, reply: Uint8Array): string {
    const [value] = IDL.decode(func.retTypes, reply);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'reply';
    if ('Ok' in value) return 'Ok';
    if ('Err' in value) return Object.keys(value.Err as object)[0] ?? '?';
    return 'reply';
}
