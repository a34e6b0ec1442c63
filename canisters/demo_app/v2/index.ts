/**
 * Demo app, version 2: notes have a title, a body, tags and an edit time. post_upgrade migrates
 * v1's notes into the new model (see migrate.ts), so an upgrade from v1 keeps every note.
 */
import { IDL, init, msgCaller, postUpgrade, query, time, trap, update } from 'azle';

import { requestUpgrade, UpgradeRequest } from '../../app_lib';
import { applyConfig, meta, nextId, notesV1, requireOwner, some, upgrader } from '../v1/store';
import { migrate, notesV2, SCHEMA_VERSION } from './migrate';
import { AppConfig, MetaKey, MigrationReport, NoteV2, RequestResult } from './types';

/** Notes migrated inside post_upgrade; the demo's data fits. A larger app would continue in timers. */
const MIGRATION_BATCH = 100_000;

export default class DemoAppV2 {
    @init([AppConfig])
    initialize(arg: AppConfig): void {
        applyConfig(arg);
        meta.insert(MetaKey.schema, SCHEMA_VERSION);
    }

    @postUpgrade([AppConfig])
    afterUpgrade(arg: AppConfig): void {
        applyConfig(arg);
        migrate(MIGRATION_BATCH);
    }

    @update([IDL.Text, IDL.Text, IDL.Vec(IDL.Text)], IDL.Nat64)
    add_note(title: string, body: string, tags: string[]): bigint {
        if (title.length > 200 || body.length > 10_000 || tags.length > 16) trap('note too large: title <= 200, body <= 10,000 characters, <= 16 tags');
        const id = nextId();
        notesV2.insert(id, { author: msgCaller(), title, body, tags, created_at: time(), edited_at: [] });
        return id;
    }

    /** The author edits a note's tags. */
    @update([IDL.Nat64, IDL.Vec(IDL.Text)], IDL.Bool)
    tag_note(id: bigint, tags: string[]): boolean {
        const note = notesV2.get(id);
        if (note === undefined || note.author.compareTo(msgCaller()) !== 'eq' || tags.length > 16) return false;
        notesV2.insert(id, { ...note, tags, edited_at: [time()] });
        return true;
    }

    @query([IDL.Nat64], IDL.Opt(NoteV2))
    get_note(id: bigint): [] | [NoteV2] {
        return some(notesV2.get(id));
    }

    @query([], IDL.Nat64)
    count(): bigint {
        return BigInt(notesV2.len() + notesV1.len());
    }

    @query([], IDL.Text)
    version(): string {
        return 'v2';
    }

    @query([], IDL.Nat64)
    schema_version(): bigint {
        return meta.get(MetaKey.schema) ?? 0n;
    }

    @query([], MigrationReport)
    migration(): MigrationReport {
        return { schema_version: meta.get(MetaKey.schema) ?? 0n, migrated: BigInt(notesV2.len()), remaining_v1: BigInt(notesV1.len()) };
    }

    @query([], IDL.Bool)
    health(): boolean {
        return notesV1.isEmpty();
    }

    @update([UpgradeRequest], RequestResult)
    async request_upgrade(request: UpgradeRequest): Promise<RequestResult> {
        requireOwner();
        const target = upgrader();
        if (target === undefined) return { Err: 'no upgrader is configured' };
        const sent = await requestUpgrade(target, request);
        return sent.sent ? { Ok: null } : { Err: sent.reason };
    }
}
