/**
 * A typed client for the upgrader canister over @dfinity/agent. Each method calls one upgrader
 * method and unwraps its `{ Ok }`, or throws the typed error of its `{ Err }` (see errors.ts).
 *
 * @example
 * ```ts
 * const agent = await HttpAgent.create({ host, identity });
 * const upgrader = UpgraderClient.create({ agent, canisterId });
 * const module = await upgrader.uploadModule({ app, wasm });
 * const id = await upgrader.propose({ app, action: { upgrade: { module_hash: module.hash, arg, options } } });
 * ```
 */
import { Actor, type Agent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';

import {
    type AppInfo,
    type AuditEntry,
    type AuditPage,
    type AuditQuery,
    type CreateGroupArgs,
    type CreateModuleArgs,
    type EmergencyUpgradeArgs,
    type Execution,
    type GroupMembersPage,
    type GroupPageQuery,
    idlFactory,
    type JoinGroupArgs,
    type Limits,
    type ModuleChunkRef,
    type ModuleInfo,
    type ModuleRef,
    type Proposal,
    type ProposeArgs,
    type RegisterArgs,
    type RestoreArgs,
    type ResumeResult,
    type Rollout,
    type RolloutMember,
    type RolloutMembersPage,
    type SetPolicyArgs,
    type UpgradeRequest,
    type UpgraderError,
    type UpgraderService,
    type UploadChunkArgs,
    type VoteArgs
} from './upgrader-idl.js';
import { argHash, handOverSubject, rolloutSubject, upgradeSubject } from '../../canisters/upgrader/vote-subject.js';
import { concatBytes, equalBytes } from '../encoding/bytes.js';
import { ModuleHashMismatchError, toClientError } from './errors.js';

export * from './errors.js';
export {
    argHash,
    HAND_OVER_SUBJECT_DOMAIN,
    handOverSubject,
    handOverSubjectBytes,
    ROLLOUT_SUBJECT_DOMAIN,
    rolloutSubject,
    rolloutSubjectBytes,
    upgradeSubject,
    upgradeSubjectBytes,
    UPGRADE_SUBJECT_DOMAIN
} from '../../canisters/upgrader/vote-subject.js';

/**
 * Recomputes what a vote on an upgrade proposal approves, from the proposal's own fields (its
 * request, its downgrade flag and the module the app ran when proposed), as a voter should
 * before voting: the result must equal `proposal.subject`, and `proposal.arg_hash` must be the
 * SHA-256 of the argument the voter reviewed.
 * For a hand-over, the subject binds the successor and its module hash (`handOverSubject`); for
 * a group's rollout, the upgrade without a from-module (members may run different ones), the
 * members named (or none: every member at approval) and the plan (`rolloutSubject`).
 * @returns the subject, or undefined for a proposal that is neither an upgrade, a rollout nor a hand-over.
 * @example
 * ```ts
 * const proposal = await upgrader.getProposal(id);
 * const subject = proposal && expectedSubject(proposal);
 * if (subject === undefined || !equal(subject, proposal.subject)) throw new Error('not what was reviewed');
 * await upgrader.vote({ proposal_id: id, subject, approve: true });
 * ```
 */
export function expectedSubject(proposal: Proposal): Uint8Array | undefined {
    if ('hand_over' in proposal.action) {
        const handOver = proposal.action.hand_over;
        return handOverSubject({ successor: handOver.successor.toUint8Array(), successorModuleHash: handOver.successor_module_hash });
    }
    if ('rollout' in proposal.action) {
        const { upgrade, members, plan } = proposal.action.rollout;
        const named = members[0];
        return rolloutSubject({
            upgrade: { moduleHash: upgrade.module_hash, argHash: argHash(upgrade.arg), options: upgrade.options, downgrade: proposal.downgrade },
            members: named === undefined ? [] : [named.map((member) => member.toUint8Array())],
            plan
        });
    }
    if (!('upgrade' in proposal.action)) return undefined;
    const request = proposal.action.upgrade;
    return upgradeSubject({ moduleHash: request.module_hash, argHash: argHash(request.arg), options: request.options, downgrade: proposal.downgrade, fromModule: proposal.from_module });
}

/** Chunk size of module uploads: 1 MiB (the IC's chunk-store limit). */
export const CHUNK_BYTES = 1024 * 1024;

export interface UpgraderClientOptions {
    /** An agent with the identity to call as (never defaulted: choose it explicitly). */
    agent: Agent;
    canisterId: Principal | string;
}

export interface UploadModuleOptions {
    app: Principal;
    /** The module bytes, raw or gzipped, exactly as they should be installed. */
    wasm: Uint8Array;
    /** Called after each chunk with (chunks sent, chunks in all). */
    onProgress?: (sent: number, total: number) => void;
}

export interface DownloadModuleOptions {
    /** Called after each chunk with (chunks received, chunks in all). */
    onProgress?: (received: number, total: number) => void;
}

/** Every `ResultX` of the interface: `variant { Ok : X; Err : UpgraderError }`. */
type Result<T> = { Ok: T } | { Err: UpgraderError };

function unwrap<T>(result: Result<T>): T {
    if ('Err' in result) throw toClientError(result.Err);
    return result.Ok;
}

function optional<T>(value: [] | [T]): T | undefined {
    return value[0];
}

export class UpgraderClient {
    private constructor(private readonly service: UpgraderService) {}

    /** A client over @dfinity/agent. */
    static create({ agent, canisterId }: UpgraderClientOptions): UpgraderClient {
        const id = typeof canisterId === 'string' ? Principal.fromText(canisterId) : canisterId;
        return new UpgraderClient(Actor.createActor<UpgraderService>(idlFactory, { agent, canisterId: id }));
    }

    /** A client over any object that offers the upgrader's methods (e.g. an embedded-replica actor). */
    static fromService(service: UpgraderService): UpgraderClient {
        return new UpgraderClient(service);
    }

    /**
     * Registers an app. The caller must be a controller of the app (or the app itself), and the
     * upgrader and `args.recovery` must both be controllers.
     * @throws NotControllerError, UnauthorizedError, InvalidArgumentError, AppAlreadyRegisteredError, QuotaExceededError, InsufficientPaymentError (the registration fee must be attached: only canisters can)
     */
    async register(args: RegisterArgs): Promise<AppInfo> {
        return unwrap(await this.service.register(args));
    }

    /** The app's record, or undefined when it is not registered. */
    async getApp(app: Principal): Promise<AppInfo | undefined> {
        return optional(await this.service.get_app(app));
    }

    /** @throws UnauthorizedError, InvalidArgumentError, QuotaExceededError, AppNotRegisteredError, InsufficientPaymentError (the storage fee must be attached: only canisters can) */
    async createModule(args: CreateModuleArgs): Promise<ModuleInfo> {
        return unwrap(await this.service.create_module(args));
    }

    /** @throws ModuleNotFoundError, UnauthorizedError, InvalidArgumentError */
    async uploadChunk(args: UploadChunkArgs): Promise<ModuleInfo> {
        return unwrap(await this.service.upload_module_chunk(args));
    }

    /**
     * Hashes the module here (SHA-256, off-chain), declares it and uploads every 1 MiB chunk.
     * The IC checks the hash again when it installs the module.
     * @returns the module's record, complete.
     */
    async uploadModule({ app, wasm, onProgress }: UploadModuleOptions): Promise<ModuleInfo> {
        const hash = sha256(wasm);
        let info = await this.createModule({ app, hash, size: BigInt(wasm.length) });
        const total = info.chunks_expected;
        for (let index = 0; index < total; index++) {
            const chunk = wasm.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
            info = await this.uploadChunk({ app, hash, index, chunk });
            onProgress?.(index + 1, total);
        }
        return info;
    }

    /** @throws ModuleNotFoundError, UnauthorizedError, ModuleInUseError */
    async deleteModule(ref: ModuleRef): Promise<void> {
        unwrap(await this.service.delete_module(ref));
    }

    async getModule(ref: ModuleRef): Promise<ModuleInfo | undefined> {
        return optional(await this.service.get_module(ref));
    }

    /**
     * Chunk `index` of a complete module (a query: anyone may, at no cost to the upgrader).
     * @throws ModuleNotFoundError, ModuleIncompleteError, InvalidArgumentError (an index past the end)
     */
    async getModuleChunk(ref: ModuleChunkRef): Promise<Uint8Array> {
        return unwrap(await this.service.get_module_chunk(ref));
    }

    /**
     * Downloads a stored module, every chunk, and checks that its SHA-256 is `hash`: what a voter
     * does before comparing the module a proposal names with their own build.
     * @returns the module's bytes exactly as stored (raw or gzipped, as uploaded).
     * @throws ModuleNotFoundError (never uploaded, or reclaimed: a module leaves the store once an
     *   upgrade installed it), ModuleIncompleteError, ModuleHashMismatchError (the stored bytes do not
     *   hash to `hash`; the error holds them)
     * @example
     * ```ts
     * const proposal = await upgrader.getProposal(id);
     * if (proposal && 'upgrade' in proposal.action) {
     *     const wasm = await upgrader.downloadModule(proposal.app, proposal.action.upgrade.module_hash);
     * }
     * ```
     */
    async downloadModule(app: Principal, hash: Uint8Array, { onProgress }: DownloadModuleOptions = {}): Promise<Uint8Array> {
        const info = await this.getModule({ app, hash });
        if (info === undefined) throw toClientError({ ModuleNotFound: hash });
        if (!info.complete) throw toClientError({ ModuleIncomplete: { hash, received: info.chunks_received, expected: info.chunks_expected } });
        const parts: Uint8Array[] = [];
        for (let index = 0; index < info.chunks_expected; index++) {
            parts.push(await this.getModuleChunk({ app, hash, index }));
            onProgress?.(index + 1, info.chunks_expected);
        }
        const bytes = concatBytes(parts);
        const actual = sha256(bytes);
        if (!equalBytes(actual, hash)) throw new ModuleHashMismatchError(hash, actual, bytes);
        return bytes;
    }

    /**
     * Proposes an upgrade or a policy change; returns the proposal id.
     * @throws UnauthorizedError, PausedError, ProposalInProgressError, ModuleNotFoundError, ModuleIncompleteError, ModuleRejectedError, InvalidArgumentError
     */
    async propose(args: ProposeArgs): Promise<bigint> {
        return unwrap(await this.service.propose(args));
    }

    /** Proposes upgrading `app` (shorthand for propose). */
    async proposeUpgrade(app: Principal, request: UpgradeRequest): Promise<bigint> {
        return this.propose({ app, action: { upgrade: request } });
    }

    /**
     * Votes on (proposal, subject); returns the proposal after the vote.
     * @throws NotAVoterError, AlreadyVotedError, SubjectMismatchError, ProposalNotOpenError, PausedError
     */
    async vote(args: VoteArgs): Promise<Proposal> {
        return unwrap(await this.service.vote(args));
    }

    async getProposal(id: bigint): Promise<Proposal | undefined> {
        return optional(await this.service.get_proposal(id));
    }

    /** @throws UnauthorizedError, ProposalNotOpenError */
    async cancelProposal(id: bigint): Promise<Proposal> {
        return unwrap(await this.service.cancel_proposal(id));
    }

    /** Drives the app's execution forward (anyone may). */
    async resume(app: Principal): Promise<ResumeResult> {
        return unwrap(await this.service.resume(app));
    }

    async getExecution(app: Principal): Promise<Execution | undefined> {
        return optional(await this.service.get_execution(app));
    }

    /** Recovery principal only. @throws UnauthorizedError */
    async pause(app: Principal): Promise<void> {
        unwrap(await this.service.pause(app));
    }

    /** Recovery principal only. @throws UnauthorizedError */
    async unpause(app: Principal): Promise<void> {
        unwrap(await this.service.unpause(app));
    }

    /** Recovery principal only. @throws UnauthorizedError, InvalidArgumentError, ProposalInProgressError */
    async setPolicy(args: SetPolicyArgs): Promise<AppInfo> {
        return unwrap(await this.service.set_policy(args));
    }

    /** Recovery principal only: installs a stored module without votes. @throws UnauthorizedError, ProposalInProgressError, Module*Error */
    async emergencyUpgrade(args: EmergencyUpgradeArgs): Promise<bigint> {
        return unwrap(await this.service.emergency_upgrade(args));
    }

    /** Recovery principal only. @throws UnauthorizedError, SnapshotNotFoundError, ProposalInProgressError */
    async restoreSnapshot(args: RestoreArgs): Promise<bigint> {
        return unwrap(await this.service.restore_snapshot(args));
    }

    /** Recovery principal only: removes the upgrader from the app's controllers. @throws UnauthorizedError, ProposalInProgressError, ManagementCallFailedError */
    async eject(app: Principal): Promise<void> {
        unwrap(await this.service.eject(app));
    }

    /**
     * Anyone: makes the upgrader forget an app it no longer controls (it checks with
     * canister_info), freeing its registry slot and its modules.
     * @throws AppNotRegisteredError, InvalidArgumentError (the upgrader still controls it), ProposalInProgressError, ManagementCallFailedError
     */
    async reap(app: Principal): Promise<void> {
        unwrap(await this.service.reap(app));
    }

    /**
     * Creates a group (a fleet of apps under one policy); its `app` is the reserved principal that
     * names the group from then on. Free upgraders only from the CLI: a fee can only be attached by a canister.
     * @throws UnauthorizedError, InvalidArgumentError, QuotaExceededError, InsufficientPaymentError
     */
    async createGroup(args: CreateGroupArgs): Promise<AppInfo> {
        return unwrap(await this.service.create_group(args));
    }

    /**
     * Registers `args.app` into the group, under the group's policy: as one of the group's
     * proposers or its recovery principal, and a controller of the app (registration's checks).
     * @throws UnauthorizedError, InvalidArgumentError, NotControllerError, AppAlreadyRegisteredError, QuotaExceededError, InsufficientPaymentError
     */
    async joinGroup(args: JoinGroupArgs): Promise<AppInfo> {
        return unwrap(await this.service.join_group(args));
    }

    /** The group's recovery principal takes a member out (it stays registered on its own). @throws UnauthorizedError, InvalidArgumentError, ProposalInProgressError */
    async leaveGroup(app: Principal): Promise<AppInfo> {
        return unwrap(await this.service.leave_group(app));
    }

    /** One page of a group's members, by position. */
    async groupMembers(query: GroupPageQuery): Promise<GroupMembersPage> {
        return this.service.group_members(query);
    }

    /** The group's latest rollout (counts per state), or undefined when it has had none. */
    async getRollout(group: Principal): Promise<Rollout | undefined> {
        return optional(await this.service.get_rollout(group));
    }

    /** One page of the members of the group's latest rollout, each with its state. */
    async rolloutMembers(query: GroupPageQuery): Promise<RolloutMembersPage> {
        return this.service.rollout_members(query);
    }

    /** Every member of the group's latest rollout with its state, page after page. */
    async *rolloutMemberStates(group: Principal): AsyncGenerator<RolloutMember> {
        let start: number | undefined = 0;
        while (start !== undefined) {
            const page: RolloutMembersPage = await this.rolloutMembers({ group, start, limit: 500 });
            yield* page.members;
            start = page.next[0];
        }
    }

    /** The group's recovery principal stops its running rollout: no member starts any more. @throws UnauthorizedError, InvalidArgumentError (no running rollout) */
    async abortRollout(group: Principal): Promise<Rollout> {
        return unwrap(await this.service.abort_rollout(group));
    }

    /** One page of the audit log: one app's history, or the registry's (registrations, ejections, reaps). */
    async auditLog(query: AuditQuery): Promise<AuditPage> {
        return this.service.audit_log(query);
    }

    /** Every audit entry kept (of one app, or of the registry), page after page. */
    async *auditEntries(app?: Principal): AsyncGenerator<AuditEntry> {
        let start: bigint | undefined = 0n;
        while (start !== undefined) {
            const page: AuditPage = await this.auditLog({ app: app === undefined ? [] : [app], start, limit: 100 });
            yield* page.entries;
            start = page.next[0];
        }
    }

    async limits(): Promise<Limits> {
        return this.service.limits();
    }
}
