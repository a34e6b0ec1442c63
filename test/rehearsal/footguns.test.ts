/**
 * The offline rehearsal on the three upgrade foot-guns of canisters/fixtures/footgun: a
 * pre_upgrade that grows with state, a post_upgrade that traps only on real data, and a new
 * version that cannot itself be upgraded. Each live app is on its own replica; the rehearsal
 * builds another from a downloaded snapshot, so the live app is never touched.
 *
 * Reaching the IC's 300 B upgrade limit takes minutes of real Wasm, so the tests that cross it
 * scale every limit down 50× (`instructionLimits`): 20 records there stand for 1,000 at the
 * IC's limit. The report always names the limit it measured against.
 */
import { DEFAULT_INSTRUCTION_LIMITS, Replica } from '../../src/replica/index.js';
import { rehearse } from '../../src/rehearsal/rehearse.js';
import type { RehearsalReport, StepReport } from '../../src/rehearsal/report.js';
import { footgunArg, liveFootgun, moduleOf, stateOf } from './support.js';

/** Each test rehearses real Azle upgrades (two per rehearsal): minutes on a loaded machine. */
const SLOW = 300_000;
const SCALE = 50n;
const SCALED = { install: DEFAULT_INSTRUCTION_LIMITS.install / SCALE, update: DEFAULT_INSTRUCTION_LIMITS.update / SCALE };
/** Hashing rounds per record: about 360 M instructions per 100-character record. */
const ROUNDS = 1000;

function step(report: RehearsalReport, name: StepReport['step']): StepReport {
    const found = report.steps.find((s) => s.step === name);
    if (found === undefined) throw new Error(`no ${name} step in the report`);
    return found;
}

function preUpgradePercent(report: RehearsalReport): number {
    const hook = step(report, 'upgrade').hooks.find((h) => h.hook === 'pre_upgrade');
    if (hook === undefined) throw new Error('no pre_upgrade in the first upgrade');
    return hook.percentOfUpgradeLimit;
}

describe('rehearse: a pre_upgrade that grows with state', () => {
    let live: Replica;
    beforeEach(async () => {
        live = await Replica.create();
    });
    afterEach(async () => {
        await live.tearDown();
    });

    async function rehearseAtSize(records: number, limits?: typeof SCALED): Promise<RehearsalReport> {
        const app = await liveFootgun(live, ROUNDS);
        await app.actor.fill(records, 100);
        return rehearse({ app: await stateOf(live, app.canisterId), newModule: moduleOf('footgun_v1'), arg: footgunArg(ROUNDS), healthCheck: 'health', instructionLimits: limits });
    }

    it('reports a share of the IC limit that grows with the state, and passes while small', async () => {
        const two = await rehearseAtSize(2);
        await live.tearDown();
        live = await Replica.create();
        const four = await rehearseAtSize(4);
        expect(two.limits.upgradeInstructions).toBe(300_000_000_000n);
        expect(two.passed).toBe(true);
        expect(four.passed).toBe(true);
        expect(two.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
        // About 0.24 % and 0.48 %: twice the records, twice pre_upgrade's share (plus a fixed part).
        expect(preUpgradePercent(two)).toBeGreaterThan(0.1);
        expect(preUpgradePercent(four)).toBeGreaterThan(1.7 * preUpgradePercent(two));
        expect(preUpgradePercent(four)).toBeLessThan(2.2 * preUpgradePercent(two));
        const pre = step(four, 'upgrade').hooks[0]!;
        expect(pre).toMatchObject({ hook: 'pre_upgrade', module: 'old', trap: null });
        expect(pre.percentOfMessageLimit).toBeCloseTo(pre.percentOfUpgradeLimit * 7.5, 0);
    }, SLOW);

    it('fails past its size: over the allowed share first, then over the limit itself, and the live app is untouched', async () => {
        const app = await liveFootgun(live, ROUNDS);
        await app.actor.fill(10, 100);
        const state = await stateOf(live, app.canisterId);
        const options = { app: state, newModule: moduleOf('footgun_v1'), arg: footgunArg(ROUNDS), healthCheck: 'health', instructionLimits: SCALED };
        const tenRecords = await rehearse(options);
        expect(tenRecords.limits.upgradeInstructions).toBe(6_000_000_000n);
        expect(step(tenRecords, 'upgrade').status).toBe('passed');
        expect(preUpgradePercent(tenRecords)).toBeGreaterThan(50);
        expect(tenRecords.passed).toBe(false);
        expect(tenRecords.failures[0]).toMatch(/^pre_upgrade \(old module\) in upgrade used \d+(\.\d+)? % of the upgrade's instruction limit, over the 50 % allowed$/);
        // The same state passes when the operator accepts a larger share.
        expect((await rehearse({ ...options, maxSharePercent: 90 })).passed).toBe(true);

        await app.actor.fill(10, 100);
        const twenty = await rehearse({ ...options, app: await stateOf(live, app.canisterId) });
        const upgrade = step(twenty, 'upgrade');
        expect(upgrade.status).toBe('failed');
        expect(upgrade.hooks).toHaveLength(1);
        expect(upgrade.hooks[0]!.trap).toMatch(/instructions/);
        expect(upgrade.hooks[0]!.instructions).toBeGreaterThanOrEqual(6_000_000_000n);
        expect(upgrade.heap!.after).toBe(upgrade.heap!.before);
        expect(step(twenty, 'upgrade_again').status).toBe('skipped');
        expect(twenty.passed).toBe(false);
        // The real upgrade was never attempted: the live app still runs v1 with its 20 records.
        expect(await app.actor.version()).toBe('footgun_v1');
        expect(await app.actor.count()).toBe(20n);
    }, SLOW);
});

describe('rehearse: bugs only real data shows (footgun v1 → v2)', () => {
    let live: Replica;
    beforeEach(async () => {
        live = await Replica.create();
    });
    afterEach(async () => {
        await live.tearDown();
    });

    it('passes on an empty state', async () => {
        const app = await liveFootgun(live, 10);
        const report = await rehearse({ app: await stateOf(live, app.canisterId), newModule: moduleOf('footgun_v2'), arg: footgunArg(10), healthCheck: 'health' });
        expect(report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
        expect(report.passed).toBe(true);
        expect(step(report, 'upgrade').hooks.map((h) => `${h.hook}/${h.module}`)).toEqual(['pre_upgrade/old', 'post_upgrade/new']);
        expect(step(report, 'upgrade_again').hooks.map((h) => `${h.hook}/${h.module}`)).toEqual(['pre_upgrade/new', 'post_upgrade/new']);
    }, SLOW);

    it("catches v2's post_upgrade trapping on a v1 record without tags", async () => {
        const app = await liveFootgun(live, 10);
        await app.actor.add('tagged', [['work']]);
        await app.actor.add('untagged', []);
        const report = await rehearse({ app: await stateOf(live, app.canisterId), newModule: moduleOf('footgun_v2'), arg: footgunArg(10), healthCheck: 'health' });
        const upgrade = step(report, 'upgrade');
        expect(upgrade.status).toBe('failed');
        expect(upgrade.hooks.map((h) => [h.hook, h.trap === null])).toEqual([
            ['pre_upgrade', true],
            ['post_upgrade', false]
        ]);
        expect(upgrade.detail).toMatch(/TypeError/);
        expect(report.failures[0]).toMatch(/^upgrade failed: /);
        expect(step(report, 'upgrade_again').status).toBe('skipped');
    }, SLOW);

    it("catches v2's own pre_upgrade trapping, in the second upgrade only", async () => {
        const app = await liveFootgun(live, 10);
        await app.actor.add('tagged', [['work']]);
        const report = await rehearse({ app: await stateOf(live, app.canisterId), newModule: moduleOf('footgun_v2'), arg: footgunArg(10), healthCheck: 'health' });
        expect(step(report, 'upgrade').status).toBe('passed');
        const again = step(report, 'upgrade_again');
        expect(again.status).toBe('failed');
        expect(again.hooks).toHaveLength(1);
        expect(again.hooks[0]).toMatchObject({ hook: 'pre_upgrade', module: 'new' });
        expect(again.hooks[0]!.trap).toMatch(/BigInt/);
        expect(step(report, 'health_check').status).toBe('skipped');
        expect(report.passed).toBe(false);
    }, SLOW);
});
