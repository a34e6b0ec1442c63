/**
 * The voters' page server: serves the page (index.html, its bundled script and style) on one
 * origin; the page itself talks to the network (an IC boundary node or the embedded replica's
 * server, which both answer CORS) with @dfinity/agent, from the browser. Keys never reach this
 * server: it only serves static files and the page's configuration.
 *
 * @example
 * ```ts
 * const page = await startVoterPage({ networkUrl: 'http://127.0.0.1:4943', upgraderId: 'uxrrr-q7777-77774-qaaaq-cai' });
 * console.log(`ui on ${page.url}`);
 * await page.close();
 * ```
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Principal } from '@dfinity/principal';

import { pageBundle, type PageBundle } from './bundle.js';
import type { PageConfig } from './page/config.js';

export { PageBuildError } from './bundle.js';

/** Hosts whose root key is the IC's own, built into @dfinity/agent: the page must not fetch one. */
const MAINNET_HOSTS = /(^|\.)(icp-api\.io|ic0\.app|icp0\.io)$/;

export interface VoterPageOptions {
    /** The network the page talks to, e.g. `http://127.0.0.1:4943` or `https://icp-api.io`. */
    networkUrl: string;
    /** The upgrader canister's id. */
    upgraderId: string;
    /** Port to listen on; 0 picks a free one. Default: 0. */
    port?: number;
    /** Interface to listen on. Default: 127.0.0.1 (this machine only). */
    host?: string;
    /** An app to open first (its id); the page also lists the registered apps. Default: none. */
    app?: string;
    /** Whether the page fetches the network's root key (local networks only). Default: true unless `networkUrl` is the IC's. */
    fetchRootKey?: boolean;
}

export interface VoterPage {
    /** `http://<host>:<port>` (what `upgrader ui` prints after "ui on "). */
    url: string;
    close(): Promise<void>;
}

/** Bad options: the message says which and what to pass instead. */
export class VoterPageOptionsError extends Error {
    override name = 'VoterPageOptionsError';
}

function checkedConfig(options: VoterPageOptions): PageConfig {
    let network: URL;
    try {
        network = new URL(options.networkUrl);
    } catch (error) {
        throw new VoterPageOptionsError(`networkUrl ${JSON.stringify(options.networkUrl)} is not a URL: pass one such as http://127.0.0.1:4943`, { cause: error });
    }
    if (network.protocol !== 'http:' && network.protocol !== 'https:') throw new VoterPageOptionsError(`networkUrl must be http(s), not ${network.protocol}`);
    for (const [name, value] of [['upgraderId', options.upgraderId], ['app', options.app]] as const) {
        if (value === undefined) continue;
        try {
            Principal.fromText(value);
        } catch (error) {
            throw new VoterPageOptionsError(`${name} ${JSON.stringify(value)} is not a principal (e.g. uxrrr-q7777-77774-qaaaq-cai)`, { cause: error });
        }
    }
    const networkUrl = network.origin;
    return { networkUrl, upgraderId: options.upgraderId, app: options.app ?? null, fetchRootKey: options.fetchRootKey ?? !MAINNET_HOSTS.test(network.hostname) };
}

/** index.html with the configuration as inert JSON (`<` escaped so no value can close the script element). */
function renderHtml(bundle: PageBundle, config: PageConfig): string {
    const json = JSON.stringify(config).replace(/</g, '\\u003c');
    return bundle.html.replace('<!--CONFIG-->', `<script id="config" type="application/json">${json}</script>`);
}

function headers(contentType: string, config: PageConfig): Record<string, string> {
    return {
        'content-type': contentType,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        // The page runs only its own script and talks only to this server and the network.
        'content-security-policy': `default-src 'self'; connect-src 'self' ${config.networkUrl}; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`
    };
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, contentType: string, config: PageConfig): void {
    res.writeHead(status, headers(contentType, config));
    res.end(body);
}

/**
 * Builds the page (once per process) and serves it.
 * @throws VoterPageOptionsError for a bad URL or principal, PageBuildError if the page does not build, and the listener's error (e.g. EADDRINUSE).
 */
export async function startVoterPage(options: VoterPageOptions): Promise<VoterPage> {
    const config = checkedConfig(options);
    const bundle = await pageBundle();
    const html = renderHtml(bundle, config);
    const server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Only GET: this server serves a static page.', 'text/plain; charset=utf-8', config);
        if (path === '/' || path === '/index.html') return send(res, 200, html, 'text/html; charset=utf-8', config);
        if (path === '/app.js') return send(res, 200, bundle.script, 'text/javascript; charset=utf-8', config);
        if (path === '/style.css') return send(res, 200, bundle.style, 'text/css; charset=utf-8', config);
        send(res, 404, `Not found: ${path}. The page is at /.`, 'text/plain; charset=utf-8', config);
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const { port } = server.address() as AddressInfo;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return {
        url: `http://${shownHost}:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            })
    };
}
