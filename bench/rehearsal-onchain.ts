/**
 * The on-chain rehearsal's figures (issue 11, item 4): the wall-clock time of a rehearsal on the
 * embedded replica (from its first step to the stop of the app) and the upgrader's instructions in
 * it, for an app holding BENCH_REHEARSAL_MIB MiB of attachments (default "1,256"; the app's own
 * heap and module come on top). The upgrader reads and uploads every byte once, in slices of
 * 2,000,000 bytes, so both grow with the state, unlike the upgrade's own figures.
 *
 * Run alone with `npx tsx bench/rehearsal-onchain.ts` (e.g. `BENCH_REHEARSAL_MIB=1`), or from bench/upgrader.ts.
 */
import { type DemoAppV1Service, idlFactory as v1Idl } from '../canisters/demo_app/v1/types.js';
import { buildCanisters } from '../scripts/build-lib.js';
import { type ExecutionEvent, Replica } from '../src/replica/index.js';
import { admin, alice, bob, castVote, deployApp, deployUpgrader, loadModule, maintainer, ok, registerApp, subjectOf, upgradeRequest, uploadModule } from '../test/upgrader/fixture.js';
import { measureRehearsal, REHEARSE } from '../test/upgrader/rehearsal-support.js';

const MiB = 1024 * 1024;

type Row = (figure: string, measured: string, target?: string) => void;

/** One rehearsal of an app holding `stateMiB` MiB of attachments, on a fresh replica. */
async function rehearse(stateMiB: number): Promise<{ ms: number; instructions: bigint; mostPerMessage: bigint; slices: number }> {
    const events: ExecutionEvent[] = [];
    const replica = await Replica.create({ onExecution: (event) => events.push(event) });
    try {
        const { id: upgraderId, upgrader } = await deployUpgrader(replica);
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId });
        ok(await registerApp(upgrader, app, { snapshots: REHEARSE }));
        const notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
        notes.setPrincipal(admin);
        await notes.add_note('a note that v2 migrates');
        for (let left = stateMiB; left > 0; left -= 16) await notes.add_attachments(Math.min(16, left), MiB);
        const v2 = loadModule('demo_app_v2');
        await uploadModule(upgrader, app, v2);
        upgrader.setPrincipal(maintainer);
        const id = ok(await upgrader.propose({ app, action: { upgrade: upgradeRequest(v2) } }));
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        const measured = await measureRehearsal(replica, upgrader, upgraderId, app, id, events);
        if (!('upgraded' in measured.outcome)) throw new Error(`the rehearsed upgrade ended ${JSON.stringify(Object.keys(measured.outcome))}`);
        return measured;
    } finally {
        await replica.tearDown();
    }
}

export async function rehearsalFigures(row: Row): Promise<void> {
    const sizes = (process.env.BENCH_REHEARSAL_MIB ?? '1,256').split(',').map(Number).filter((n) => n > 0);
    const count = (n: bigint): string => n.toLocaleString('en-US');
    for (const size of sizes) {
        const m = await rehearse(size);
        row(`rehearsal on chain, ${size} MiB of attachments: time, slices`, `${m.ms.toFixed(0)} ms, ${m.slices} slices`, 'grows with the state');
        row(`  upgrader instructions in the rehearsal (the most in one message)`, `${count(m.instructions)} (${count(m.mostPerMessage)})`, '< 200 M per message');
    }
}

if (import.meta.url === `file://${process.argv[1]}`) {
    await buildCanisters({ names: ['upgrader', 'demo_app_v1', 'demo_app_v2'], log: (line) => console.log(`[build] ${line}`) });
    await rehearsalFigures((figure, measured, target = '') => console.log(`${figure.padEnd(78)} ${measured.padEnd(30)} ${target}`));
}
