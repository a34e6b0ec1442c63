/** Candid types of demo app v2: notes gain a title, tags and an edit time. */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { UpgradeRequest } from '../../upgrader/types';
import { RequestResult } from '../v1/types';

export { AppConfig, DemoMemory, MetaKey, RequestResult } from '../v1/types';

export const NoteV2 = IDL.Record({
    author: IDL.Principal,
    title: IDL.Text,
    body: IDL.Text,
    tags: IDL.Vec(IDL.Text),
    created_at: IDL.Nat64,
    edited_at: IDL.Opt(IDL.Nat64)
});
export type NoteV2 = { author: Principal; title: string; body: string; tags: string[]; created_at: bigint; edited_at: [] | [bigint] };

export const MigrationReport = IDL.Record({ schema_version: IDL.Nat64, migrated: IDL.Nat64, remaining_v1: IDL.Nat64 });
export type MigrationReport = { schema_version: bigint; migrated: bigint; remaining_v1: bigint };

/** Demo app v2's service, for actors and scripts (the build generates the same `.did`). */
export const idlFactory: IDL.InterfaceFactory = () =>
    IDL.Service({
        add_note: IDL.Func([IDL.Text, IDL.Text, IDL.Vec(IDL.Text)], [IDL.Nat64], []),
        tag_note: IDL.Func([IDL.Nat64, IDL.Vec(IDL.Text)], [IDL.Bool], []),
        get_note: IDL.Func([IDL.Nat64], [IDL.Opt(NoteV2)], ['query']),
        count: IDL.Func([], [IDL.Nat64], ['query']),
        version: IDL.Func([], [IDL.Text], ['query']),
        schema_version: IDL.Func([], [IDL.Nat64], ['query']),
        migration: IDL.Func([], [MigrationReport], ['query']),
        health: IDL.Func([], [IDL.Bool], ['query']),
        request_upgrade: IDL.Func([UpgradeRequest], [RequestResult], [])
    });

export interface DemoAppV2Service {
    add_note: (title: string, body: string, tags: string[]) => Promise<bigint>;
    tag_note: (id: bigint, tags: string[]) => Promise<boolean>;
    get_note: (id: bigint) => Promise<[] | [NoteV2]>;
    count: () => Promise<bigint>;
    version: () => Promise<string>;
    schema_version: () => Promise<bigint>;
    migration: () => Promise<MigrationReport>;
    health: () => Promise<boolean>;
    request_upgrade: (request: UpgradeRequest) => Promise<{ Ok: null } | { Err: string }>;
}
