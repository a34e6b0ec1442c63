/**
 * How each stable record is stored: the Candid value encoding of its type, without the header
 * (candid-codec.ts `valueCodec`). Binary and compact (a principal is its bytes plus two, a nat32
 * four bytes, a nat64 eight), and read and written by the same compiled codec as the messages.
 * The types are those of types.ts plus the two stored wrappers below; changing any of them
 * changes the layout, which SCHEMA_VERSION (memory.ts) names. Pure: the bench and the tests load
 * it in Node.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { valueCodec } from './candid-codec';
import { AppInfo, Rollout, type Rollout as RolloutValue, RolloutMember, type RolloutMember as RolloutMemberValue, type AppInfo as AppInfoValue, AuditEntry, type AuditEntry as AuditEntryValue, Execution, type Execution as ExecutionValue, ModuleInfo, type ModuleInfo as ModuleInfoValue, Proposal, type Proposal as ProposalValue } from './types';

/**
 * An app as stored: its public record, the hashes of its modules in the store, the module it ran
 * when the upgrader last looked (registration, an execution's check, an upgrade it verified) and
 * the modules it was seen running before that, newest last (MAX_RAN_MODULES_KEPT).
 */
export const StoredApp = IDL.Record({
    info: AppInfo,
    modules: IDL.Vec(IDL.Vec(IDL.Nat8)),
    running: IDL.Opt(IDL.Vec(IDL.Nat8)),
    ran: IDL.Vec(IDL.Vec(IDL.Nat8))
});
export type StoredApp = { info: AppInfoValue; modules: Uint8Array[]; running: [] | [Uint8Array]; ran: Uint8Array[] };

/** An audit entry as stored: the public entry plus its position in its app's numbering. */
export const StoredAuditEntry = IDL.Record({ entry: AuditEntry, app_position: IDL.Nat64 });
export type StoredAuditEntry = { entry: AuditEntryValue; app_position: bigint };

/** An app handed over to a successor upgrader: where it went, by which proposal, when. */
export const HandedOverRecord = IDL.Record({ successor: IDL.Principal, module_hash: IDL.Vec(IDL.Nat8), proposal_id: IDL.Nat64, at: IDL.Nat64 });
export type HandedOverRecord = { successor: Principal; module_hash: Uint8Array; proposal_id: bigint; at: bigint };

/** A module staged in the upgrader's own chunk store: the hashes the IC returned for its chunks so far, in order. */
export const StagedModule = IDL.Record({ chunk_hashes: IDL.Vec(IDL.Vec(IDL.Nat8)) });
export type StagedModule = { chunk_hashes: Uint8Array[] };

export const appRecord = valueCodec<StoredApp>(StoredApp);
export const moduleRecord = valueCodec<ModuleInfoValue>(ModuleInfo);
export const proposalRecord = valueCodec<ProposalValue>(Proposal);
export const executionRecord = valueCodec<ExecutionValue>(Execution);
export const auditRecord = valueCodec<StoredAuditEntry>(StoredAuditEntry);
export const handedOverRecord = valueCodec<HandedOverRecord>(HandedOverRecord);
export const rolloutRecord = valueCodec<RolloutValue>(Rollout);
export const rolloutMemberRecord = valueCodec<RolloutMemberValue>(RolloutMember);
export const stagedRecord = valueCodec<StagedModule>(StagedModule);
