/**
 * `npm start` (scripts/main.ts) as a process: it tells the whole governed upgrade through the
 * CLI, checks its proof, prints the commands to go on with, and with `--serve` keeps the replica
 * running (the printed commands then work against it) until SIGINT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '../scripts/paths';
import { main as cli } from '../src/cli/main';

function exitOf(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

it('runs the governed upgrade through the CLI, then serves the replica for the commands it prints until SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/main.ts', '--serve', '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = exitOf(child);
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const serving = new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            // The step line comes first, the commands after it: wait for the last of them.
            if (stdout.includes('Ctrl-C stops it') && stdout.includes('lists every command.')) resolve();
        });
        void exited.then((code) => reject(new Error(`npm start exited ${code} before serving:\n${stdout}\n${stderr}`)));
    });
    try {
        await serving;
        for (const proof of ['the app runs v2', 'all 3 notes kept', 'data migrated to the v2 model', 'module hash changed from v1 to v2', 'the upgrader rehearsed the upgrade on a copy of the app before touching it, and the copy passed']) expect(stdout).toContain(`✓ ${proof}`);
        for (const command of ['deploy', 'register', 'upload', 'compare', 'rehearse', 'vote', 'watch', 'audit', 'group create', 'group join', 'rollout']) expect(stdout).toMatch(new RegExp(`\\$ npx upgrader .*\\b${command}\\b`));
        // The fleet act: one approved rollout upgrades the group, the canary first.
        expect(stdout).toContain('✓ every member of the group runs v2 (3 upgraded by one approval)');
        expect(stdout).toMatch(/members:\s+3 of 3 ended: pending 0, running 0, upgraded 3/);
        expect(stdout).toContain('matches your build');
        expect(stdout).toContain('outcome: upgraded');
        expect(stdout).toMatch(/2\. upgrade again \(new pre_upgrade, new post_upgrade: can the new version be upgraded\?\): PASSED/);
        expect(stdout).toMatch(/post_upgrade \(new module\): [\d.]+ % of the upgrade's instruction limit at today's size/);

        // The printed status command works against the replica that keeps running.
        const printed = /npx upgrader status (--network \S+ --upgrader \S+ --app \S+)/.exec(stdout)?.[1];
        expect(printed).toBeDefined();
        let out = '';
        const home = mkdtempSync(join(tmpdir(), 'npm-start-home-'));
        const code = await cli(['status', ...(printed ?? '').split(' '), '--json'], {
            stdout: (text) => void (out += text),
            stderr: () => undefined,
            env: { HOME: home },
            cwd: home,
            stderrIsTTY: false,
            untilStopped: () => Promise.resolve()
        });
        expect(code).toBe(0);
        expect(JSON.parse(out)).toMatchObject({ app: { live_proposal: [] } });
        expect(stdout).toMatch(/npx upgrader ui --network http:\/\/127\.0\.0\.1:\d+ --upgrader/);
    } finally {
        child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
});
