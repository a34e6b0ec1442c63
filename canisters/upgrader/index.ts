/**
 * The upgrader: an immutable canister that upgrades the apps registered with it, installing only
 * modules their voters approved by hash, one persisted step at a time, and that their recovery
 * principal can always override. This class is only the Candid surface: each method names who
 * may call it and delegates to the module of its concept. Expected failures come back as
 * `{ Err: UpgraderError }` (see errors.ts); nothing a caller sends makes it trap. The decorators
 * are endpoint.ts's: Azle's, with arguments and replies through candid-codec.ts.
 */
import { memoizeTypeNames } from './runtime';

import type { Principal } from '@dfinity/principal';
import { IDL, init, inReplicatedExecution, inspectMessage, msgArgData, msgCaller, msgMethodName, postUpgrade, trap } from 'azle';

import { findApp, mayUpload, register, requireApp, viewApp } from './apps';
import { isGroupPrincipal } from './group-id';
import { auditPage } from './audit';
import { checkArgs, isHashSized, isPrincipalSized } from './bounds';
import { fastQuery, fastUpdate, precompileQueries } from './endpoint';
import { fail, guard, guardSync } from './errors';
import { findExecution, launchMember, rearmAll, resume } from './executor';
import { createGroup, groupMembers, joinGroup, leaveGroup } from './groups';
import { limits } from './limits';
import { admits } from './inspect';
import * as managementIdl from './management-idl';
import { checkSchema, getCounter, MetaKey } from './meta';
import { createModule, findModule, moduleChunk, uploadChunk } from './modules';
import { cancelProposal, effectiveStatus, findProposal, isOpen, propose, requestUpgrade, viewProposal } from './proposals';
import { deleteUnusedModule, reap, sweepModules } from './reclaim';
import { creditOf, fundRehearsals } from './rehearsal-credit';
import { abortRollout, findRollout, rolloutMembers, viewRollout } from './rollouts';
import * as recovery from './recovery';
import { applySettings, applySettingsOnUpgrade, settings } from './settings';
import * as types from './types';
import {
    AppInfo,
    AuditPage,
    AuditQuery,
    CreateGroupArgs,
    CreateModuleArgs,
    EmergencyUpgradeArgs,
    Execution,
    GroupMembersPage,
    GroupPageQuery,
    InitArgs,
    JoinGroupArgs,
    Limits,
    ModuleChunkRef,
    ModuleInfo,
    ModuleRef,
    Proposal,
    ProposeArgs,
    RegisterArgs,
    RestoreArgs,
    type Result,
    Rollout,
    RolloutMembersPage,
    ResultApp,
    ResultChunk,
    ResultModule,
    ResultNat,
    ResultProposal,
    ResultProposalId,
    ResultResume,
    ResultRollout,
    ResultUnit,
    type ResumeResult,
    SetPolicyArgs,
    UpgradeRequest,
    UploadChunkArgs,
    VoteArgs
} from './types';
import { vote } from './votes';
import { armWatchdog } from './watchdog';

memoizeTypeNames(...Object.values(types), ...Object.values(managementIdl));

/**
 * The init (and post_upgrade) argument, `opt InstallSettings`: decoded by hand so that an install
 * without one (empty, or `()`) gets the defaults, where Azle's strict decoding would trap.
 */
function initArgs(): InitArgs {
    const bytes = msgArgData();
    const noArguments = IDL.encode([], []);
    if (bytes.length === 0 || (bytes.length === noArguments.byteLength && bytes.every((b, i) => b === new Uint8Array(noArguments)[i]))) return [];
    try {
        return IDL.decode([InitArgs], bytes)[0] as InitArgs;
    } catch (error) {
        return trap(`upgrader: the init argument must be opt InstallSettings (see upgrader.did): ${error instanceof Error ? error.message : String(error)}`);
    }
}

export default class Upgrader {
    @init([InitArgs], { manual: true })
    initialize(): void {
        checkSchema();
        applySettings(initArgs());
        precompileQueries();
        rearmAll();
        armWatchdog();
    }

    @postUpgrade([InitArgs], { manual: true })
    afterUpgrade(): void {
        checkSchema();
        applySettingsOnUpgrade(initArgs());
        precompileQueries();
        rearmAll();
        armWatchdog();
    }

    /** Refuses ingress that can never succeed (inspect.ts); the methods still check everything. */
    @inspectMessage({ manual: true })
    inspect(): boolean {
        return admits(msgMethodName(), msgCaller(), msgArgData());
    }

    // ------------------------------------------------------------ registration

    /** A controller of the app (or the app itself) registers it; the upgrader and the recovery principal must be controllers. */
    @fastUpdate([RegisterArgs], ResultApp)
    async register(args: RegisterArgs): Promise<Result<AppInfo>> {
        const caller = msgCaller();
        return guard(() => {
            checkArgs.register(args);
            return register(caller, args);
        });
    }

    /** Anyone: the app's record, with an expired proposal no longer shown as live. */
    @fastQuery([IDL.Principal], IDL.Opt(AppInfo))
    get_app(app: Principal): [] | [AppInfo] {
        if (!isPrincipalSized(app)) return [];
        const stored = findApp(app);
        if (stored === undefined) return [];
        const info = viewApp(stored);
        const live = info.live_proposal[0];
        const proposal = live === undefined ? undefined : findProposal(live);
        const expired = proposal !== undefined && isOpen(proposal.status) && 'expired' in effectiveStatus(proposal);
        return [expired ? { ...info, live_proposal: [] } : info];
    }

    // ------------------------------------------------------------ module store

    /**
     * The app, its proposers or its recovery principal declare a module to upload (hash and size).
     * Stale modules of any app are swept first (bounded).
     */
    @fastUpdate([CreateModuleArgs], ResultModule)
    create_module(args: CreateModuleArgs): Result<ModuleInfo> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.createModule(args);
            // The caller before the sweep: a stranger's call does no work for anyone.
            const app = requireApp(args.app);
            if (!mayUpload(app, caller)) throw fail.unauthorized('only the app, its proposers and its recovery principal (see get_app) may upload modules for it');
            sweepModules();
            return createModule(caller, args);
        });
    }

    /** The module's uploader sends chunk `index` (1 MiB, the last one shorter). */
    @fastUpdate([UploadChunkArgs], ResultModule)
    upload_module_chunk(args: UploadChunkArgs): Result<ModuleInfo> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.uploadChunk(args);
            return uploadChunk(caller, args);
        });
    }

    /** The uploader or the recovery principal deletes a module no live proposal uses. */
    @fastUpdate([ModuleRef], ResultUnit)
    delete_module(ref: ModuleRef): Result<null> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.moduleRef(ref);
            deleteUnusedModule(caller, ref);
            return null;
        });
    }

    @fastQuery([ModuleRef], IDL.Opt(ModuleInfo))
    get_module(ref: ModuleRef): [] | [ModuleInfo] {
        if (!isPrincipalSized(ref.app) || !isHashSized(ref.hash)) return [];
        const found = findModule(ref.app, ref.hash);
        return found === undefined ? [] : [found];
    }

    /**
     * Anyone, through a query: chunk `index` of a complete module (rejected ones too), so that
     * voters can download the module a proposal names and hash it themselves. Refused in
     * replicated mode (an update call, from ingress or a canister): a 1 MiB chunk costs ~60 M
     * instructions, which the upgrader would pay for a read that needs no consensus.
     */
    @fastQuery([ModuleChunkRef], ResultChunk)
    get_module_chunk(ref: ModuleChunkRef): Result<Uint8Array> {
        return guardSync(() => {
            checkArgs.moduleRef(ref);
            if (inReplicatedExecution()) throw fail.unauthorized('get_module_chunk is answered only to queries (non-replicated), which cost the upgrader nothing: call it as a query');
            return moduleChunk(ref);
        });
    }

    // ------------------------------------------------------------ proposals and votes

    /** The app or one of its proposers proposes an upgrade or a policy change. */
    @fastUpdate([ProposeArgs], ResultProposalId)
    propose(args: ProposeArgs): Result<bigint> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.propose(args);
            return propose(caller, args);
        });
    }

    /**
     * The app (the caller) proposes its own upgrade. Replies at once and never awaits: call it
     * one-way (app_lib's requestUpgrade), read the outcome with get_app / get_proposal.
     */
    @fastUpdate([UpgradeRequest], ResultProposalId)
    request_upgrade(request: UpgradeRequest): Result<bigint> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.upgradeRequest(request);
            return requestUpgrade(caller, request);
        });
    }

    /** A voter of the app approves or rejects (proposal, subject). */
    @fastUpdate([VoteArgs], ResultProposal)
    vote(args: VoteArgs): Result<Proposal> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.vote(args);
            return vote(caller, args);
        });
    }

    @fastQuery([IDL.Nat64], IDL.Opt(Proposal))
    get_proposal(id: bigint): [] | [Proposal] {
        const found = findProposal(id);
        return found === undefined ? [] : [viewProposal(found)];
    }

    /** Proposer or recovery principal: cancel an open proposal. */
    @fastUpdate([IDL.Nat64], ResultProposal)
    cancel_proposal(id: bigint): Result<Proposal> {
        const caller = msgCaller();
        return guardSync(() => cancelProposal(caller, id));
    }

    // ------------------------------------------------------------ execution

    /** Anyone: drive the app's execution forward (the app itself only schedules it). */
    @fastUpdate([IDL.Principal], ResultResume)
    async resume(app: Principal): Promise<Result<ResumeResult>> {
        const caller = msgCaller();
        return guard(() => {
            checkArgs.app(app);
            return resume(caller, app);
        });
    }

    @fastQuery([IDL.Principal], IDL.Opt(Execution))
    get_execution(app: Principal): [] | [Execution] {
        if (!isPrincipalSized(app)) return [];
        const found = findExecution(app);
        return found === undefined ? [] : [found];
    }

    // ------------------------------------------------------------ recovery

    @fastUpdate([IDL.Principal], ResultUnit)
    pause(app: Principal): Result<null> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.app(app);
            recovery.pause(caller, app);
            return null;
        });
    }

    @fastUpdate([IDL.Principal], ResultUnit)
    unpause(app: Principal): Result<null> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.app(app);
            recovery.unpause(caller, app);
            return null;
        });
    }

    @fastUpdate([SetPolicyArgs], ResultApp)
    set_policy(args: SetPolicyArgs): Result<AppInfo> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.setPolicy(args);
            return recovery.setPolicy(caller, args);
        });
    }

    @fastUpdate([EmergencyUpgradeArgs], ResultProposalId)
    emergency_upgrade(args: EmergencyUpgradeArgs): Result<bigint> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.emergencyUpgrade(args);
            return recovery.emergencyUpgrade(caller, args);
        });
    }

    @fastUpdate([RestoreArgs], ResultProposalId)
    restore_snapshot(args: RestoreArgs): Result<bigint> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.restore(args);
            return recovery.restoreSnapshot(caller, args);
        });
    }

    @fastUpdate([IDL.Principal], ResultUnit)
    async eject(app: Principal): Promise<Result<null>> {
        const caller = msgCaller();
        return guard(async () => {
            checkArgs.app(app);
            await recovery.eject(caller, app);
            return null;
        });
    }

    /** Anyone: forget an app the upgrader no longer controls (canister_info shows it), freeing its slot and modules. */
    @fastUpdate([IDL.Principal], ResultUnit)
    async reap(app: Principal): Promise<Result<null>> {
        const caller = msgCaller();
        return guard(async () => {
            checkArgs.app(app);
            await reap(caller, app);
            return null;
        });
    }

    // ------------------------------------------------------------ rehearsal credit

    /**
     * Anyone, with cycles attached (so from a canister: a wallet, or the app itself): adds them to
     * the app's rehearsal credit, up to MAX_REHEARSAL_CREDIT (the rest goes back with the reply),
     * and answers the new credit. A charging deployment takes each rehearsal's price from it.
     */
    @fastUpdate([IDL.Principal], ResultNat)
    fund_rehearsals(app: Principal): Result<bigint> {
        return guardSync(() => {
            checkArgs.app(app);
            requireApp(app);
            return fundRehearsals(app);
        });
    }

    /** Anyone: the app's rehearsal credit, in cycles (0 for an app without one). */
    @fastQuery([IDL.Principal], IDL.Nat)
    rehearsal_credit(app: Principal): bigint {
        return isPrincipalSized(app) ? creditOf(app) : 0n;
    }

    // ------------------------------------------------------------ audit and limits

    /** Anyone: a page of one app's history, or of the registry's. */
    @fastQuery([AuditQuery], AuditPage)
    audit_log(q: AuditQuery): AuditPage {
        const app = q.app[0];
        if (app !== undefined && !isPrincipalSized(app)) return { entries: [], next: [], total: 0n };
        return auditPage(q);
    }

    @fastQuery([], Limits)
    limits(): Limits {
        return limits(settings(), getCounter(MetaKey.storeBytes));
    }

    // ------------------------------------------------------------ groups (fleets)

    /** Anyone who pays the registration fee: a group of apps sharing one policy; answers its record (its principal is `app`). */
    @fastUpdate([CreateGroupArgs], ResultApp)
    create_group(args: CreateGroupArgs): Result<AppInfo> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.createGroup(args);
            return createGroup(caller, args);
        });
    }

    /** The group's proposers or recovery principal: registers an app they control into the group. */
    @fastUpdate([JoinGroupArgs], ResultApp)
    async join_group(args: JoinGroupArgs): Promise<Result<AppInfo>> {
        const caller = msgCaller();
        return guard(() => {
            checkArgs.joinGroup(args);
            return joinGroup(caller, args);
        });
    }

    /** The group's recovery principal: takes a member out (it stays registered on its own). */
    @fastUpdate([IDL.Principal], ResultApp)
    leave_group(app: Principal): Result<AppInfo> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.app(app);
            return leaveGroup(caller, app);
        });
    }

    /** Anyone: a page of a group's members. */
    @fastQuery([GroupPageQuery], GroupMembersPage)
    group_members(query: GroupPageQuery): GroupMembersPage {
        if (!isPrincipalSized(query.group) || !isGroupPrincipal(query.group) || findApp(query.group) === undefined) return { members: [], next: [], total: 0 };
        return groupMembers(query);
    }

    /** Anyone: the group's latest rollout, with its counts per state. */
    @fastQuery([IDL.Principal], IDL.Opt(Rollout))
    get_rollout(group: Principal): [] | [Rollout] {
        const found = isPrincipalSized(group) ? findRollout(group) : undefined;
        return found === undefined ? [] : [viewRollout(found)];
    }

    /** Anyone: a page of the members of the group's latest rollout, each with its state. */
    @fastQuery([GroupPageQuery], RolloutMembersPage)
    rollout_members(query: GroupPageQuery): RolloutMembersPage {
        if (!isPrincipalSized(query.group)) return { members: [], next: [], total: 0 };
        return rolloutMembers(query.group, query.start, query.limit);
    }

    /** The group's recovery principal: no more members start; those running end as usual. */
    @fastUpdate([IDL.Principal], ResultRollout)
    abort_rollout(group: Principal): Result<Rollout> {
        const caller = msgCaller();
        return guardSync(() => {
            checkArgs.app(group);
            return abortRollout(caller, group, launchMember);
        });
    }
}
