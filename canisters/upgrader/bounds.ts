/**
 * The size of every argument, checked before anything else looks at it.
 *
 * Two layers. `MAX_ARGUMENT_BYTES` bounds a method's whole Candid message: inspect.ts refuses a
 * larger ingress message before decoding it. Then each method checks its decoded argument with
 * `checkArgs` (principals, hashes, snapshot ids, texts, vectors), before its caller and before
 * any work proportional to the input, so a refused call costs the same whatever it carries.
 * The failures name sizes, never the caller's bytes.
 */
import type { Principal } from '@dfinity/principal';

import { fail } from './errors';
import {
    CHUNK_BYTES,
    HASH_BYTES,
    MAX_ARG_BYTES,
    MAX_METHOD_NAME_BYTES,
    MAX_NAMED_MEMBERS,
    MAX_PRINCIPAL_BYTES,
    MAX_PROPOSERS,
    MAX_SNAPSHOT_ID_BYTES,
    MAX_VOTERS,
    SNAPSHOT_LOCAL_ID_BYTES
} from './limits';
import type {
    AuditQuery,
    CreateGroupArgs,
    CreateModuleArgs,
    JoinGroupArgs,
    EmergencyUpgradeArgs,
    ModuleChunkRef,
    ModuleRef,
    Policy,
    PolicyChange,
    ProposalAction,
    ProposeArgs,
    RegisterArgs,
    RestoreArgs,
    SetPolicyArgs,
    UpgradeRequest,
    UploadChunkArgs,
    VoteArgs
} from './types';

/**
 * Room over the largest value's encoding by @dfinity/candid, for another encoder's type table
 * (other type ordering, wider LEB128 numbers). Small next to every bound it is added to.
 */
export const ENCODING_SLACK = 256;

/**
 * The largest Candid message each method accepts, in bytes: the encoding of its largest valid
 * argument (29-byte principals, 32 voters and 16 proposers, a 64-byte health check, a 64 KiB
 * upgrade argument, a 1 MiB chunk, a 37-byte snapshot id, maximal numbers) plus ENCODING_SLACK.
 * test/upgrader/bounds.test.ts recomputes each from the .did's types, and fails if a method
 * of the .did has none.
 */
export const MAX_ARGUMENT_BYTES = {
    register: 1_864 + ENCODING_SLACK,
    get_app: 38 + ENCODING_SLACK,
    create_module: 100 + ENCODING_SLACK,
    upload_module_chunk: CHUNK_BYTES + 105 + ENCODING_SLACK,
    delete_module: 86 + ENCODING_SLACK,
    get_module: 86 + ENCODING_SLACK,
    get_module_chunk: 96 + ENCODING_SLACK,
    // A rollout naming MAX_NAMED_MEMBERS members of 29 bytes (31 bytes each in Candid).
    propose: MAX_ARG_BYTES + 31 * MAX_NAMED_MEMBERS + 350 + ENCODING_SLACK,
    request_upgrade: MAX_ARG_BYTES + 111 + ENCODING_SLACK,
    vote: 71 + ENCODING_SLACK,
    get_proposal: 15 + ENCODING_SLACK,
    cancel_proposal: 15 + ENCODING_SLACK,
    resume: 38 + ENCODING_SLACK,
    get_execution: 38 + ENCODING_SLACK,
    pause: 38 + ENCODING_SLACK,
    unpause: 38 + ENCODING_SLACK,
    set_policy: 1_835 + ENCODING_SLACK,
    emergency_upgrade: MAX_ARG_BYTES + 155 + ENCODING_SLACK,
    restore_snapshot: 94 + ENCODING_SLACK,
    eject: 38 + ENCODING_SLACK,
    reap: 38 + ENCODING_SLACK,
    fund_rehearsals: 38 + ENCODING_SLACK,
    rehearsal_credit: 38 + ENCODING_SLACK,
    audit_log: 72 + ENCODING_SLACK,
    limits: 6 + ENCODING_SLACK,
    create_group: 1828 + ENCODING_SLACK,
    join_group: 82 + ENCODING_SLACK,
    leave_group: 38 + ENCODING_SLACK,
    group_members: 66 + ENCODING_SLACK,
    get_rollout: 38 + ENCODING_SLACK,
    rollout_members: 66 + ENCODING_SLACK,
    abort_rollout: 38 + ENCODING_SLACK
} as const satisfies Readonly<Record<string, number>>;

/** Every method of the upgrader's Candid interface. */
export type UpgraderMethod = keyof typeof MAX_ARGUMENT_BYTES;

/** The bound of `method`, or undefined for a name the upgrader does not have. */
export function maxArgumentBytes(method: string): number | undefined {
    return Object.prototype.hasOwnProperty.call(MAX_ARGUMENT_BYTES, method) ? MAX_ARGUMENT_BYTES[method as UpgraderMethod] : undefined;
}

// ------------------------------------------------------------------ single values

function principal(what: string, value: Principal): void {
    const length = value.toUint8Array().length;
    if (length > MAX_PRINCIPAL_BYTES) throw fail.invalid(`${what} is ${length} bytes; a principal is at most ${MAX_PRINCIPAL_BYTES}`);
}

function hash(what: string, value: Uint8Array): void {
    if (value.length !== HASH_BYTES) throw fail.invalid(`${what} must be ${HASH_BYTES} bytes (SHA-256), not ${value.length}`);
}

function blob(what: string, value: Uint8Array, max: number): void {
    if (value.length > max) throw fail.invalid(`${what} is ${value.length} bytes; at most ${max} are accepted`);
}

/** A snapshot id of `app`: its 8-byte local id, then the app's id. */
function snapshotId(app: Principal, id: Uint8Array): void {
    blob('the snapshot id', id, MAX_SNAPSHOT_ID_BYTES);
    const appBytes = app.toUint8Array();
    const expected = SNAPSHOT_LOCAL_ID_BYTES + appBytes.length;
    if (id.length !== expected) throw fail.invalid(`a snapshot id of this app is ${expected} bytes (an 8-byte local id, then the app's id), not ${id.length}`);
    for (let i = 0; i < appBytes.length; i++) {
        if (id[SNAPSHOT_LOCAL_ID_BYTES + i] !== appBytes[i]) throw fail.invalid('the snapshot id does not name a snapshot of this app: it must end with the app id');
    }
}

function policy(value: Policy): void {
    if (value.voters.length > MAX_VOTERS) throw fail.invalid(`a policy may have at most ${MAX_VOTERS} voters, not ${value.voters.length}`);
    if (value.proposers.length > MAX_PROPOSERS) throw fail.invalid(`a policy may have at most ${MAX_PROPOSERS} proposers, not ${value.proposers.length}`);
    for (const voter of value.voters) principal('a voter', voter.principal);
    for (const proposer of value.proposers) principal('a proposer', proposer);
    const method = value.health_check[0];
    // Every UTF-16 unit is at least one UTF-8 byte: a longer string cannot fit (policy.ts checks the bytes).
    if (method !== undefined && method.length > MAX_METHOD_NAME_BYTES) {
        throw fail.invalid(`the health check method name must be 1 to ${MAX_METHOD_NAME_BYTES} bytes, not ${method.length} characters`);
    }
}

function policyChange(value: PolicyChange): void {
    policy(value.policy);
}

function upgradeRequest(value: UpgradeRequest): void {
    hash('the module hash', value.module_hash);
    blob('the upgrade argument', value.arg, MAX_ARG_BYTES);
}

function action(app: Principal, value: ProposalAction): void {
    if ('upgrade' in value) upgradeRequest(value.upgrade);
    else if ('rollout' in value) {
        upgradeRequest(value.rollout.upgrade);
        const named = value.rollout.members[0] ?? [];
        if (named.length > MAX_NAMED_MEMBERS) throw fail.invalid(`a rollout may name at most ${MAX_NAMED_MEMBERS} members, not ${named.length}`);
        for (const member of named) principal('a member', member);
    }
    else if ('hand_over' in value) {
        principal('the successor', value.hand_over.successor);
        hash("the successor's module hash", value.hand_over.successor_module_hash);
    } else if ('change_policy' in value) policyChange(value.change_policy);
    else snapshotId(app, value.restore_snapshot);
}

// ------------------------------------------------------------------ per method

/** The decoded-argument check of every method that takes more than a number. */
export const checkArgs = {
    register(args: RegisterArgs): void {
        principal('the app id', args.app);
        principal('the recovery principal', args.recovery);
        policy(args.policy);
    },
    app(app: Principal): void {
        principal('the app id', app);
    },
    createModule(args: CreateModuleArgs): void {
        principal('the app id', args.app);
        hash('the module hash', args.hash);
    },
    uploadChunk(args: UploadChunkArgs): void {
        principal('the app id', args.app);
        hash('the module hash', args.hash);
        blob('the chunk', args.chunk, CHUNK_BYTES);
    },
    moduleRef(ref: ModuleRef | ModuleChunkRef): void {
        principal('the app id', ref.app);
        hash('the module hash', ref.hash);
    },
    propose(args: ProposeArgs): void {
        principal('the app id', args.app);
        action(args.app, args.action);
    },
    upgradeRequest,
    vote(args: VoteArgs): void {
        hash('the vote subject', args.subject);
    },
    setPolicy(args: SetPolicyArgs): void {
        principal('the app id', args.app);
        policyChange(args.change);
    },
    emergencyUpgrade(args: EmergencyUpgradeArgs): void {
        principal('the app id', args.app);
        upgradeRequest(args.request);
    },
    restore(args: RestoreArgs): void {
        principal('the app id', args.app);
        const id = args.snapshot_id[0];
        if (id !== undefined) snapshotId(args.app, id);
    },
    createGroup(args: CreateGroupArgs): void {
        principal('the recovery principal', args.recovery);
        policy(args.policy);
    },
    joinGroup(args: JoinGroupArgs): void {
        principal('the group', args.group);
        principal('the app id', args.app);
    },
    auditQuery(query: AuditQuery): void {
        const app = query.app[0];
        if (app !== undefined) principal('the app id', app);
    }
};

/** Whether a principal a query looks up can exist at all (a longer one cannot be a key). */
export function isPrincipalSized(value: Principal): boolean {
    return value.toUint8Array().length <= MAX_PRINCIPAL_BYTES;
}

/** Whether bytes a query looks up can be a hash. */
export function isHashSized(value: Uint8Array): boolean {
    return value.length === HASH_BYTES;
}
