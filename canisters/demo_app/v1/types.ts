/** Candid types and stable layout of demo app v1: a notebook whose notes are plain text. */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { UpgradeRequest as RequestUpgradeArg, type UpgradeRequest } from '../../upgrader/types';

/** init and post_upgrade argument (both versions): fields left empty keep their stored value. */
export const AppConfig = IDL.Record({ owner: IDL.Opt(IDL.Principal), upgrader: IDL.Opt(IDL.Principal) });
export type AppConfig = { owner: [] | [Principal]; upgrader: [] | [Principal] };

export const NoteV1 = IDL.Record({ author: IDL.Principal, text: IDL.Text, created_at: IDL.Nat64 });
export type NoteV1 = { author: Principal; text: string; created_at: bigint };

export const RequestResult = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
export type RequestResult = { Ok: null } | { Err: string };

/**
 * Stable memory ids of the demo app, across versions: never renumber or reuse one.
 * v2 stops writing `notesV1` and migrates it into `notesV2`.
 */
export const DemoMemory = {
    /** nat64 id -> NoteV1 (v1's data model) */
    notesV1: 0,
    /** text -> principal: owner and upgrader */
    config: 1,
    /** text -> nat64: schema version, next note id */
    meta: 2,
    /** nat64 id -> NoteV2 (v2's data model) */
    notesV2: 3,
    /** nat64 id -> raw bytes: attachments, untouched by migrations (benchmarks fill it) */
    attachments: 4
} as const;

export const ConfigKey = { owner: 'owner', upgrader: 'upgrader' } as const;
export const MetaKey = { schema: 'schema_version', nextId: 'next_id' } as const;

/** Demo app v1's service, for actors and scripts (the build generates the same `.did`). */
export const idlFactory: IDL.InterfaceFactory = () =>
    IDL.Service({
        add_note: IDL.Func([IDL.Text], [IDL.Nat64], []),
        get_note: IDL.Func([IDL.Nat64], [IDL.Opt(NoteV1)], ['query']),
        count: IDL.Func([], [IDL.Nat64], ['query']),
        version: IDL.Func([], [IDL.Text], ['query']),
        schema_version: IDL.Func([], [IDL.Nat64], ['query']),
        health: IDL.Func([], [IDL.Bool], ['query']),
        request_upgrade: IDL.Func([RequestUpgradeArg], [RequestResult], []),
        add_attachments: IDL.Func([IDL.Nat32, IDL.Nat32], [IDL.Nat64], [])
    });

export interface DemoAppV1Service {
    add_note: (text: string) => Promise<bigint>;
    get_note: (id: bigint) => Promise<[] | [NoteV1]>;
    count: () => Promise<bigint>;
    version: () => Promise<string>;
    schema_version: () => Promise<bigint>;
    health: () => Promise<boolean>;
    request_upgrade: (request: UpgradeRequest) => Promise<RequestResult>;
    add_attachments: (count: number, size: number) => Promise<bigint>;
}
