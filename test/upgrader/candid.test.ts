/**
 * The committed Candid interface is the one the build produces, and the TS `idlFactory` that
 * clients use offers the same methods with the same modes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { CanisterInfoView, CanisterStatusView } from '../../canisters/upgrader/management-views';
import { canister_info_result, canister_status_result } from '../../canisters/upgrader/management-idl';
import { canonicalType } from '../../src/candid/canonical';
import {
    type AppInfo,
    idlFactory,
    type InitArgs,
    type InstallSettings,
    type Limits,
    type Outcome,
    Policy,
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

describe('upgrader Candid interface', () => {
    const committed = readFileSync(committedPath, 'utf8');
    const built = readFileSync(didPath('upgrader'), 'utf8');

    it('is committed exactly as the build generates it', () => {
        // On a difference: review it, then `cp .azle/upgrader/upgrader.did canisters/upgrader/upgrader.did`.
        expect(committed).toBe(built);
    });

    it('lists the same methods, queries and updates as the client idlFactory', () => {
        const fromDid = new Map<string, boolean>();
        for (const line of committed.split('\n')) {
            const match = /^\s{4}([a-z_]+): \(.*\) -> \(.*\)( query)?;$/.exec(line);
            if (match?.[1] !== undefined) fromDid.set(match[1], match[2] !== undefined);
        }
        const service = idlFactory({ IDL }) as IDL.ServiceClass;
        const fromFactory = new Map(service._fields.map(([name, func]) => [name, func.annotations.includes('query')] as const));
        expect([...fromDid.entries()].sort()).toEqual([...fromFactory.entries()].sort());
        expect(fromDid.size).toBe(23);
    });

    it('types each method exactly like the client idlFactory', () => {
        // @dfinity/candid prints types the way Azle writes them, except that Azle quotes field
        // names that are Candid keywords ("principal").
        const normalized = committed.replaceAll('"principal":', 'principal:');
        const service = idlFactory({ IDL }) as IDL.ServiceClass;
        for (const [name, func] of service._fields) {
            const args = func.argTypes.map((t) => t.display()).join(', ');
            const results = func.retTypes.map((t) => t.display()).join(', ');
            const mode = func.annotations.includes('query') ? ' query' : '';
            expect(normalized).toContain(`    ${name}: (${args}) -> (${results})${mode};\n`);
        }
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

describe('upgrader TS types derived from the IDL values', () => {
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
