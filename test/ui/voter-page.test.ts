/**
 * The voters' page in a real browser (Debian's chromium, headless, through playwright-core)
 * against the replica server: a voter sees a proposal's details, votes with the keyboard, and
 * watches the upgrade run to "upgraded"; the page on a phone-sized screen; labels, roles and
 * focus order; importing a key. Screenshots of the main views go to test-artifacts/ui/.
 */
import { join } from 'node:path';

import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Page } from 'playwright-core';

import { toHex } from '../../src/encoding/hex.js';
import { expectedSubject } from '../../src/client/upgrader.js';
import { ARTIFACTS, pagePrincipal, proposeV2, register, sharedBrowser, withPage } from './support.js';

const browser = sharedBrowser();

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Presses Tab until `id` has focus; returns the ids (or tag names) focused on the way, in order. */
async function tabTo(page: Page, id: string, limit = 60): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
            const el = document.activeElement as HTMLElement | null;
            return el === null ? '' : el.id !== '' ? el.id : `${el.tagName.toLowerCase()}:${el.textContent?.trim().slice(0, 20) ?? ''}`;
        });
        seen.push(focused);
        if (focused === id) return seen;
    }
    throw new Error(`#${id} never got focus within ${limit} Tabs; focus went: ${seen.join(' → ')}`);
}

it('a voter opens the app, checks the proposal, votes with the keyboard and watches the upgrade finish', () =>
    withPage(browser(), { viewport: { width: 1280, height: 900 } }, async ({ deployment, server, page, pageErrors }) => {
        await page.goto(server.url);
        const voter = await pagePrincipal(page);
        const alice = Ed25519KeyIdentity.generate();
        await register(deployment, [voter, alice.getPrincipal()], 2);
        const proposalId = await proposeV2(deployment);
        await (await deployment.client(alice)).vote({ proposal_id: proposalId, subject: (await (await deployment.client(alice)).getProposal(proposalId))!.subject, approve: true });
        const proposal = (await (await deployment.client(alice)).getProposal(proposalId))!;
        if (!('upgrade' in proposal.action)) throw new Error('expected an upgrade proposal');

        // The app list comes from the registry's history; open the app by typing its id, with the keyboard.
        await page.locator('.app-list').getByText(deployment.app.toText()).waitFor({ timeout: 15_000 });
        await tabTo(page, 'app-id');
        await page.keyboard.type(deployment.app.toText());
        await page.keyboard.press('Enter');
        await page.locator('#proposal-status').getByText('open').waitFor({ timeout: 15_000 });

        expect(await page.locator('#module-hash').textContent()).toBe(toHex(proposal.action.upgrade.module_hash));
        expect(await page.locator('#arg-hash').textContent()).toBe(toHex(proposal.arg_hash));
        expect(await page.locator('#votes-summary').textContent()).toContain('Approving weight 1 of threshold 2');
        expect(await page.locator('#proposal').textContent()).toContain(deployment.maintainer.getPrincipal().toText());
        expect(await page.locator('.votes').textContent()).toContain(`${alice.getPrincipal().toText()} approved`);
        expect(await page.locator('#proposal').textContent()).toContain('take a snapshot first');
        expect(await page.locator('#app').textContent()).toContain(deployment.recovery.getPrincipal().toText());
        expect(await page.locator('#vote-binds').textContent()).toContain(toHex(expectedSubject(proposal)!).slice(0, 16));
        // Demo app v2 drops add_attachments and changes add_note: the page says so before the vote.
        await page.locator('#interface-verdict').getByText(/BREAKS the app's clients/).waitFor({ timeout: 30_000 });
        expect(await page.locator('#interface').textContent()).toContain('add_attachments');
        await shot(page, '1-proposal');

        const order = await tabTo(page, 'vote-approve');
        expect(order).not.toContain('vote-reject');
        await page.keyboard.press('Enter');
        await page.locator('#announce').getByText(/Vote recorded/).waitFor({ timeout: 30_000 });

        // Live progress: the execution view shows steps as they run, then the outcome.
        await page.locator('#execution-progress').waitFor({ timeout: 30_000 });
        await shot(page, '2-execution');
        await page.locator('#execution-outcome').getByText('Outcome: upgraded').waitFor({ timeout: 90_000 });
        const done = await page.locator('ol.steps li.step-done').allTextContents();
        for (const step of ['check', 'clear chunk store', 'upload chunk 1', 'stop', 'snapshot', 'install', 'start', 'verify', 'health check', 'cleanup']) expect(done.some((s) => s.includes(`${step} (done)`))).toBe(true);
        expect(await page.locator('ol.steps li:not(.step-done)').count()).toBe(0);
        expect(await page.locator('#proposal-status').textContent()).toContain('executed — upgraded');
        await shot(page, '3-executed');

        // The audit log shows the whole history, the page's own vote included.
        await page.locator('ol.audit').getByText('status: executed — upgraded').waitFor({ timeout: 15_000 });
        const audit = await page.locator('ol.audit').textContent();
        expect(audit).toContain('voted to approve (weight 1)');
        expect(audit).toContain(voter.toText());
        expect(audit).toContain('step started: install');
        await page.locator('#audit').screenshot({ path: join(ARTIFACTS, '4-audit.png') });

        const after = await (await deployment.client(alice)).getProposal(proposalId);
        expect(after?.votes.map((v) => v.voter.toText())).toContain(voter.toText());
        expect(pageErrors).toEqual([]);
    }), 240_000);

it('on a phone-sized screen: no horizontal scroll, labelled controls in a sensible focus order, key import', () =>
    withPage(browser(), { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, async ({ deployment, server, page }) => {
        await page.goto(server.url);
        const voter = await pagePrincipal(page);
        await register(deployment, [voter], 1);
        const proposalId = await proposeV2(deployment);
        await page.goto(`${server.url}#app=${deployment.app.toText()}&proposal=${proposalId}`);
        await page.locator('#vote-approve').waitFor({ timeout: 15_000 });
        await page.screenshot({ path: join(ARTIFACTS, '5-phone-top.png') });
        await page.locator('#proposal').screenshot({ path: join(ARTIFACTS, '6-phone-proposal.png') });

        const layout = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            width: window.innerWidth,
            // Every control lies within the screen's width and is at least 44 px tall (a finger's reach).
            offscreen: Array.from(document.querySelectorAll('button, input, a[href], summary'))
                .map((el) => ({ el, box: el.getBoundingClientRect() }))
                .filter(({ el, box }) => !el.classList.contains('skip') && (box.left < 0 || box.right > window.innerWidth))
                .map(({ el }) => el.outerHTML.slice(0, 80)),
            smallButtons: Array.from(document.querySelectorAll('button')).filter((b) => b.getBoundingClientRect().height < 44).map((b) => b.id)
        }));
        expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
        expect(layout.offscreen).toEqual([]);
        expect(layout.smallButtons).toEqual([]);

        const a11y = await page.evaluate(() => ({
            // Every form control has a label or an accessible name.
            unlabelled: Array.from(document.querySelectorAll('input, button, meter, progress'))
                .filter((el) => {
                    const id = el.id;
                    const labelled = id !== '' && document.querySelector(`label[for="${id}"]`) !== null;
                    return !labelled && (el.textContent ?? '').trim() === '' && !el.hasAttribute('aria-label');
                })
                .map((el) => el.outerHTML.slice(0, 80)),
            // Every section is named by a heading that exists.
            unnamedSections: Array.from(document.querySelectorAll('section')).filter((s) => document.getElementById(s.getAttribute('aria-labelledby') ?? '') === null).map((s) => s.id),
            headings: Array.from(document.querySelectorAll('h1, h2')).map((el) => el.tagName),
            landmarks: ['header', 'main'].filter((tag) => document.querySelector(tag) !== null),
            status: document.querySelector('[role="status"][aria-live="polite"]') !== null,
            lang: document.documentElement.lang
        }));
        expect(a11y.unlabelled).toEqual([]);
        expect(a11y.unnamedSections).toEqual([]);
        expect(a11y.headings[0]).toBe('H1');
        expect(a11y.headings.filter((t) => t === 'H1')).toHaveLength(1);
        expect(a11y.landmarks).toEqual(['header', 'main']);
        expect(a11y.status).toBe(true);
        expect(a11y.lang).toBe('en');

        // Focus order follows the page: the skip link, identity, apps, then the proposal's vote.
        const order = await tabTo(page, 'vote-approve');
        const at = (id: string): number => order.indexOf(id);
        expect(at('copy-principal')).toBeGreaterThan(-1);
        expect(at('copy-principal')).toBeLessThan(at('key-tools-summary'));
        expect(at('key-tools-summary')).toBeLessThan(at('app-id'));
        expect(at('app-id')).toBeLessThan(order.length - 1);

        // Importing a key file switches the voting principal (the key never leaves the page).
        await page.locator('#key-tools-summary').click();
        await page.locator('#key-file').waitFor({ state: 'visible' });
        const imported = Ed25519KeyIdentity.generate();
        await page.locator('#key-file').setInputFiles({ name: 'voter.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(imported.toJSON())) });
        await page.locator('#voter-principal').getByText(imported.getPrincipal().toText()).waitFor({ timeout: 10_000 });
        expect(await page.locator('#whoami').textContent()).toContain(imported.getPrincipal().toText()); // shown on wider screens
        // Not a voter with this key: the page says so instead of offering to vote.
        await page.locator('.vote').getByText('not a voter').waitFor({ timeout: 10_000 });
        expect(await page.locator('#vote-approve').count()).toBe(0);
        // A secp256k1 PEM (dfx's default) is refused with what to do instead.
        await page.locator('#key-tools-summary').click();
        await page.locator('#key-file').setInputFiles({ name: 'identity.pem', mimeType: 'text/plain', buffer: Buffer.from('-----BEGIN EC PRIVATE KEY-----\nMHQCAQEE\n-----END EC PRIVATE KEY-----\n') });
        await page.locator('#announce').getByText(/secp256k1/).waitFor({ timeout: 10_000 });
        expect(await page.locator('#voter-principal').textContent()).toBe(imported.getPrincipal().toText());
    }), 240_000);
