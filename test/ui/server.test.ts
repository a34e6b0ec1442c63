/**
 * The voters' page server without a browser: what it serves and with which headers, the
 * configuration it hands the page, and the options it refuses. Also that the replica server
 * answers the browser's CORS preflight, which the page (served from another origin) relies on.
 */
import type { PageConfig } from '../../src/ui/page/config.js';
import { startReplicaServer } from '../../src/server/index.js';
import { startVoterPage, VoterPageOptionsError } from '../../src/ui/server.js';

const UPGRADER = 'lxzze-o7777-77777-aaaaa-cai';

function configOf(html: string): PageConfig {
    const match = /<script id="config" type="application\/json">(.*?)<\/script>/.exec(html);
    if (match === null) throw new Error('no configuration in the page');
    return JSON.parse(match[1]!) as PageConfig;
}

it('serves the page, its script and style, with the configuration and a CSP naming the network', async () => {
    const page = await startVoterPage({ networkUrl: 'http://127.0.0.1:4943/', upgraderId: UPGRADER, app: UPGRADER });
    try {
        expect(page.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const index = await fetch(page.url);
        expect(index.status).toBe(200);
        expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(index.headers.get('content-security-policy')).toContain("connect-src 'self' http://127.0.0.1:4943;");
        expect(configOf(await index.text())).toEqual({ networkUrl: 'http://127.0.0.1:4943', upgraderId: UPGRADER, app: UPGRADER, fetchRootKey: true });
        const script = await fetch(new URL('/app.js', page.url));
        expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        expect((await script.text()).length).toBeGreaterThan(50_000);
        expect((await fetch(new URL('/style.css', page.url))).headers.get('content-type')).toBe('text/css; charset=utf-8');
        const missing = await fetch(new URL('/key.json', page.url));
        expect(missing.status).toBe(404);
        expect(await missing.text()).toContain('The page is at /');
        expect((await fetch(page.url, { method: 'POST', body: 'x' })).status).toBe(405);
    } finally {
        await page.close();
    }
});

it('never fetches a root key on the IC', async () => {
    const page = await startVoterPage({ networkUrl: 'https://icp-api.io', upgraderId: UPGRADER });
    try {
        expect(configOf(await (await fetch(page.url)).text())).toMatchObject({ networkUrl: 'https://icp-api.io', fetchRootKey: false, app: null });
    } finally {
        await page.close();
    }
});

it('refuses a network that is not an http(s) URL and ids that are not principals, saying what to pass', async () => {
    await expect(startVoterPage({ networkUrl: 'localhost:4943', upgraderId: UPGRADER })).rejects.toThrow(VoterPageOptionsError);
    await expect(startVoterPage({ networkUrl: 'ftp://127.0.0.1', upgraderId: UPGRADER })).rejects.toThrow(/must be http\(s\)/);
    await expect(startVoterPage({ networkUrl: 'http://127.0.0.1:4943', upgraderId: 'not-a-principal' })).rejects.toThrow(/upgraderId "not-a-principal" is not a principal/);
    await expect(startVoterPage({ networkUrl: 'http://127.0.0.1:4943', upgraderId: UPGRADER, app: '</script>' })).rejects.toThrow(/app .* is not a principal/);
});

it('the replica server answers the page\'s CORS preflight as boundary nodes do', async () => {
    const server = await startReplicaServer({ port: 0, log: () => undefined });
    try {
        const preflight = await fetch(`${server.url}/api/v3/canister/${UPGRADER}/call`, {
            method: 'OPTIONS',
            headers: { origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
        expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
        expect((await fetch(`${server.url}/api/v2/status`, { headers: { origin: 'http://127.0.0.1:5173' } })).headers.get('access-control-allow-origin')).toBe('*');
    } finally {
        await server.close();
    }
});
