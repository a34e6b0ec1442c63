/**
 * Recovery: reading the current generation (CURRENT, its checkpoint, then its log) and
 * deciding what can be trusted. A torn last log record (a crash during an append) is
 * dropped; any other damage refuses to start, naming the file, unless the log may be
 * truncated before the damage (`--recover-truncate-log`).
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptStateError } from '../../replica/index.js';
import { readCheckpoint, scanFrames } from '../frames.js';
import { FORMAT, generationFile } from './files.js';
import { Model } from './model.js';

interface LoadOptions {
    /** Start from the log records before damage instead of refusing (see OpenStateDirOptions). */
    recoverTruncateLog?: boolean;
    log: (line: string) => void;
}

/** What to do when the state directory cannot be trusted. */
function recoveryAdvice(dir: string): string {
    return `Restore ${dir} from a backup, or move it aside to start with an empty replica`;
}

/**
 * Reads the current generation (checkpoint, then log) into `model`; returns its number (0
 * for a new directory). @throws CorruptStateError when the files cannot prove they are whole.
 */
export async function loadGeneration(dir: string, model: Model, options: LoadOptions): Promise<number> {
    const currentPath = join(dir, 'CURRENT');
    if (!existsSync(currentPath)) {
        // A crash during the very first start can leave generation 1 (an empty replica, its log
        // empty) without CURRENT: nothing was ever served from it. Anything else is saved state.
        const orphans = (await readdir(dir)).filter(
            (name) => /^(?:checkpoint-\d+\.bin|wal-\d+\.log)$/.test(name) && name !== 'checkpoint-1.bin' && !(name === 'wal-1.log' && statSync(join(dir, name)).size === 0)
        );
        if (orphans.length > 0) throw new CorruptStateError(`${currentPath} is missing but ${dir} holds saved state (${orphans.join(', ')}): the server will not start empty over it. ${recoveryAdvice(dir)}`);
        return 0;
    }
    let current: { generation?: unknown; format?: unknown };
    try {
        current = JSON.parse(await readFile(currentPath, 'utf8')) as typeof current;
    } catch (error) {
        throw new CorruptStateError(`${currentPath} is damaged (${error instanceof Error ? error.message : String(error)}). ${recoveryAdvice(dir)}`);
    }
    if (typeof current.generation !== 'number') throw new CorruptStateError(`${currentPath} does not name a generation. ${recoveryAdvice(dir)}`);
    if (current.format !== FORMAT) throw new CorruptStateError(`${dir} was written by an incompatible version (format ${String(current.format)}, expected ${FORMAT}). Start it with the version that wrote it, or move it aside to start with an empty replica`);
    const generation = current.generation;

    const checkpointPath = generationFile(dir, 'checkpoint', generation);
    if (!existsSync(checkpointPath)) throw new CorruptStateError(`${checkpointPath}, named by ${currentPath}, is missing. ${recoveryAdvice(dir)}`);
    const checkpoint = readCheckpoint(new Uint8Array(await readFile(checkpointPath)));
    if ('problem' in checkpoint) {
        throw new CorruptStateError(`${checkpointPath} is incomplete or damaged: ${checkpoint.problem}. It cannot prove it holds the whole state, so the server will not start from it. ${recoveryAdvice(dir)}`);
    }
    for (const f of checkpoint.frames) model.apply(f);

    const walPath = generationFile(dir, 'wal', generation);
    let rounds = 0;
    if (existsSync(walPath)) {
        const bytes = new Uint8Array(await readFile(walPath));
        const wal = scanFrames(bytes);
        const stop = wal.stop;
        if (stop.kind === 'corrupt') {
            const where = `record ${stop.index + 1} (byte ${stop.at} of ${bytes.length}) of ${walPath} is damaged (${stop.reason}) and is followed by further data`;
            if (options.recoverTruncateLog !== true) {
                throw new CorruptStateError(
                    `${where}: this is damage, not a write interrupted by a crash, and starting would silently drop every round after it. ` +
                        `To start with the ${stop.index} rounds before it and lose the rest, run again with --recover-truncate-log (the damaged log is kept), or restore ${dir} from a backup`
                );
            }
            const kept = join(dir, `damaged-wal-${generation}-${Date.now()}.log`);
            await copyFile(walPath, kept);
            options.log(`replica: ${where}; --recover-truncate-log: keeping the ${stop.index} rounds before it and dropping ${bytes.length - stop.at} bytes after it (the damaged log is kept as ${kept})`);
        } else if (stop.kind === 'torn') {
            options.log(`replica: ignoring an incomplete last record of ${walPath} (a write interrupted by a crash; that round was never reported)`);
        }
        for (const f of wal.frames) model.apply(f);
        rounds = wal.frames.length;
    }
    options.log(`replica: restored state from ${dir} (generation ${generation}, ${rounds} rounds since the checkpoint, ${model.canisters.size} canisters)`);
    return generation;
}
