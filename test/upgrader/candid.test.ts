/**
 * The committed Candid interface (named types, generated from types.ts) describes the service the
 * build generates from the canister's decorators, method by method, and so do both `idlFactory`s:
 * the one in types.ts (tests, app_lib) and the client's, generated from the committed `.did`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { CanisterInfoView, CanisterStatusView } from '../../canisters/upgrader/management-views';
import { canister_info_result, canister_status_result } from '../../canisters/upgrader/management-idl';
import { canonicalFunc, canonicalType } from '../../src/candid/canonical';
import { parseDid } from '../../src/candid/parser';
import { IdlConverter } from '../../src/candid/to-idl';
import type * as client from '../../src/client/upgrader-idl';
import { idlFactory as clientIdlFactory } from '../../src/client/upgrader-idl';
import {
    type AppInfo,
    type AuditPage,
    type Execution,
    idlFactory,
    type InitArgs,
    type InstallSettings,
    type Limits,
    type Outcome,
    Policy,
    type Proposal,
    type ProposalStatus,
    type RegisterArgs,
    type Result,
    ResumeResult,
    type Step,
    type UpgradeOptions,
    type UpgraderError,
    type UpgraderService,
    type Voter,
    type WasmMemoryPersistence
} from '../../canisters/upgrader/types';
import { didPath, repoRoot } from '../../scripts/paths';

const committedPath = join(repoRoot, 'canisters', 'upgrader', 'upgrader.did');

/** A `.did`'s service as canonical text: the init arguments, and each method's type with every name resolved. */
function describeService(source: string): { init: string; methods: string[] } {
    const did = parseDid(source);
    if (did.service === undefined) throw new Error('the .did has no service');
    const converter = new IdlConverter(did.definitions);
    const service = converter.convert(did.service.type) as IDL.ServiceClass;
    return {
        init: did.service.args.map((t) => canonicalType(converter.convert(t))).join(', '),
        methods: service._fields.map(([name, func]) => `${name}: ${canonicalFunc(func)}`)
    };
}

const factoryMethods = (factory: IDL.InterfaceFactory): string[] => (factory({ IDL }) as IDL.ServiceClass)._fields.map(([name, func]) => `${name}: ${canonicalFunc(func)}`);

describe('upgrader Candid interface', () => {
    const committed = describeService(readFileSync(committedPath, 'utf8'));
    const built = describeService(readFileSync(didPath('upgrader'), 'utf8'));

    it('describes the service the build generates: the same methods, modes, types and init arguments', () => {
        // On a difference: types.ts and index.ts disagree, or upgrader.did is stale (`npm run candid-bindings`).
        expect(committed.methods.length).toBeGreaterThanOrEqual(22);
        expect(committed.methods).toEqual(built.methods);
        expect(committed.init).toBe(built.init);
        expect(committed.init).toMatch(/^opt record \{/);
    });

    it('names its types and uses the names in method signatures', () => {
        const text = readFileSync(committedPath, 'utf8');
        expect(text).toMatch(/^type Proposal = record \{$/m);
        expect(text).toMatch(/^type UpgraderError = variant \{$/m);
        expect(text).toContain('service : (InitArgs) -> {');
        expect(text).toContain('  vote : (VoteArgs) -> (ResultProposal);');
        expect(text).toContain('  get_app : (principal) -> (opt AppInfo) query;');
    });

    it("is what types.ts's idlFactory and the client's generated idlFactory offer", () => {
        expect(factoryMethods(idlFactory)).toEqual(built.methods);
        expect(factoryMethods(clientIdlFactory)).toEqual(built.methods);
    });

    it('tells a changed method type from the built one', () => {
        // The comparison above is not blind to a field: one changed field type is a difference.
        const changed = readFileSync(committedPath, 'utf8').replace('type Voter = record { "principal" : principal; weight : nat32; };', 'type Voter = record { "principal" : principal; weight : nat64; };');
        expect(describeService(changed).methods).not.toEqual(built.methods);
    });
});

// The TS types are derived from the IDL values (typed-idl.ts): `npm run typecheck` checks that
// they come out exactly as the values' Candid types say (a derivation that fell back to `any` fails).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const derivedExactly: boolean[] = [
    true satisfies Equal<Voter, { principal: Principal; weight: number }>,
    true satisfies Equal<Policy, { voters: Voter[]; threshold: number; proposers: Principal[]; proposal_lifetime_seconds: bigint; health_check: [] | [string] }>,
    true satisfies Equal<UpgradeOptions, { take_snapshot: boolean; skip_pre_upgrade: boolean; wasm_memory_persistence: [] | [WasmMemoryPersistence] }>,
    true satisfies Equal<WasmMemoryPersistence, { keep: null } | { replace: null }>,
    true satisfies Equal<
        ResumeResult,
        { idle: [] | [ProposalStatus] } | { finished: Outcome } | { in_flight: Step } | { scheduled: Step } | { waiting_for_cycles: { step: Step; balance: bigint; required: bigint } }
    >,
    true satisfies Equal<Extract<UpgraderError, { ModuleIncomplete: unknown }>, { ModuleIncomplete: { hash: Uint8Array; received: number; expected: number } }>,
    true satisfies Equal<InitArgs, [] | [InstallSettings]>,
    true satisfies Equal<UpgraderService['get_app'], (app: Principal) => Promise<[] | [AppInfo]>>,
    true satisfies Equal<UpgraderService['register'], (args: RegisterArgs) => Promise<Result<AppInfo>>>,
    true satisfies Equal<UpgraderService['limits'], () => Promise<Limits>>,
    false satisfies Equal<Voter, any> // the derivation must not fall back to `any`
];

// The client's TS types, generated from upgrader.did, are exactly those types.ts derives (checked by `npm run typecheck`).
const clientTypesAgree: boolean[] = [
    true satisfies Equal<client.Proposal, Proposal>,
    true satisfies Equal<client.AppInfo, AppInfo>,
    true satisfies Equal<client.Execution, Execution>,
    true satisfies Equal<client.AuditPage, AuditPage>,
    true satisfies Equal<client.ResumeResult, ResumeResult>,
    true satisfies Equal<client.UpgraderError, UpgraderError>,
    true satisfies Equal<client.Limits, Limits>,
    true satisfies Equal<client.UpgraderService, UpgraderService>
];

describe('upgrader TS types derived from the IDL values', () => {
    it("are the client's generated types", () => {
        expect(clientTypesAgree).toEqual(Array<boolean>(8).fill(true));
    });

    it('type values the way @dfinity/candid decodes them', () => {
        expect(derivedExactly).toHaveLength(11);
        const policy: Policy = {
            voters: [{ principal: Principal.anonymous(), weight: 2 }],
            threshold: 2,
            proposers: [],
            proposal_lifetime_seconds: 60n,
            health_check: ['healthy']
        };
        expect(IDL.decode([Policy], IDL.encode([Policy], [policy]))).toEqual([policy]);
        const waiting: ResumeResult = { waiting_for_cycles: { step: { upload_chunk: 3 }, balance: 1n, required: 2n } };
        expect(IDL.decode([ResumeResult], IDL.encode([ResumeResult], [waiting]))).toEqual([waiting]);
    });
});

describe("the upgrader's narrow views of management replies", () => {
    /** Each field of `view` is in `full` with the same type: `full` decodes at `view` by record subtyping. */
    const fieldsAgree = (view: IDL.Type, full: IDL.Type, path: string): string[] => {
        if (!(view instanceof IDL.RecordClass)) return canonicalType(view) === canonicalType(full) ? [] : [`${path}: ${canonicalType(view)} is not ${canonicalType(full)}`];
        if (!(full instanceof IDL.RecordClass)) return [`${path}: ${canonicalType(full)} is not a record`];
        return view._fields.flatMap(([name, type]) => {
            const other = full._fields.find(([n]) => n === name)?.[1];
            return other === undefined ? [`${path}.${name}: missing in ic.did`] : fieldsAgree(type, other, `${path}.${name}`);
        });
    };

    it('read fields that ic.did declares, with its types', () => {
        expect(fieldsAgree(CanisterStatusView, canister_status_result, 'canister_status_result')).toEqual([]);
        expect(fieldsAgree(CanisterInfoView, canister_info_result, 'canister_info_result')).toEqual([]);
        expect(fieldsAgree(CanisterInfoView, IDL.Record({ controllers: IDL.Vec(IDL.Principal) }), 'x')).toEqual(['x.module_hash: missing in ic.did']);
    });

    it('decode a full canister_info reply', () => {
        const controller = Principal.fromText('aaaaa-aa');
        const reply = IDL.encode([canister_info_result], [{ controllers: [controller], module_hash: [new Uint8Array(32).fill(7)], recent_changes: [], total_num_changes: 3n }]);
        expect(IDL.decode([CanisterInfoView], reply)).toEqual([{ controllers: [controller], module_hash: [new Uint8Array(32).fill(7)] }]);
    });
});
