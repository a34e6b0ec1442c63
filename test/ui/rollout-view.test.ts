/**
 * The voters' page on a group (Debian's chromium through playwright-core, against the replica
 * server): its members' count, the rollout proposal, and the rollout's progress with the count
 * of members in each state once one vote has upgraded them all; a member links to its group.
 */
import { join } from 'node:path';

import { Ed25519KeyIdentity } from '@dfinity/identity';
import { sha256 } from '@noble/hashes/sha2';

import { connect, demoIdentity, resolveNetwork } from '../../scripts/lib/ic.js';
import { agentMembers } from '../fleet/agent-members.js';
import { fleetMemberModule } from '../fleet/member-module.js';
import { ARTIFACTS, deploy, servePage, sharedBrowser } from './support.js';

const browser = sharedBrowser();

it("shows a group's rollout: progress, the members in each state and how it ended", async () => {
    const deployment = await deploy();
    const server = await servePage(deployment);
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    try {
        const alice = Ed25519KeyIdentity.generate();
        const recovery = await deployment.client(deployment.recovery);
        const group = (
            await recovery.createGroup({
                recovery: deployment.recovery.getPrincipal(),
                policy: { voters: [{ principal: alice.getPrincipal(), weight: 1 }], threshold: 1, proposers: [deployment.maintainer.getPrincipal()], proposal_lifetime_seconds: 86_400n, health_check: ['health'] },
                snapshot_policy: { keep: 1, required: false, rehearse: false }
            })
        ).app;
        const owner = await connect(resolveNetwork(deployment.server.url), demoIdentity('ui fleet owner'));
        const members = await agentMembers(owner, [deployment.upgraderId, deployment.recovery.getPrincipal()], 3);
        for (const app of members) await recovery.joinGroup({ group, app });

        const maintainer = await deployment.client(deployment.maintainer);
        const v2 = await fleetMemberModule('v2');
        await maintainer.uploadModule({ app: group, wasm: v2 });
        const upgrade = { module_hash: sha256(v2), arg: new Uint8Array(), options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] as [] }, downgrade: false };
        const id = await maintainer.propose({ app: group, action: { rollout: { upgrade, members: [], plan: { canary: 1, batch_size: 2, max_concurrency: 2, max_failure_percent: 0 } } } });
        const voter = await deployment.client(alice);
        await voter.vote({ proposal_id: id, subject: (await voter.getProposal(id))!.subject, approve: true });

        const page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await page.goto(`${server.url}#app=${group.toText()}`);
        await page.locator('#rollout-status').getByText('Finished').waitFor({ timeout: 60_000 });
        expect(await page.locator('#rollout-title').textContent()).toBe(`Rollout of #${id}`);
        expect(await page.locator('label[for="rollout-progress"]').textContent()).toBe('3 of 3 members ended');
        expect(await page.locator('#rollout-progress').evaluate((el) => [(el as HTMLProgressElement).value, (el as HTMLProgressElement).max])).toEqual([3, 3]);
        const counts = await page.locator('#rollout-counts').evaluate((dl) => Array.from(dl.querySelectorAll('dt')).map((dt) => `${dt.textContent} ${dt.nextElementSibling?.textContent}`));
        expect(counts).toEqual(['Pending 0', 'Running 0', 'Upgraded 3', 'Rolled back 0', 'Failed 0', 'Skipped 0']);
        expect(await page.locator('#rollout-status').getAttribute('class')).toBe('success');
        expect(await page.locator('#execution').isHidden()).toBe(true);
        expect(await page.locator('#app').textContent()).toContain('3 apps in this group');
        expect(await page.locator('#proposal').textContent()).toContain('roll out to every member of the group');
        await page.locator('#rollout').screenshot({ path: join(ARTIFACTS, '7-rollout.png') });

        // A member's page names its group, links to it, and shows no rollout of its own.
        await page.goto(`${server.url}#app=${members[0]!.toText()}`);
        await page.locator('#app').getByText('its policy and rollouts govern this app').waitFor({ timeout: 15_000 });
        expect(await page.locator('#app a[href]').getAttribute('href')).toBe(`#app=${group.toText()}`);
        expect(await page.locator('#rollout').isHidden()).toBe(true);
        expect(pageErrors).toEqual([]);
    } finally {
        await context.close();
        await server.close();
        await deployment.close();
    }
}, 240_000);
