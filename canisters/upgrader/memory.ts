/**
 * Stable-memory ids of the upgrader's StableBTreeMaps, each named once. The ids are part of the
 * stable layout: never renumber or reuse one (0-253 are free; 254 is Azle's, 255 belongs to
 * ic-stable-structures). `SCHEMA_VERSION` names the layout these maps hold.
 */
export const MemoryId = {
    /** text -> nat64: schema version and counters (see MetaKey in meta.ts) */
    meta: 0,
    /** app principal -> StoredApp (apps.ts) */
    apps: 1,
    /** registrant principal -> nat32: apps it registered (quota) */
    registrants: 2,
    /** (app, hash) -> ModuleInfo (modules.ts) */
    modules: 3,
    /**
     * (app, hash, index) -> raw chunk bytes, striped over eight maps by index: chunk i lives in
     * chunkStripes[i % 8] (modules.ts says why)
     */
    chunkStripes: [4, 11, 12, 13, 14, 15, 16, 17],
    /** retired (schema 2: uploader principal -> nat32, a per-uploader quota); never reuse */
    uploaders: 5,
    /** proposal id (nat64, big-endian) -> Proposal (proposals.ts) */
    proposals: 6,
    /** app principal -> Execution: the live execution of each app (executor.ts) */
    executions: 7,
    /** registry position (nat64, big-endian) -> StoredAuditEntry: the registry's history (audit.ts) */
    audit: 8,
    /** retired (schema 2: (app, position) -> sequence number); never reuse */
    auditByApp: 9,
    /** app principal -> nat64: audit entries written for the app so far */
    auditAppCounts: 10,
    /** (app, position) -> StoredAuditEntry: each app's own ring of its latest entries (audit.ts) */
    appAudit: 21,
    /** app principal -> HandedOverRecord: apps handed over to a successor upgrader (handed-over.ts) */
    handedOver: 22,
    /** app principal -> nat64: cycles the app's side paid toward its rehearsals, not yet spent (rehearsal-credit.ts) */
    rehearsalCredits: 23,
    /** (group principal, position) -> member app: each group's members, positions 0..members-1 (group-members.ts) */
    groupMembers: 24,
    /** member app -> its position in its group's list (group-members.ts) */
    memberPositions: 25,
    /** group principal -> Rollout: each group's latest rollout (rollouts.ts) */
    rollouts: 26,
    /** (group principal, index) -> RolloutMember: the members of each group's latest rollout (rollouts.ts) */
    rolloutMembers: 27,
    /** (owner, module hash) -> StagedModule: modules staged in the upgrader's own chunk store (staging.ts) */
    staged: 28
} as const;

/**
 * Version of the layout above; bumped with a migration whenever a stored type changes.
 * 1: records as tagged JSON; 2: records as Candid values without header (records.ts);
 * 3: the hardened upgrader (execution ids, per-app audit rings and module quotas, install
 * settings, proposals that bind argument and options); 4: hand-overs (new cases in the stored
 * proposal action, execution kind and step, outcome and audit event: a variant's case indexes
 * shift, so version 3 records do not decode as version 4; and the handed-over map, id 22);
 * 5: on-chain rehearsals (the snapshot policy's `rehearse` field, the proposal's rehearsal report,
 * the execution's rehearsal record, new steps and the `rehearsal_failed` outcome; the rehearsal
 * credits map, id 23); 6: fleets (the app record's group and members, the rollout proposal
 * action, outcomes, step and audit events, the execution's rollout; maps 24-28).
 * No upgrader with version 1, 2, 3, 4 or 5 was ever sealed, so there is no migration: an upgrade over
 * them traps and keeps the old code.
 */
export const SCHEMA_VERSION = 6n;
