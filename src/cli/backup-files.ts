/**
 * A backup folder on disk: part files written slice by slice at their offsets (so an
 * interrupted download resumes from a file's length), read back in slices for an upload, and
 * hashed without holding them whole.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { PartReader } from '../client/snapshots/upload.js';

export const MANIFEST_FILE = 'manifest.json';
/** Present while a backup is being downloaded: what it downloads, and the hashes of the parts finished. */
export const PENDING_FILE = 'download.json';

const HASH_BLOCK = 8 * 1024 * 1024;

/** Bytes of a file, 0 if it does not exist. */
export function fileLength(path: string): number {
    if (!existsSync(path)) return 0;
    const fd = openSync(path, 'r');
    try {
        return fstatSync(fd).size;
    } finally {
        closeSync(fd);
    }
}

/** SHA-256 (hex) of a file, read in blocks. */
export function sha256File(path: string): string {
    const hash = createHash('sha256');
    const fd = openSync(path, 'r');
    try {
        const block = new Uint8Array(HASH_BLOCK);
        for (let read = readSync(fd, block); read > 0; read = readSync(fd, block)) hash.update(block.subarray(0, read));
    } finally {
        closeSync(fd);
    }
    return hash.digest('hex');
}

/** A part file opened for writing at offsets; `keep` bytes already there are kept (the rest cut). */
export function partWriter(path: string, keep: number): { write(offset: number, bytes: Uint8Array): void; close(): void } {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w');
    ftruncateSync(fd, keep);
    return {
        write(offset, bytes) {
            let done = 0;
            while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
        },
        close: () => closeSync(fd)
    };
}

/** A part file as an upload source (the file stays open until the process ends or `close`). */
export function fileReader(path: string, size: number): PartReader & { close(): void } {
    const fd = openSync(path, 'r');
    return {
        size,
        read(offset, length) {
            const out = new Uint8Array(length);
            let done = 0;
            while (done < length) {
                const n = readSync(fd, out, done, length - done, offset + done);
                if (n === 0) throw new Error(`${path} ended at ${offset + done} bytes, before the ${size} its manifest gives`);
                done += n;
            }
            return out;
        },
        close: () => closeSync(fd)
    };
}

/** Writes a JSON file whole or not at all (write, then rename). */
export function writeJsonAtomically(dir: string, name: string, value: unknown): void {
    const temporary = join(dir, `.${name}.tmp`);
    writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(temporary, join(dir, name));
}
