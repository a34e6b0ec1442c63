/**
 * v1 -> v2 migration: every NoteV1 becomes a NoteV2 (title = its first line, at most 60
 * characters; body = the whole text; no tags), then leaves the v1 map. Idempotent: a note is
 * removed from the v1 map in the same message that writes it to the v2 map, and the schema
 * version moves to 2 only once the v1 map is empty.
 */
import { StableBTreeMap } from 'azle';

import { candid, u64Key } from '../../upgrader/serde';
import { meta, notesV1 } from '../v1/store';
import type { NoteV1 } from '../v1/types';
import { DemoMemory, MetaKey, NoteV2 } from './types';

export const notesV2 = new StableBTreeMap<bigint, NoteV2>(DemoMemory.notesV2, u64Key, candid(NoteV2));

export const SCHEMA_VERSION = 2n;
const TITLE_CHARS = 60;

function toV2(note: NoteV1): NoteV2 {
    const firstLine = note.text.split('\n')[0] ?? '';
    return { author: note.author, title: firstLine.slice(0, TITLE_CHARS), body: note.text, tags: [], created_at: note.created_at, edited_at: [] };
}

/** Migrates up to `batch` v1 notes; returns how many it moved. */
export function migrate(batch: number): number {
    const page = notesV1.items(0, batch);
    for (const [id, note] of page) {
        notesV2.insert(id, toV2(note));
        notesV1.remove(id);
    }
    if (notesV1.isEmpty()) meta.insert(MetaKey.schema, SCHEMA_VERSION);
    return page.length;
}

