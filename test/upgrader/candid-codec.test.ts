/**
 * The upgrader's compiled Candid codec (canisters/upgrader/candid-codec.ts), checked against
 * (Over 400 lines on purpose: one codec, its cases grouped by Candid feature in one place.)
 * @dfinity/candid: what it writes decodes with the library to the same values, what the library
 * writes it decodes to the same values, it reads the wider records the IC sends, recursive types,
 * tuples and the special `opt` rules, and it refuses malformed input with CandidDecodeError. Also the stable records
 * (records.ts) round trip.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { CandidDecodeError, decodeMessage, encodeMessage, MAX_DEPTH, valueCodec } from '../../canisters/upgrader/candid-codec';
import { repoRoot } from '../../scripts/paths';
import { appRecord, auditRecord, executionRecord, moduleRecord, proposalRecord, type StoredApp, type StoredAuditEntry } from '../../canisters/upgrader/records';
import {
    AuditPage,
    CreateModuleArgs,
    Execution,
    type Execution as ExecutionValue,
    Limits,
    type ModuleInfo,
    type Proposal,
    ProposeArgs,
    RegisterArgs,
    ResultApp,
    ResultModule,
    ResultProposal,
    ResultProposalId,
    ResultResume,
    ResultRollout,
    RolloutMembersPage,
    ResultUnit,
    UploadChunkArgs,
    VoteArgs
} from '../../canisters/upgrader/types';

/** The management types the upgrader sends, as in Azle's management IDL (which jest cannot load). */
const management = {
    upload_chunk_args: IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) }),
    install_chunked_code_args: IDL.Record({
        arg: IDL.Vec(IDL.Nat8),
        wasm_module_hash: IDL.Vec(IDL.Nat8),
        mode: IDL.Variant({
            reinstall: IDL.Null,
            upgrade: IDL.Opt(IDL.Record({ wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })), skip_pre_upgrade: IDL.Opt(IDL.Bool) })),
            install: IDL.Null
        }),
        chunk_hashes_list: IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) })),
        target_canister: IDL.Principal,
        store_canister: IDL.Opt(IDL.Principal),
        sender_canister_version: IDL.Opt(IDL.Nat64)
    }),
    update_settings_args: IDL.Record({
        canister_id: IDL.Principal,
        settings: IDL.Record({
            controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
            compute_allocation: IDL.Opt(IDL.Nat),
            memory_allocation: IDL.Opt(IDL.Nat),
            freezing_threshold: IDL.Opt(IDL.Nat),
            reserved_cycles_limit: IDL.Opt(IDL.Nat),
            log_visibility: IDL.Opt(IDL.Variant({ controllers: IDL.Null, public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) })),
            wasm_memory_limit: IDL.Opt(IDL.Nat),
            wasm_memory_threshold: IDL.Opt(IDL.Nat),
            environment_variables: IDL.Opt(IDL.Vec(IDL.Record({ name: IDL.Text, value: IDL.Text })))
        }),
        sender_canister_version: IDL.Opt(IDL.Nat64)
    })
};

const app = Principal.fromText('lqy7q-dh777-77777-aaaaq-cai');
const person = Principal.fromUint8Array(new Uint8Array(29).fill(7));
const hash = Uint8Array.from({ length: 32 }, (_, i) => i * 8);

const proposal: Proposal = {
    id: 42n,
    app,
    proposer: person,
    action: { upgrade: { module_hash: hash, arg: new Uint8Array([0, 255, 7]), options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [{ keep: null }] }, downgrade: true } },
    subject: hash,
    arg_hash: hash,
    from_module: [hash],
    downgrade: true,
    emergency: false,
    created_at: 1_700_000_000_000_000_000n,
    expires_at: 2n ** 64n - 1n,
    votes: [
        { voter: person, approve: true, weight: 4_000_000_000, at: 7n },
        { voter: app, approve: false, weight: 1, at: 8n }
    ],
    approving_weight: 4_000_000_000,
    rejecting_weight: 1,
    status: { executed: { rolled_back: 'naïve “quotes” 😀 \\ "json"' } },
    rehearsal: [{ canister: [app], state_bytes: 1_048_576n, cycles: 10n ** 12n, result: [{ failed: 'trapped 😀' }] }]
};

const execution: ExecutionValue = {
    id: 42n,
    proposal_id: 18_446_744_073_709_551_615n,
    app,
    kind: { upgrade: { module_hash: hash, arg: new Uint8Array([0, 255, 7]), options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [{ replace: null }] }, downgrade: false } },
    step: { upload_chunk: 3 },
    was_running: true,
    snapshot_id: [new Uint8Array([1, 2, 3])],
    chunk_hashes: [new Uint8Array(32).fill(9), new Uint8Array(0)],
    failure: [{ install_failed: 'naïve 😀' }],
    attempt: 2,
    lease_until: 0n,
    retries: 1,
    waiting: ['for cycles 😀'],
    started_at: 1_700_000_000_000_000_000n,
    updated_at: 1n,
    rehearsal: [{ report: { canister: [], state_bytes: 0n, cycles: 0n, result: [] }, creations: 2, copy: [{ source: hash, target: [], wasm_module_size: 3n, wasm_memory_size: 0n, stable_memory_size: 2n ** 40n, chunks: [hash] }] }],
    rollout: [{ group: person, index: 4_294_967_295, app_store: true }]
};

const moduleInfo: ModuleInfo = { app, hash, size: 3_500_000n, chunks_expected: 4, chunks_received: 2, uploader: person, created_at: 5n, complete: false, rejected: false };

/** Values of the upgrader's own message types, including every kind of Candid value it uses. */
const messages: Array<[string, IDL.Type, unknown]> = [
    ['Result<Proposal> Ok', ResultProposal, { Ok: proposal }],
    ['Result<Proposal> Err with a nested status', ResultProposal, { Err: { ProposalNotOpen: { id: 3n, status: { cancelled: 'by recovery' } } } }],
    ['Result<nat64>', ResultProposalId, { Ok: 5n }],
    ['Result<()>', ResultUnit, { Ok: null }],
    ['Result<ModuleInfo>', ResultModule, { Ok: moduleInfo }],
    ['Result<ResumeResult> idle, none', ResultResume, { Ok: { idle: [] } }],
    ['Result<ResumeResult> finished', ResultResume, { Ok: { finished: { upgraded: null } } }],
    ['Result<AppInfo> Err ManagementCallFailed', ResultApp, { Err: { ManagementCallFailed: { method: 'canister_status', reject_code: 4, message: 'no' } } }],
    ['Execution', Execution, execution],
    [
        'Result<Rollout> halted',
        ResultRollout,
        {
            Ok: {
                group: person,
                proposal_id: 7n,
                module_hash: hash,
                plan: { canary: 1, batch_size: 50, max_concurrency: 10, max_failure_percent: 255 },
                total: 200,
                next: 11,
                wave_end: 51,
                counts: { pending: 189, running: 0, upgraded: 10, rolled_back: 1, failed: 0, skipped: 0 },
                status: { halted: 'canary 😀' },
                paused: true,
                started_at: 1n,
                updated_at: 2n,
                ended_at: [3n]
            }
        }
    ],
    ['RolloutMembersPage', RolloutMembersPage, { members: [{ index: 0, app, state: { rolled_back: 'x' } }, { index: 1, app: person, state: { pending: null } }], next: [2], total: 3 }],
    ['AuditPage', AuditPage, { entries: [{ seq: 1n, at: 2n, app, proposal_id: [9n], actor: person, event: { step_failed: { step: { stop: null }, message: 'x' } } }], next: [], total: 1n }],
    [
        'Limits',
        Limits,
        {
            max_apps: 1000,
            max_apps_per_registrant: 20,
            max_voters: 32,
            max_proposers: 16,
            max_module_bytes: 1n,
            chunk_bytes: 1,
            max_modules_per_app: 4,
            max_app_store_bytes: 7n,
            max_store_bytes: 2n,
            module_ttl_seconds: 3n,
            max_arg_bytes: 4,
            max_proposals_kept: 5,
            max_audit_entries: 6,
            max_audit_entries_per_app: 8,
            max_group_members: 5_000,
            max_named_members: 1_000,
            max_rollout_concurrency: 50,
            max_snapshots_kept: 255,
            registration_fee: 2n ** 70n,
            storage_fee_per_mib: 0n,
            execution_reserve_cycles: 340_282_366_920_938_463_463_374_607_431_768_211_455n,
            freezing_reserve_cycles: 0n,
            lease_seconds: 600n,
            watchdog_interval_seconds: 30n,
            max_recovery_seconds: 18_446_744_073_709_551_615n
        }
    ],
    ['ProposeArgs change_policy', ProposeArgs, { app, action: { change_policy: { policy: { voters: [{ principal: person, weight: 1 }], threshold: 1, proposers: [], proposal_lifetime_seconds: 60n, health_check: ['health'] }, snapshot_policy: { keep: 2, required: true, rehearse: false } } } }],
    ['RegisterArgs', RegisterArgs, { app, policy: { voters: [{ principal: person, weight: 3 }], threshold: 2, proposers: [app], proposal_lifetime_seconds: 3600n, health_check: [] }, snapshot_policy: { keep: 0, required: false, rehearse: false }, recovery: person }],
    ['VoteArgs', VoteArgs, { proposal_id: 1n, subject: hash, approve: true }],
    ['CreateModuleArgs', CreateModuleArgs, { app, hash, size: 3n }],
    ['UploadChunkArgs, empty chunk', UploadChunkArgs, { app, hash, index: 0, chunk: new Uint8Array(0) }],
    [
        'install_chunked_code_args',
        management.install_chunked_code_args,
        {
            mode: { upgrade: [{ skip_pre_upgrade: [true], wasm_memory_persistence: [] }] },
            target_canister: app,
            store_canister: [],
            chunk_hashes_list: [{ hash }, { hash: new Uint8Array(32) }],
            wasm_module_hash: hash,
            arg: new Uint8Array([68, 73, 68, 76, 0, 0]),
            sender_canister_version: [7n]
        }
    ],
    [
        'update_settings_args (nat values)',
        management.update_settings_args,
        {
            canister_id: app,
            settings: {
                controllers: [[app, person]],
                compute_allocation: [2n ** 70n],
                memory_allocation: [0n],
                freezing_threshold: [],
                reserved_cycles_limit: [],
                log_visibility: [{ allowed_viewers: [person] }],
                wasm_memory_limit: [],
                wasm_memory_threshold: [],
                environment_variables: []
            },
            sender_canister_version: []
        }
    ]
];

/** Decoded values compared by content (a blob view equals a copy with the same bytes). */
function plain(value: unknown): unknown {
    return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `blob:${Buffer.from(v).toString('hex')}` : v instanceof Principal ? `principal:${v.toText()}` : v)));
}

describe('encodeMessage', () => {
    it.each(messages)('writes %s so that @dfinity/candid reads the same value', (_name, type, value) => {
        const bytes = encodeMessage([type], [value]);
        expect(plain(IDL.decode([type], bytes))).toEqual(plain(IDL.decode([type], IDL.encode([type], [value]))));
    });

    it('writes several arguments, and none', () => {
        const bytes = encodeMessage([IDL.Text, IDL.Principal, IDL.Opt(IDL.Nat8)], ['hé', app, [7]]);
        expect(plain(IDL.decode([IDL.Text, IDL.Principal, IDL.Opt(IDL.Nat8)], bytes))).toEqual(plain(['hé', app, [7]]));
        expect(Array.from(encodeMessage([], []))).toEqual(Array.from(IDL.encode([], [])));
    });

    it('writes the upload_chunk argument with one copy of the chunk, as long as the library does', () => {
        for (const size of [0, 5, 1024 * 1024]) {
            const chunk = Uint8Array.from({ length: size }, (_, i) => (i * 7) % 256);
            const bytes = encodeMessage([management.upload_chunk_args], [{ canister_id: app, chunk }]);
            const decoded = IDL.decode([management.upload_chunk_args], bytes)[0] as unknown as { canister_id: Principal; chunk: Uint8Array };
            expect(decoded.canister_id.toText()).toBe(app.toText());
            expect(Buffer.from(decoded.chunk).equals(Buffer.from(chunk))).toBe(true);
            expect(bytes.length).toBe(IDL.encode([management.upload_chunk_args], [{ canister_id: app, chunk }]).byteLength);
        }
    });

    it('refuses values that are not of the type', () => {
        expect(() => encodeMessage([ResultProposalId], [{ Ok: -1n }])).toThrow();
        expect(() => encodeMessage([ResultProposalId], [{ Ok: 5n, Err: null }])).toThrow();
        expect(() => encodeMessage([VoteArgs], [{ proposal_id: 1n, subject: hash }])).toThrow(/approve/);
        expect(() => encodeMessage([IDL.Nat32], [2 ** 32])).toThrow();
        expect(() => encodeMessage([IDL.Nat8], [1.5])).toThrow();
        expect(() => encodeMessage([IDL.Principal], ['aaaaa-aa'])).toThrow();
        expect(() => encodeMessage([IDL.Opt(IDL.Text)], ['x'])).toThrow();
        expect(() => encodeMessage([IDL.Bool], [1])).toThrow();
    });
});

describe('decodeMessage', () => {
    it.each(messages)('reads %s as @dfinity/candid does, from the library and from itself', (_name, type, value) => {
        const expected = plain(IDL.decode([type], IDL.encode([type], [value])));
        expect(plain(decodeMessage([type], IDL.encode([type], [value])))).toEqual(expected);
        expect(plain(decodeMessage([type], encodeMessage([type], [value])))).toEqual(expected);
        // A header seen before is recognized (second decode), and blobs come back as Uint8Array.
        expect(plain(decodeMessage([type], IDL.encode([type], [value])))).toEqual(expected);
    });

    it('reads a 1 MiB chunk as a view of the message, without copying it', () => {
        const chunk = new Uint8Array(1024 * 1024).fill(3);
        const bytes = new Uint8Array(IDL.encode([UploadChunkArgs], [{ app, hash, index: 2, chunk }]));
        const [args] = decodeMessage([UploadChunkArgs], bytes) as [{ app: Principal; hash: Uint8Array; index: number; chunk: Uint8Array }];
        expect(args.index).toBe(2);
        expect(args.chunk.length).toBe(chunk.length);
        expect(args.chunk.buffer).toBe(bytes.buffer);
        expect(args.app.toText()).toBe(app.toText());
    });

    it('reads a wider record from the IC (canister_status) as the narrow record the upgrader asks for', () => {
        const StatusResult = IDL.Record({
            status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
            module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
            settings: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
            // Absent on the wire: an opt field reads as none.
            not_sent: IDL.Opt(IDL.Nat)
        });
        const Wide = IDL.Record({
            status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null, future: IDL.Text }),
            module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
            memory_size: IDL.Nat,
            cycles: IDL.Nat,
            settings: IDL.Record({ controllers: IDL.Vec(IDL.Principal), compute_allocation: IDL.Nat, log_visibility: IDL.Variant({ public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) }), names: IDL.Vec(IDL.Text) }),
            query_stats: IDL.Record({ num_calls_total: IDL.Nat, response_payload_bytes_total: IDL.Nat }),
            reserved: IDL.Opt(IDL.Record({ a: IDL.Int, b: IDL.Float64, c: IDL.Int16, d: IDL.Opt(IDL.Bool) }))
        });
        const wide = {
            status: { stopped: null },
            module_hash: [hash],
            memory_size: 2n ** 80n,
            cycles: 5n,
            settings: { controllers: [app, person], compute_allocation: 0n, log_visibility: { allowed_viewers: [person] }, names: ['a', 'é'] },
            query_stats: { num_calls_total: 300n, response_payload_bytes_total: 1n },
            reserved: [{ a: -5n, b: 1.5, c: -2, d: [true] }]
        };
        const bytes = IDL.encode([Wide], [wide]);
        const expected = plain(IDL.decode([StatusResult], bytes));
        expect(plain(decodeMessage([StatusResult], bytes))).toEqual(expected);
        expect(plain(decodeMessage([StatusResult], bytes))).toEqual(expected);
        // A status case the upgrader does not know cannot be read, by either decoder.
        const future = IDL.encode([Wide], [{ ...wide, status: { future: 'x' } }]);
        expect(() => decodeMessage([StatusResult], future)).toThrow();
    });

    it('skips extra values and reads nat as int', () => {
        const bytes = IDL.encode([IDL.Nat, IDL.Text, IDL.Vec(IDL.Opt(IDL.Principal))], [300n, 'extra', [[app], []]]);
        expect(decodeMessage([IDL.Int], bytes)).toEqual([300n]);
    });

    it('reads recursive types, tuples and the special opt rules itself, as the library does', () => {
        const List = IDL.Rec();
        List.fill(IDL.Opt(IDL.Record({ head: IDL.Nat32, tail: List })));
        const list = [{ head: 1, tail: [{ head: 2, tail: [] }] }];
        const bytes = IDL.encode([List], [list]);
        expect(decodeMessage([List], bytes)).toEqual([list]);
        expect(IDL.decode([List], encodeMessage([List], [list]))).toEqual([list]);

        const Pair = IDL.Tuple(IDL.Nat8, IDL.Text);
        const pair = IDL.encode([Pair], [[1, 'a']]);
        expect(decodeMessage([Pair], pair)).toEqual([[1, 'a']]);
        expect(IDL.decode([Pair], encodeMessage([Pair], [[1, 'a']]))).toEqual([[1, 'a']]);

        // A value of a non-opt type read as opt is some value; one that does not coerce is none.
        const plainText = IDL.encode([IDL.Text], ['x']);
        expect(decodeMessage([IDL.Opt(IDL.Text)], plainText)).toEqual(IDL.decode([IDL.Opt(IDL.Text)], plainText));
        expect(decodeMessage([IDL.Opt(IDL.Nat)], plainText)).toEqual([[]]);
    });

    it('refuses malformed messages as the library does', () => {
        const good = new Uint8Array(IDL.encode([VoteArgs], [{ proposal_id: 1n, subject: hash, approve: true }]));
        // Fields in label-id order: subject, approve, proposal_id (8 bytes, last).
        const badBool = good.slice();
        badBool[good.length - 9] = 2;
        const cases: Uint8Array[] = [
            good.subarray(0, good.length - 1), // truncated
            new Uint8Array([...good, 0]), // trailing byte
            badBool, // bool 2
            new Uint8Array([0x44, 0x49, 0x44, 0x4d, 0, 0]), // wrong magic
            new Uint8Array([0x44, 0x49, 0x44, 0x4c, 1, 0x6d, 0x7f, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]) // vec null of 2^32 - 1
        ];
        for (const bytes of cases) {
            expect(() => decodeMessage([VoteArgs], bytes)).toThrow(CandidDecodeError);
            expect(() => IDL.decode([VoteArgs], bytes)).toThrow();
        }
        const badUtf8 = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x71, 2, 0xc3, 0x28]);
        expect(() => decodeMessage([IDL.Text], badUtf8)).toThrow();
        const opaquePrincipal = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x68, 0]);
        expect(() => decodeMessage([IDL.Principal], opaquePrincipal)).toThrow();
    });
});

describe('stable records (Candid values without a header)', () => {
    it('round-trip every stored type, typed as before', () => {
        const stored: StoredApp = {
            info: {
                app,
                policy: { voters: [{ principal: person, weight: 1 }], threshold: 1, proposers: [app], proposal_lifetime_seconds: 3600n, health_check: ['health'] },
                snapshot_policy: { keep: 2, required: false, rehearse: false },
                recovery: person,
                registered_by: person,
                registered_at: 9n,
                paused: true,
                live_proposal: [42n],
                snapshots: [{ id: new Uint8Array(18).fill(1), taken_at: 3n, proposal_id: 4n }],
                policy_version: 7,
                group: [person],
                members: 5_000
            },
            modules: [hash],
            running: [hash],
            ran: [hash, new Uint8Array(32)]
        };
        const entry: StoredAuditEntry = { entry: { seq: 1n, at: 2n, app, proposal_id: [], actor: person, event: { voted: { approve: true, weight: 2 } } }, app_position: 8n };
        const cases: Array<[{ toBytes: (v: never) => Uint8Array; fromBytes: (b: Uint8Array) => unknown }, unknown]> = [
            [appRecord, stored],
            [proposalRecord, proposal],
            [executionRecord, execution],
            [moduleRecord, moduleInfo],
            [auditRecord, entry]
        ];
        for (const [codec, value] of cases) {
            const bytes = codec.toBytes(value as never);
            const back = codec.fromBytes(bytes.slice());
            expect(plain(back)).toEqual(plain(value));
        }
        const back = executionRecord.fromBytes(executionRecord.toBytes(execution).slice());
        expect(back.app).toBeInstanceOf(Principal);
        expect(back.chunk_hashes[0]).toBeInstanceOf(Uint8Array);
        expect(typeof back.lease_until).toBe('bigint');
        expect(typeof back.attempt).toBe('number');
    });

    it('is the Candid value encoding: the library reads it behind the type header', () => {
        const bytes = executionRecord.toBytes(execution);
        const header = encodeMessage([Execution], [execution]);
        const valueStart = header.length - bytes.length;
        expect(Array.from(header.subarray(valueStart))).toEqual(Array.from(bytes));
        expect(plain(IDL.decode([Execution], header)[0])).toEqual(plain(execution));
    });

    it('refuses trailing or missing bytes', () => {
        const codec = valueCodec<{ a: number }>(IDL.Record({ a: IDL.Nat32 }));
        const bytes = codec.toBytes({ a: 5 });
        expect(bytes.length).toBe(4);
        expect(() => codec.fromBytes(new Uint8Array([...bytes, 0]))).toThrow();
        expect(() => codec.fromBytes(bytes.subarray(0, 3))).toThrow();
    });
});

describe('issue 7 item 13: decoding is bounded and strict, with no fallback', () => {
    const vote = { proposal_id: 1n, subject: hash, approve: true };

    /** `bytes` with the first occurrence of `marker` replaced by `replacement` (same length). */
    function patch(bytes: Uint8Array, marker: number[], replacement: number[]): Uint8Array {
        const out = new Uint8Array(bytes);
        const at = Buffer.from(out).indexOf(Buffer.from(marker));
        expect(at).toBeGreaterThan(0);
        out.set(replacement, at);
        return out;
    }

    function rejection(types: IDL.Type[], bytes: Uint8Array): { error: unknown; ms: number } {
        const started = performance.now();
        try {
            decodeMessage(types, bytes);
        } catch (error) {
            return { error, ms: performance.now() - started };
        }
        throw new Error('the message was accepted');
    }

    it('refuses a VoteArgs with an extra vec null of 10^9 elements at once, with flat memory', () => {
        const withEmpty = new Uint8Array(IDL.encode([VoteArgs, IDL.Vec(IDL.Null)], [vote, []]));
        expect(withEmpty[withEmpty.length - 1]).toBe(0);
        const bomb = new Uint8Array([...withEmpty.subarray(0, withEmpty.length - 1), 0x80, 0x94, 0xeb, 0xdc, 0x03]);
        const heapBefore = process.memoryUsage().heapUsed;
        const { error, ms } = rejection([VoteArgs], bomb);
        expect(error).toBeInstanceOf(CandidDecodeError);
        expect((error as CandidDecodeError).reason).toBe('too-costly');
        expect(ms).toBeLessThan(200);
        expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 1024 * 1024);
        // Within the quota, the same shape is an ordinary message.
        const small = new Uint8Array([...withEmpty.subarray(0, withEmpty.length - 1), 0xe8, 0x07]);
        expect(plain(decodeMessage([VoteArgs], small))).toEqual(plain([vote]));
    });

    it('bounds a recursive expected type: "fix record" read at "fix record opt" is refused quickly', () => {
        const OptRec = IDL.Rec();
        OptRec.fill(IDL.Opt(IDL.Tuple(OptRec)));
        const fixRecord = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 1, 0x6c, 1, 0, 0, 1, 0]);
        const { error, ms } = rejection([OptRec], fixRecord);
        expect(error).toBeInstanceOf(CandidDecodeError);
        expect(ms).toBeLessThan(200);
        // A value nested deeper than MAX_DEPTH is refused too; one within it is read.
        const List = IDL.Rec();
        List.fill(IDL.Opt(IDL.Tuple(IDL.Nat8, List)));
        let deep: unknown = [];
        for (let i = 0; i < MAX_DEPTH; i++) deep = [[i % 256, deep]];
        expect(rejection([List], encodeMessage([List], [deep])).error).toBeInstanceOf(CandidDecodeError);
        let shallow: unknown = [];
        for (let i = 0; i < 50; i++) shallow = [[i, shallow]];
        expect(decodeMessage([List], encodeMessage([List], [shallow]))).toEqual([shallow]);
    });

    it('checks UTF-8 in text it skips: an extra argument, an extra field, a value read as reserved', () => {
        const QQ = [0x02, 0x51, 0x51];
        const BAD = [0x02, 0xc3, 0x28];
        const extraArg = patch(new Uint8Array(IDL.encode([VoteArgs, IDL.Text], [vote, 'QQ'])), QQ, BAD);
        const extraField = patch(new Uint8Array(IDL.encode([IDL.Record({ proposal_id: IDL.Nat64, subject: IDL.Vec(IDL.Nat8), approve: IDL.Bool, note: IDL.Text })], [{ ...vote, note: 'QQ' }])), QQ, BAD);
        const asReserved = patch(new Uint8Array(IDL.encode([IDL.Text], ['QQ'])), QQ, BAD);
        for (const [types, bytes] of [[[VoteArgs], extraArg], [[VoteArgs], extraField], [[IDL.Reserved], asReserved]] as const) {
            const { error } = rejection([...types], bytes);
            expect(error).toBeInstanceOf(CandidDecodeError);
            expect((error as Error).message).toMatch(/UTF-8/);
        }
    });

    it('refuses an extra bool byte 02 and an extra opt tag 07', () => {
        const bool = new Uint8Array(IDL.encode([VoteArgs, IDL.Bool], [vote, true]));
        bool[bool.length - 1] = 2;
        const opt = new Uint8Array(IDL.encode([VoteArgs, IDL.Opt(IDL.Nat8)], [vote, []]));
        opt[opt.length - 1] = 7;
        expect((rejection([VoteArgs], bool).error as Error).message).toMatch(/bool byte 2/);
        expect((rejection([VoteArgs], opt).error as Error).message).toMatch(/opt tag 7/);
    });

    it('never hands a message to @dfinity/candid: no part of the codec calls IDL.decode', () => {
        const dir = join(repoRoot, 'canisters', 'upgrader', 'candid');
        const sources = [join(repoRoot, 'canisters', 'upgrader', 'candid-codec.ts'), ...readdirSync(dir).map((f) => join(dir, f))];
        expect(sources.length).toBeGreaterThan(5);
        for (const file of sources) expect([file, /IDL\.decode\b/.test(readFileSync(file, 'utf8'))]).toEqual([file, false]);
    });
});
