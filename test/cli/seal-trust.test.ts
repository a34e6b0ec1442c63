/**
 * The CLI's commands for trusting the seal, end to end against the replica server: `compare`
 * downloads the module a proposal names and compares it with a local build, `propose
 * --hand-over` moves an app to a second sealed upgrader after its voters approve, and `ui`
 * serves the voters' page until it is told to stop.
 */
import { gzWasmPath } from '../../scripts/paths.js';
import { main } from '../../src/cli/main.js';
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { governedApp, V2_ARG_HEX, V2_WASM } from './support.js';

let server: ReplicaServer;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

it('compare says "matches your build" for the proposal\'s own module and exits 1 naming what differs for another', async () => {
    const { run, app } = await governedApp(server.url);
    expect((await run(['upload', V2_WASM, '--app', app, '--identity', 'maintainer', '--json'])).code).toBe(0);
    const proposed = await run(['propose', '--app', app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--identity', 'maintainer', '--json']);
    const id = proposed.json<{ proposal_id: string }>().proposal_id;

    const same = await run(['compare', '--proposal', id, '--wasm', V2_WASM, '--json']);
    expect(same.code).toBe(0);
    expect(same.json()).toMatchObject({ verdict: { kind: 'matches' } });
    const text = await run(['compare', '--proposal', id, '--wasm', V2_WASM]);
    expect(text.stdout).toContain('matches your build');

    const other = await run(['compare', '--proposal', id, '--wasm', gzWasmPath('demo_app_v1')]);
    expect(other.code).toBe(1);
    expect(other.stdout).not.toContain('matches your build');
    expect(other.stdout).toMatch(/differ/i);

    const unknown = await run(['compare', '--proposal', '999', '--wasm', V2_WASM]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('does not exist');
});

it('hands an app over to a second sealed upgrader after its voters approve; the app then has the successor and recovery as controllers', async () => {
    const { home, run, upgrader, app } = await governedApp(server.url);
    const successorDeploy = await run(['deploy', '--registration-fee', '0', '--storage-fee-per-mib', '0', '--yes', '--json']);
    expect(successorDeploy.code).toBe(0);
    const successor = successorDeploy.json<{ upgrader: string }>().upgrader;
    expect(successor).not.toBe(upgrader);

    const usage = await run(['propose', '--app', app, '--hand-over', successor, '--identity', 'maintainer']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--successor-wasm');

    const proposed = await run(['propose', '--app', app, '--hand-over', successor, '--successor-wasm', gzWasmPath('upgrader'), '--identity', 'maintainer', '--json']);
    expect(proposed.code).toBe(0);
    const id = proposed.json<{ proposal_id: string }>().proposal_id;
    const shown = await run(['status', '--proposal', id]);
    expect(shown.stdout).toContain(`hand over to the upgrader ${successor}`);

    const wrong = await run(['vote', id, '--approve', '--expect-wasm', gzWasmPath('demo_app_v1'), '--identity', 'alice', '--yes']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('NotWhatWasReviewed');
    expect((await run(['vote', id, '--approve', '--expect-wasm', gzWasmPath('upgrader'), '--identity', 'alice', '--yes', '--json'])).code).toBe(0);
    expect((await run(['vote', id, '--approve', '--identity', 'bob', '--yes', '--json'])).code).toBe(0);

    const watched = await run(['watch', id, '--interval', '100', '--timeout', '120', '--json']);
    expect(watched.code).toBe(0);
    expect(watched.json()).toMatchObject({ success: true });
    expect(watched.json<{ outcome: string }>().outcome).toContain('handed_over');

    const controllers = await run(['verify', '--canister', app, '--json']);
    expect(controllers.code).toBe(1);
    expect(controllers.json<{ controllers: string[] }>().controllers.sort()).toEqual([successor, home.principal('recovery')].sort());
});

it('ui serves the voters\' page until stopped and prints where', async () => {
    const { home, upgrader } = await governedApp(server.url);
    let stdout = '';
    let printed: (url: string) => void = () => undefined;
    const url = new Promise<string>((resolve) => (printed = resolve));
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const exit = main(['--network', server.url, '--upgrader', upgrader, 'ui', '--port', '0'], {
        stdout: (text) => {
            stdout += text;
            const match = /ui on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
            if (match?.[1] !== undefined) printed(match[1]);
        },
        stderr: () => undefined,
        env: { HOME: home.dir },
        cwd: home.dir,
        stderrIsTTY: false,
        untilStopped: () => stopped
    });
    const page = await url;
    const response = await fetch(`${page}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
    stop();
    expect(await exit).toBe(0);
    await expect(fetch(`${page}/`)).rejects.toThrow();
});
