/**
 * The recovery principal's commands end to end against the replica server: pause and unpause
 * (a proposal is refused while paused; a stranger is refused by inspect_message), an emergency
 * upgrade without votes, a restore from the snapshot it took, and eject; then the app is no
 * longer registered and its controllers are the recovery principal alone.
 */
import { type ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { governedApp, V2_ARG_HEX, V2_WASM } from './support.js';

let server: ReplicaServer;

beforeAll(async () => {
    server = await startReplicaServer({ port: 0, log: () => undefined });
});

afterAll(async () => {
    await server.close();
});

it('pauses, unpauses, upgrades without votes, restores the snapshot and ejects, as the recovery principal', async () => {
    const { home, run, app } = await governedApp(server.url);

    const stranger = await run(['pause', '--app', app, '--identity', 'stranger']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/CallRejected: the IC rejected the call \(IC0406\)/);

    expect((await run(['pause', '--app', app, '--identity', 'recovery', '--json'])).json()).toEqual({ app, paused: true });
    expect((await run(['status', '--app', app, '--json'])).json()).toMatchObject({ app: { paused: true } });
    expect((await run(['upload', V2_WASM, '--app', app, '--identity', 'maintainer'])).code).toBe(0);
    const paused = await run(['propose', '--app', app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--identity', 'maintainer']);
    expect(paused.code).toBe(1);
    expect(paused.stderr).toMatch(/^PausedError: Upgrades of .* are paused by its recovery principal\. Its recovery principal can run `npx upgrader unpause --app <app>`\.$/m);
    expect((await run(['unpause', '--app', app, '--identity', 'recovery', '--json'])).json()).toEqual({ app, paused: false });

    const emergency = await run(['emergency', '--app', app, '--wasm', V2_WASM, '--arg', V2_ARG_HEX, '--identity', 'recovery', '--yes', '--json']);
    expect(emergency.code).toBe(0);
    const upgrade = emergency.json<{ proposal_id: string }>().proposal_id;
    expect((await run(['watch', upgrade, '--interval', '100', '--json'])).json()).toMatchObject({ outcome: 'upgraded', success: true, proposal: { emergency: true } });

    const snapshots = (await run(['status', '--app', app, '--json'])).json<{ app: { snapshots: Array<{ id: string }> } }>().app.snapshots;
    expect(snapshots).toHaveLength(1);
    const restore = await run(['restore', '--app', app, '--snapshot', snapshots[0]!.id, '--identity', 'recovery', '--yes', '--json']);
    expect(restore.code).toBe(0);
    const restored = await run(['watch', restore.json<{ proposal_id: string }>().proposal_id, '--interval', '100']);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/ step_started rollback_stop by [\s\S]* step_started rollback_load by [\s\S]* step_started rollback_start by /);
    expect(restored.stdout).toMatch(/ status_changed executed restored by [^\n]+\noutcome: restored\n$/);

    const eject = await run(['eject', '--app', app, '--identity', 'recovery', '--yes', '--json']);
    expect(eject.code).toBe(0);
    expect(eject.json()).toEqual({ app, ejected: true });
    const gone = await run(['status', '--app', app]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^AppNotRegisteredError: App .* is not registered with the upgrader; register it first\.$/m);
    const verified = await run(['verify', '--canister', app, '--json']);
    expect(verified.json()).toMatchObject({ sealed: false, controllers: [home.principal('recovery')] });
});
