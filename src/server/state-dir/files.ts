/**
 * The state directory's files: their names and format number, durable writes (temp file,
 * fsync, rename; directory fsync) and the LOCK that keeps a second server out.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** 2: frames with a header check, checkpoints with an end frame (frames.ts). */
export const FORMAT = 2;

/** `checkpoint-<n>.bin` or `wal-<n>.log` of generation `n` in `dir`. */
export function generationFile(dir: string, kind: 'checkpoint' | 'wal', generation: number): string {
    return join(dir, kind === 'checkpoint' ? `checkpoint-${generation}.bin` : `wal-${generation}.log`);
}

export async function writeFileDurably(path: string, chunks: Uint8Array[]): Promise<void> {
    const temp = `${path}.tmp`;
    const handle = await open(temp, 'w');
    try {
        for (const chunk of chunks) await handle.write(chunk);
        await handle.sync();
    } finally {
        await handle.close();
    }
    await rename(temp, path);
}

export async function syncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
        await handle.sync();
    } finally {
        await handle.close();
    }
}

/** Directories locked by this process (a pid check cannot tell two servers of one process apart). */
const lockedHere = new Set<string>();

export function acquireLock(dir: string): string {
    const path = resolve(dir, 'LOCK');
    if (lockedHere.has(path)) throw new Error(`State directory ${dir} is in use by process ${process.pid} (this process)`);
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            const fd = openSync(path, 'wx');
            writeSync(fd, String(process.pid));
            closeSync(fd);
            lockedHere.add(path);
            return path;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
            const pid = Number(readFileSync(path, 'utf8').trim());
            if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
                throw new Error(`State directory ${dir} is in use by process ${pid} (remove ${path} if that is wrong)`);
            }
            unlinkSync(path);
        }
    }
    throw new Error(`Could not lock state directory ${dir}`);
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}

export async function releaseLock(path: string): Promise<void> {
    lockedHere.delete(path);
    await unlink(path).catch(() => undefined);
}
