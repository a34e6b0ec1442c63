/**
 * A state directory that was damaged (not merely interrupted by a crash) is refused with an
 * error naming the file, never read as a smaller state: a checkpoint must prove it is whole,
 * and only the last record of a log may be torn. `--recover-truncate-log` starts from the
 * log records before the damage, on purpose.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Principal } from '@dfinity/principal';
import { MANAGEMENT_CANISTER_ID } from '../../src/replica/index.js';
import { decodeManagementResult, encodeManagementArgs } from '../../src/replica/management/candid.js';
import { FRAME_HEADER_BYTES } from '../../src/server/frames.js';
import { ReplicaNode } from '../../src/server/node.js';
import { openStateDir } from '../../src/server/persistence.js';
import { settingsWith } from './support.js';
import { repoRoot } from '../../scripts/paths.js';

/** Runs `npm run replica`'s script; resolves with its exit code and output once it exits (after SIGTERM once it listens). */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/replica.ts', '--port', '0', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('listening on ')) child.kill('SIGTERM');
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const dirs: string[] = [];
function stateDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'replica-damage-'));
    dirs.push(dir);
    return dir;
}

afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const quiet = { verifySignatures: true, live: false, log: (): void => undefined };
const controller = Principal.fromUint8Array(new Uint8Array([7, 7, 7, 3]));

async function createCanister(node: ReplicaNode): Promise<Principal> {
    const id = randomBytes(32).toString('hex');
    const arg = encodeManagementArgs('provisional_create_canister_with_cycles', { amount: [10n ** 12n], settings: [settingsWith([controller])], specified_id: [], sender_canister_version: [] });
    const submitted = node.submit({ sender: controller, canisterId: MANAGEMENT_CANISTER_ID, method: 'provisional_create_canister_with_cycles', arg, messageId: id });
    if ('err' in submitted) throw new Error(submitted.err.message);
    const status = await node.awaitIngress(id, { maxRounds: 20 });
    if (status?.status !== 'replied') throw new Error(`create: ${JSON.stringify(status)}`);
    return decodeManagementResult('provisional_create_canister_with_cycles', status.reply).canister_id;
}

function generation(dir: string): number {
    return (JSON.parse(readFileSync(join(dir, 'CURRENT'), 'utf8')) as { generation: number }).generation;
}

/** Start offsets of the frames of a file (and its length at the end). */
function frameOffsets(bytes: Uint8Array): number[] {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const offsets: number[] = [];
    let at = 0;
    while (at < bytes.length) {
        offsets.push(at);
        at += FRAME_HEADER_BYTES + view.getUint32(at);
    }
    expect(at).toBe(bytes.length);
    return offsets;
}

/** A cleanly closed directory with `count` canisters. */
async function closedDir(count: number): Promise<string> {
    const dir = stateDir();
    const node = await openStateDir(dir, quiet);
    for (let i = 0; i < count; i++) await createCanister(node);
    await node.close();
    return dir;
}

/**
 * What a kill -9 leaves after `count` answered rounds: a copy of the directory taken while
 * the server runs (every answered round is fsync'ed in the log by then).
 */
async function crashedDir(count: number): Promise<{ dir: string; wal: string }> {
    const live = stateDir();
    const node = await openStateDir(live, quiet);
    for (let i = 0; i < count; i++) await createCanister(node);
    const dir = stateDir();
    for (const name of readdirSync(live)) if (name !== 'LOCK') copyFileSync(join(live, name), join(dir, name));
    await node.close();
    return { dir, wal: join(dir, `wal-${generation(dir)}.log`) };
}

describe('checkpoint completeness', () => {
    it('refuses a checkpoint whose last frame was cut off, and deletes nothing', async () => {
        const dir = await closedDir(2);
        const path = join(dir, `checkpoint-${generation(dir)}.bin`);
        const whole = readFileSync(path);
        const offsets = frameOffsets(whole);
        for (const cut of [offsets[offsets.length - 1]!, offsets[offsets.length - 2]!]) {
            writeFileSync(path, whole.subarray(0, cut));
            await expect(openStateDir(dir, quiet)).rejects.toThrow(new RegExp(`${path.replace(/[/.]/g, '\\$&')} is incomplete or damaged: .*Restore .* from a backup`));
            expect(existsSync(path)).toBe(true);
            expect(readFileSync(path).length).toBe(cut);
        }
        writeFileSync(path, whole);
        const node = await openStateDir(dir, quiet);
        expect(node.subnet.canisters.size).toBe(2);
        await node.close();
    });

    it('refuses a checkpoint with a flipped byte or a torn end', async () => {
        const dir = await closedDir(1);
        const path = join(dir, `checkpoint-${generation(dir)}.bin`);
        const whole = readFileSync(path);
        const flipped = Buffer.from(whole);
        flipped[Math.floor(whole.length / 2)]! ^= 0x40;
        writeFileSync(path, flipped);
        await expect(openStateDir(dir, quiet)).rejects.toThrow(/is incomplete or damaged/);
        writeFileSync(path, whole.subarray(0, whole.length - 5));
        await expect(openStateDir(dir, quiet)).rejects.toThrow(/is incomplete or damaged: it is cut short/);
    });

    it('refuses to start empty over saved state when CURRENT is missing', async () => {
        const dir = await closedDir(1);
        rmSync(join(dir, 'CURRENT'));
        await expect(openStateDir(dir, quiet)).rejects.toThrow(/CURRENT is missing but .* holds saved state/);
        expect(readdirSync(dir).some((name) => name.startsWith('checkpoint-'))).toBe(true);
    });
});

describe('a crash during the first start', () => {
    it('starts anew when only the first, empty generation was written before CURRENT', async () => {
        const live = stateDir();
        const node = await openStateDir(live, quiet);
        const dir = stateDir();
        for (const name of readdirSync(live)) if (name !== 'LOCK' && name !== 'CURRENT') copyFileSync(join(live, name), join(dir, name));
        await node.close();
        expect(readdirSync(dir).sort()).toEqual(['checkpoint-1.bin', 'keys.json', 'wal-1.log']);
        const restarted = await openStateDir(dir, quiet);
        expect(restarted.subnet.canisters.size).toBe(0);
        await restarted.close();
    });
});

describe('log damage versus a torn tail', () => {
    it('recovers a torn last record to the last complete round', async () => {
        const { dir, wal } = await crashedDir(3);
        const bytes = readFileSync(wal);
        const offsets = frameOffsets(bytes);
        expect(offsets.length).toBeGreaterThanOrEqual(3);
        const last = offsets[offsets.length - 1]!;
        // A prefix of the last record, then zeros (as a crash during the append can leave it).
        writeFileSync(wal, Buffer.concat([bytes.subarray(0, last + Math.floor((bytes.length - last) / 2)), Buffer.alloc(100)]));
        const lines: string[] = [];
        const node = await openStateDir(dir, { ...quiet, log: (line) => lines.push(line) });
        expect(lines.join('\n')).toMatch(/ignoring an incomplete last record/);
        expect(node.subnet.canisters.size).toBeGreaterThanOrEqual(2);
        await node.close();
    });

    it('refuses a damaged record followed by further records, naming the file and the flag', async () => {
        const { dir, wal } = await crashedDir(3);
        const bytes = readFileSync(wal);
        const offsets = frameOffsets(bytes);
        const damaged = Buffer.from(bytes);
        damaged[offsets[1]! + FRAME_HEADER_BYTES + 3]! ^= 0xff;
        writeFileSync(wal, damaged);
        await expect(openStateDir(dir, quiet)).rejects.toThrow(new RegExp(`record 2 \\(byte ${offsets[1]} .*${wal.replace(/[/.]/g, '\\$&')} is damaged .*--recover-truncate-log`));
        // A damaged length field is damage too, not a torn tail.
        const badLength = Buffer.from(bytes);
        badLength.writeUInt32BE(0x00ffffff, offsets[1]!);
        writeFileSync(wal, badLength);
        await expect(openStateDir(dir, quiet)).rejects.toThrow(/its header does not match its check/);
        expect(readFileSync(wal).equals(badLength)).toBe(true);
    });

    it('with --recover-truncate-log, starts from the rounds before the damage and keeps the damaged log', async () => {
        const { dir, wal } = await crashedDir(3);
        const bytes = readFileSync(wal);
        const offsets = frameOffsets(bytes);
        const damaged = Buffer.from(bytes);
        damaged[offsets[1]! + FRAME_HEADER_BYTES + 3]! ^= 0xff;
        writeFileSync(wal, damaged);
        const lines: string[] = [];
        const node = await openStateDir(dir, { ...quiet, recoverTruncateLog: true, log: (line) => lines.push(line) });
        expect(lines.join('\n')).toMatch(/--recover-truncate-log: keeping the 1 rounds before it/);
        // The first record created the first canister; the rounds after the damage are dropped.
        expect(node.subnet.canisters.size).toBe(1);
        const kept = readdirSync(dir).filter((name) => name.startsWith('damaged-wal-'));
        expect(kept.length).toBe(1);
        expect(readFileSync(join(dir, kept[0]!)).equals(damaged)).toBe(true);
        await node.close();
    });

    it('the CLI refuses such a log with exit code 1, and starts with --recover-truncate-log', async () => {
        const { dir, wal } = await crashedDir(3);
        const bytes = readFileSync(wal);
        const damaged = Buffer.from(bytes);
        damaged[frameOffsets(bytes)[1]! + FRAME_HEADER_BYTES + 3]! ^= 0xff;
        writeFileSync(wal, damaged);
        const refused = await runCli(['--state-dir', dir]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/could not start: record 2 .* is damaged .*--recover-truncate-log/);
        const recovered = await runCli(['--state-dir', dir, '--recover-truncate-log']);
        expect(recovered.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n/);
        expect(recovered.stderr).toMatch(/--recover-truncate-log: keeping the 1 rounds before it/);
        expect(recovered.code).toBe(0);
    });
});
