/**
 * One `azle build` per repository at a time: two builds of one canister at once (e.g. two
 * jest runs) would wipe each other's .azle/<name>/. The lock is a file holding its owner's
 * pid; a lock whose process is gone is taken over.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { repoRoot } from '../paths.js';

const LOCK_WAIT_MS = 15 * 60_000;
/** A lock file still empty after this long was left by a process that died while creating it. */
const LOCK_EMPTY_GRACE_MS = 10_000;

export async function withBuildLock<T>(log: (line: string) => void, body: () => Promise<T>): Promise<T> {
    const lockPath = join(repoRoot, '.azle', '.build.lock');
    await mkdir(dirname(lockPath), { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS;
    let announced = false;
    for (;;) {
        try {
            const handle = await open(lockPath, 'wx');
            await handle.writeFile(`${process.pid}\n`);
            await handle.close();
            break;
        } catch (error) {
            if (!isErrnoError(error, 'EEXIST')) throw error;
        }
        const holder = await lockHolder(lockPath);
        if (holder === 'stale') {
            await rm(lockPath, { force: true });
            continue;
        }
        if (Date.now() > deadline) {
            throw new Error(`gave up waiting for ${lockPath} (held by ${holder}); delete it if no build is running`);
        }
        if (!announced) {
            log(`waiting for another build to finish (${holder})…`);
            announced = true;
        }
        await sleep(250);
    }
    try {
        return await body();
    } finally {
        await rm(lockPath, { force: true });
    }
}

/** Who holds the lock (`pid N`), or 'stale' when its process is gone. */
async function lockHolder(lockPath: string): Promise<string> {
    const [content, info] = await Promise.all([
        readFile(lockPath, 'utf8').catch(() => undefined),
        stat(lockPath).catch(() => undefined)
    ]);
    if (content === undefined || info === undefined) return 'stale'; // released meanwhile: retry
    const pid = Number(content.trim());
    if (content.trim() === '' || !Number.isSafeInteger(pid) || pid <= 0) {
        return Date.now() - info.mtimeMs > LOCK_EMPTY_GRACE_MS ? 'stale' : 'a process starting a build';
    }
    try {
        process.kill(pid, 0);
        return `pid ${pid}`;
    } catch (error) {
        return isErrnoError(error, 'EPERM') ? `pid ${pid}` : 'stale';
    }
}

function isErrnoError(error: unknown, code: string): boolean {
    return error instanceof Error && Reflect.get(error, 'code') === code;
}
