/**
 * HTTP plumbing shared by the IC interface and the PocketIC REST API: a listener on
 * 127.0.0.1, bodies read with a size limit, responses with permissive CORS headers (as
 * PocketIC adds them), and errors turned into 500s instead of crashes.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface HttpRequest {
    method: string;
    /** Path without the query string. */
    path: string;
    headers: IncomingMessage['headers'];
    body: Uint8Array;
}

export interface HttpResponse {
    status: number;
    body?: Uint8Array | string;
    contentType?: string;
}

export type Handler = (request: HttpRequest) => Promise<HttpResponse>;

/** Largest request body accepted (an install_code of 2 MiB plus envelope, or a stable memory blob). */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;

const CORS_HEADERS = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': '*',
    'access-control-max-age': '86400'
};

export class HttpError extends Error {
    constructor(
        readonly status: number,
        message: string
    ) {
        super(message);
    }
}

export const cbor = (status: number, body: Uint8Array): HttpResponse => ({ status, body, contentType: 'application/cbor' });
export const text = (status: number, body: string): HttpResponse => ({ status, body, contentType: 'text/plain; charset=utf-8' });
export const empty = (status: number): HttpResponse => ({ status });

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > limit) {
                reject(new HttpError(413, `Request body is larger than ${limit} bytes`));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
        req.on('error', reject);
    });
}

function send(res: ServerResponse, response: HttpResponse): void {
    const body = response.body === undefined ? undefined : typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength);
    const headers: Record<string, string | number> = { ...CORS_HEADERS, 'content-length': body?.length ?? 0 };
    if (response.contentType !== undefined) headers['content-type'] = response.contentType;
    res.writeHead(response.status, headers);
    res.end(body);
}

/** Starts a listener on 127.0.0.1:`port` (0 picks a free one). */
export async function listen(handler: Handler, port: number, maxBodyBytes = MAX_BODY_BYTES): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
    const server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
        void (async () => {
            try {
                if (req.method === 'OPTIONS') {
                    req.resume();
                    return send(res, empty(204));
                }
                const body = await readBody(req, maxBodyBytes);
                const url = req.url ?? '/';
                const q = url.indexOf('?');
                const path = q === -1 ? url : url.slice(0, q);
                send(res, await handler({ method: req.method ?? 'GET', path, headers: req.headers, body }));
            } catch (error) {
                if (res.headersSent) return;
                if (error instanceof HttpError) return send(res, text(error.status, error.message));
                const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
                process.stderr.write(`replica: internal error serving ${req.method} ${req.url}: ${message}\n`);
                send(res, text(500, `Internal error of the embedded replica: ${error instanceof Error ? error.message : String(error)}`));
            }
        })();
    });
    server.headersTimeout = 0;
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
        });
    });
    const actual = (server.address() as AddressInfo).port;
    const close = (): Promise<void> =>
        new Promise((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        });
    return { server, port: actual, close };
}
