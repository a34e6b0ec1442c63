/**
 * The real executable: `npx upgrader --help` from the repository, a usage error's exit code 2,
 * and one command with --json against the replica server, whose stdout is one JSON document.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { repoRoot } from '../../scripts/paths.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { cli, makeHome } from './support.js';

function spawnCli(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(command, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '', ...env } }, (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
            resolve({ code, stdout, stderr });
        });
    });
}

const BIN = join(repoRoot, 'bin', 'upgrader.js');

it('npx upgrader --help works from the repository and exits 0', async () => {
    const run = await spawnCli('npx', ['--no-install', 'upgrader', '--help']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: upgrader \[options\] \[command\]/);
    expect(run.stdout).toMatch(/Exit codes: 0 ok; 1 refused or failed/);
});

it('exits 2 on a usage error, with one line on stderr and nothing on stdout', async () => {
    const run = await spawnCli(process.execPath, [BIN, 'vote']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("error: missing required argument 'proposal'\n");
});

describe('against the replica server', () => {
    let server: ReplicaServer;

    beforeAll(async () => {
        server = await startReplicaServer({ port: 0, log: () => undefined });
    });

    afterAll(async () => {
        await server.close();
    });

    it('prints exactly one JSON document for status --json', async () => {
        const home = makeHome(['deployer'], 'deployer');
        const deployed = await cli(['deploy', '--network', server.url, '--registration-fee', '0', '--storage-fee-per-mib', '7', '--yes', '--json'], { home: home.dir });
        const upgrader = deployed.json<{ upgrader: string }>().upgrader;
        const run = await spawnCli(process.execPath, [BIN, 'status', '--network', server.url, '--upgrader', upgrader, '--json'], { HOME: home.dir });
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        const document = JSON.parse(run.stdout) as { limits: Record<string, unknown> };
        expect(document.limits).toMatchObject({ registration_fee: '0', storage_fee_per_mib: '7', chunk_bytes: 1048576 });
    });
});
