/**
 * Demo app, version 1: a notebook. Notes are plain text, kept in a StableBTreeMap. The owner
 * can ask the upgrader (one-way, through app_lib) to propose the app's own upgrade.
 */
import { IDL, init, postUpgrade, query, trap, update } from 'azle';

import { requestUpgrade, UpgradeRequest } from '../../app_lib';
import { addNoteV1, applyConfig, attachments, meta, notesV1, requireOwner, some, upgrader } from './store';
import { AppConfig, MetaKey, NoteV1, RequestResult } from './types';

const SCHEMA_VERSION = 1n;

export default class DemoAppV1 {
    @init([AppConfig])
    initialize(arg: AppConfig): void {
        applyConfig(arg);
        meta.insert(MetaKey.schema, SCHEMA_VERSION);
    }

    @postUpgrade([AppConfig])
    afterUpgrade(arg: AppConfig): void {
        applyConfig(arg);
    }

    @update([IDL.Text], IDL.Nat64)
    add_note(text: string): bigint {
        return addNoteV1(text);
    }

    @query([IDL.Nat64], IDL.Opt(NoteV1))
    get_note(id: bigint): [] | [NoteV1] {
        return some(notesV1.get(id));
    }

    @query([], IDL.Nat64)
    count(): bigint {
        return BigInt(notesV1.len());
    }

    @query([], IDL.Text)
    version(): string {
        return 'v1';
    }

    @query([], IDL.Nat64)
    schema_version(): bigint {
        return meta.get(MetaKey.schema) ?? 0n;
    }

    /** The upgrader's health check after an upgrade. */
    @query([], IDL.Bool)
    health(): boolean {
        return true;
    }

    /**
     * Owner only: adds `count` attachments of `size` bytes (at most 16 MiB per call), to give the
     * app a large stable state; returns how many attachments it holds.
     */
    @update([IDL.Nat32, IDL.Nat32], IDL.Nat64)
    add_attachments(count: number, size: number): bigint {
        requireOwner();
        if (count * size > 16 * 1024 * 1024) trap('at most 16 MiB of attachments per call');
        let next = BigInt(attachments.len());
        for (let i = 0; i < count; i++) attachments.insert(next++, new Uint8Array(size).fill(i % 251));
        return next;
    }

    /** Owner only: asks the upgrader, one-way, to propose upgrading this app. */
    @update([UpgradeRequest], RequestResult)
    async request_upgrade(request: UpgradeRequest): Promise<RequestResult> {
        requireOwner();
        const target = upgrader();
        if (target === undefined) return { Err: 'no upgrader is configured' };
        const sent = await requestUpgrade(target, request);
        return sent.sent ? { Ok: null } : { Err: sent.reason };
    }
}
