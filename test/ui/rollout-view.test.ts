/**
 * The voters' page on a group (Debian's chromium through playwright-core, against the replica
 * server): its members' count, a rollout proposal naming some members, the page's vote on it (the
 * subject recomputed), and the rollout's progress with the count of members in each state once
 * that one vote has upgraded them; a member links to its group.
 */
import { join } from 'node:path';

import { sha256 } from '@noble/hashes/sha2';

import { connect, demoIdentity, resolveNetwork } from '../../scripts/lib/ic.js';
import { expectedSubject } from '../../src/client/upgrader.js';
import { toHex } from '../../src/encoding/hex.js';
import { agentMembers } from '../fleet/agent-members.js';
import { fleetMemberModule } from '../fleet/member-module.js';
import { ARTIFACTS, pagePrincipal, sharedBrowser, withPage } from './support.js';

const browser = sharedBrowser();

it("a voter approves a group's rollout (its subject recomputed, named members listed in order) and sees its progress, the members in each state and how it ended", () =>
    withPage(browser(), { viewport: { width: 1280, height: 900 } }, async ({ deployment, server, page, pageErrors }) => {
        await page.goto(server.url);
        const voter = await pagePrincipal(page);

        const recovery = await deployment.client(deployment.recovery);
        const group = (
            await recovery.createGroup({
                recovery: deployment.recovery.getPrincipal(),
                policy: { voters: [{ principal: voter, weight: 1 }], threshold: 1, proposers: [deployment.maintainer.getPrincipal()], proposal_lifetime_seconds: 86_400n, health_check: ['health'] },
                snapshot_policy: { keep: 1, required: false, rehearse: false }
            })
        ).app;
        const owner = await connect(resolveNetwork(deployment.server.url), demoIdentity('ui fleet owner'));
        const members = await agentMembers(owner, [deployment.upgraderId, deployment.recovery.getPrincipal()], 3);
        for (const app of members) await recovery.joinGroup({ group, app });

        // Two of the three members, the last one first.
        const named = [members[2]!, members[0]!];
        const maintainer = await deployment.client(deployment.maintainer);
        const v2 = await fleetMemberModule('v2');
        await maintainer.uploadModule({ app: group, wasm: v2 });
        const upgrade = { module_hash: sha256(v2), arg: new Uint8Array(), options: { take_snapshot: true, skip_pre_upgrade: false, wasm_memory_persistence: [] as [] }, downgrade: false };
        const id = await maintainer.propose({ app: group, action: { rollout: { upgrade, members: [named], plan: { canary: 1, batch_size: 2, max_concurrency: 2, max_failure_percent: 0 } } } });
        const proposal = (await maintainer.getProposal(id))!;

        await page.goto(`${server.url}#app=${group.toText()}`);
        await page.locator('#vote-approve').waitFor({ timeout: 15_000 });
        expect(await page.locator('#proposal').textContent()).toContain('roll out to 2 named members');
        expect(await page.locator('ol.members li').allTextContents()).toEqual(named.map((m) => m.toText()));
        expect(await page.locator('#module-hash').textContent()).toBe(toHex(upgrade.module_hash));
        expect(await page.locator('#vote-binds').textContent()).toContain(toHex(expectedSubject(proposal)!).slice(0, 16));
        expect(await page.locator('#vote-binds').textContent()).toContain('the members it names (or all) and its plan');
        await page.locator('#vote-approve').click();
        await page.locator('#announce').getByText(/Vote recorded/).waitFor({ timeout: 30_000 });

        await page.locator('#rollout-status').getByText('Finished').waitFor({ timeout: 60_000 });
        expect(await page.locator('#rollout-title').textContent()).toBe(`Rollout of #${id}`);
        expect(await page.locator('label[for="rollout-progress"]').textContent()).toBe('2 of 2 members ended');
        expect(await page.locator('#rollout-progress').evaluate((el) => [(el as HTMLProgressElement).value, (el as HTMLProgressElement).max])).toEqual([2, 2]);
        const counts = await page.locator('#rollout-counts').evaluate((dl) => Array.from(dl.querySelectorAll('dt')).map((dt) => `${dt.textContent} ${dt.nextElementSibling?.textContent}`));
        expect(counts).toEqual(['Pending 0', 'Running 0', 'Upgraded 2', 'Rolled back 0', 'Failed 0', 'Skipped 0']);
        expect(await page.locator('#rollout-status').getAttribute('class')).toBe('success');
        expect(await page.locator('#execution').isHidden()).toBe(true);
        expect(await page.locator('#app').textContent()).toContain('3 apps in this group');
        await page.locator('#rollout').screenshot({ path: join(ARTIFACTS, '7-rollout.png') });

        // A member's page names its group, links to it, and shows no rollout of its own.
        await page.goto(`${server.url}#app=${members[0]!.toText()}`);
        await page.locator('#app').getByText('its policy and rollouts govern this app').waitFor({ timeout: 15_000 });
        expect(await page.locator('#app a[href]').getAttribute('href')).toBe(`#app=${group.toText()}`);
        expect(await page.locator('#rollout').isHidden()).toBe(true);
        expect(pageErrors).toEqual([]);
    }), 240_000);
