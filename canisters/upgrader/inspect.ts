/**
 * canister_inspect_message: refuses ingress update calls that can never succeed, before the
 * upgrader pays for inducting them. A refused message never reaches the method, so a stranger's
 * 2 MiB call costs the upgrader nothing but this check.
 *
 * Refused: a method the upgrader does not have; an argument larger than the method's largest
 * valid one (bounds.ts, checked on the length before decoding); the anonymous principal; and a
 * caller the state already rules out (recovery operations from anyone but the app's recovery
 * principal, chunks from anyone but the module's uploader, votes from non-voters...).
 *
 * Not a security boundary: inter-canister calls (an app's one-way request_upgrade) and queries
 * never pass here, and the state may change before the message executes. Every method keeps
 * its own checks; this only has to be cheap and never refuse a call that could succeed.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { findApp, mayProposeUpgrade, mayUpload } from './apps';
import { isHashSized, isPrincipalSized, maxArgumentBytes, type UpgraderMethod } from './bounds';
import { decodeMessage } from './candid-codec';
import { findModule } from './modules';
import { isProposer, weightOf } from './policy';
import { findProposal } from './proposals';
import { principalEqual } from './serde';
import { settings } from './settings';
import {
    CreateGroupArgs,
    CreateModuleArgs,
    EmergencyUpgradeArgs,
    JoinGroupArgs,
    ModuleRef,
    ProposeArgs,
    RestoreArgs,
    SetPolicyArgs,
    UploadChunkArgs,
    VoteArgs
} from './types';

/** Azle's internal self-call (`chunk()`); it never comes as ingress, but must not be blocked. */
const AZLE_CHUNK = '_azle_chunk';
const AZLE_CHUNK_MAX_BYTES = 64;

type Check = (caller: Principal, arg: Uint8Array) => boolean;

function decoded<T>(type: IDL.Type, arg: Uint8Array): T {
    return decodeMessage([type], arg)[0] as T;
}

function isRecovery(app: Principal, caller: Principal): boolean {
    if (!isPrincipalSized(app)) return false;
    const stored = findApp(app);
    return stored !== undefined && principalEqual(stored.info.recovery, caller);
}

const recoveryByPrincipal: Check = (caller, arg) => isRecovery(decoded<Principal>(IDL.Principal, arg), caller);
const recoveryByRecord: (type: IDL.Type) => Check = (type) => (caller, arg) => isRecovery(decoded<{ app: Principal }>(type, arg).app, caller);
const anyone: Check = () => true;

/** Per update method: whether this caller could succeed with this (size-checked) argument. */
const checks: Readonly<Record<UpgraderMethod, Check>> = {
    // Who controls the app takes a management call to know: the method checks it.
    register: anyone,
    create_module: (caller, arg) => {
        const app = decoded<CreateModuleArgs>(CreateModuleArgs, arg).app;
        const stored = isPrincipalSized(app) ? findApp(app) : undefined;
        return stored !== undefined && mayUpload(stored, caller);
    },
    upload_module_chunk: (caller, arg) => {
        const args = decoded<UploadChunkArgs>(UploadChunkArgs, arg);
        if (!isPrincipalSized(args.app) || !isHashSized(args.hash)) return false;
        const module = findModule(args.app, args.hash);
        return module !== undefined && principalEqual(module.uploader, caller);
    },
    delete_module: (caller, arg) => {
        const ref = decoded<ModuleRef>(ModuleRef, arg);
        if (!isPrincipalSized(ref.app) || !isHashSized(ref.hash)) return false;
        const module = findModule(ref.app, ref.hash);
        return module !== undefined && (principalEqual(module.uploader, caller) || isRecovery(ref.app, caller));
    },
    propose: (caller, arg) => {
        const app = decoded<ProposeArgs>(ProposeArgs, arg).app;
        const stored = isPrincipalSized(app) ? findApp(app) : undefined;
        return stored !== undefined && mayProposeUpgrade(stored, caller);
    },
    // The app asks for itself (usually one-way, inter-canister: then this never runs).
    request_upgrade: (caller) => findApp(caller) !== undefined,
    vote: (caller, arg) => {
        const proposal = findProposal(decoded<VoteArgs>(VoteArgs, arg).proposal_id);
        const app = proposal === undefined ? undefined : findApp(proposal.app);
        return app !== undefined && weightOf(app.info.policy, caller) > 0;
    },
    cancel_proposal: (caller, arg) => {
        const proposal = findProposal(decoded<bigint>(IDL.Nat64, arg));
        if (proposal === undefined) return false;
        return principalEqual(proposal.proposer, caller) || isRecovery(proposal.app, caller);
    },
    resume: anyone,
    pause: recoveryByPrincipal,
    unpause: recoveryByPrincipal,
    eject: recoveryByPrincipal,
    // Anyone may reap a registered app (the method checks that the upgrader lost control of it).
    reap: (_caller, arg) => {
        const app = decoded<Principal>(IDL.Principal, arg);
        return isPrincipalSized(app) && findApp(app) !== undefined;
    },
    // Ingress carries no cycles, so fund_rehearsals can only succeed when a canister calls it.
    fund_rehearsals: () => false,
    set_policy: recoveryByRecord(SetPolicyArgs),
    emergency_upgrade: recoveryByRecord(EmergencyUpgradeArgs),
    restore_snapshot: recoveryByRecord(RestoreArgs),
    // Ingress carries no cycles: it can create a group only where groups are free.
    create_group: (_caller, arg) => settings().registrationFee === 0n && !decoded<CreateGroupArgs>(CreateGroupArgs, arg).recovery.isAnonymous(),
    // Whether the caller controls the app takes a management call: the method checks it.
    join_group: (caller, arg) => {
        const group = decoded<JoinGroupArgs>(JoinGroupArgs, arg).group;
        const stored = isPrincipalSized(group) ? findApp(group) : undefined;
        return stored !== undefined && (isProposer(stored.info.policy, caller) || principalEqual(stored.info.recovery, caller));
    },
    leave_group: (caller, arg) => {
        const member = findApp(decoded<Principal>(IDL.Principal, arg));
        const group = member?.info.group[0];
        return group !== undefined && isRecovery(group, caller);
    },
    abort_rollout: recoveryByPrincipal,
    // Queries may be called as updates too; they need no caller.
    get_app: anyone,
    get_module: anyone,
    // Answered only to queries (the method refuses replicated calls): as ingress it cannot succeed.
    get_module_chunk: () => false,
    get_proposal: anyone,
    get_execution: anyone,
    rehearsal_credit: anyone,
    audit_log: anyone,
    limits: anyone,
    group_members: anyone,
    get_rollout: anyone,
    rollout_members: anyone
};

/** Whether to accept an ingress message for `method` from `caller` carrying `arg`. */
export function admits(method: string, caller: Principal, arg: Uint8Array): boolean {
    if (caller.isAnonymous()) return false;
    if (method === AZLE_CHUNK) return arg.length <= AZLE_CHUNK_MAX_BYTES;
    const max = maxArgumentBytes(method);
    if (max === undefined || arg.length > max) return false;
    const check = checks[method as UpgraderMethod];
    try {
        return check(caller, arg);
    } catch {
        return false; // a malformed argument: the method could only trap on it
    }
}

