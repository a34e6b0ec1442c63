/**
 * HTTP plumbing shared by the IC interface and the PocketIC REST API: a listener on
 * 127.0.0.1, bodies read with a size limit, responses with permissive CORS headers (as
 * PocketIC adds them), and errors turned into 500s instead of crashes.
 *
 * Bodies are bounded while they stream in: a Content-Length over the limit is answered 413
 * before any of the body is read, and a body (chunked or not) is counted as it arrives and
 * answered 413 the moment it passes the limit; either way the connection is then closed,
 * so nothing more is read or kept.
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

/** Largest request body of the PocketIC REST API (a stable memory blob, a blob store upload). */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;
/**
 * Largest request body of the IC HTTP interface: the replica's `max_request_size_bytes`,
 * 5 MiB (dfinity/ic rs/config/src/http_handler.rs), answered 413 by its body receiver
 * (rs/http_endpoints/public/src/body.rs). Calls have the lower ingress limit on top (ic-http.ts).
 */
export const IC_MAX_REQUEST_BYTES = 5 * 1024 * 1024;

/** The body limit of a request: the IC's for its HTTP interface, PocketIC's for the rest. */
function defaultBodyLimit(path: string): number {
    return path.startsWith('/api/') ? IC_MAX_REQUEST_BYTES : MAX_BODY_BYTES;
}

const CORS_HEADERS = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': '*',
    'access-control-max-age': '86400'
};

class HttpError extends Error {
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

/** The body is over its limit: answered 413, and the connection closed without reading the rest. */
class BodyTooLarge extends HttpError {
    constructor(limit: number, seen: string) {
        super(413, `Request body is too large: ${seen}, more than the limit of ${limit} bytes`);
    }
}

/** Reads the body, counting bytes as they arrive; rejects with BodyTooLarge (keeping nothing more) once past `limit`. */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
        const declared = req.headers['content-length'];
        if (declared !== undefined && Number(declared) > limit) {
            reject(new BodyTooLarge(limit, `Content-Length ${declared}`));
            return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (chunk: Buffer): void => {
            size += chunk.length;
            if (size > limit) {
                req.off('data', onData);
                req.pause();
                chunks.length = 0;
                reject(new BodyTooLarge(limit, `${size} bytes so far`));
                return;
            }
            chunks.push(chunk);
        };
        req.on('data', onData);
        req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks, size))));
        req.on('error', reject);
    });
}

function send(res: ServerResponse, response: HttpResponse, close = false): void {
    const body = response.body === undefined ? undefined : typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength);
    const headers: Record<string, string | number> = { ...CORS_HEADERS, 'content-length': body?.length ?? 0 };
    if (close) headers.connection = 'close';
    if (response.contentType !== undefined) headers['content-type'] = response.contentType;
    res.writeHead(response.status, headers);
    res.end(body);
}

/** Longest a connection refused for its body size stays open after the answer (so the client reads it), and the most it reads meanwhile. */
const LINGER_MS = 1_000;
const LINGER_BYTES = 4 * 1024 * 1024;

/**
 * Closes the connection of a refused body once its answer is out. Closing a socket with
 * unread data resets it, and a client still sending would lose the answer; so, as web
 * servers do, the server half-closes, discards what still arrives (at most LINGER_BYTES,
 * for at most LINGER_MS), then closes. Nothing is kept; the rest of the body is never read.
 */
function closeAfterAnswer(req: IncomingMessage): void {
    const socket = req.socket;
    // Node closes a `connection: close` response's socket with destroySoon(); close gently instead.
    socket.destroySoon = () => {
        socket.end();
        let discarded = 0;
        const timer = setTimeout(() => socket.destroy(), LINGER_MS);
        timer.unref();
        socket.once('close', () => clearTimeout(timer));
        req.on('data', (chunk: Buffer) => {
            discarded += chunk.length;
            if (discarded > LINGER_BYTES) socket.destroy();
        });
        req.resume();
    };
}

/** Starts a listener on 127.0.0.1:`port` (0 picks a free one); `bodyLimit` bounds each request's body by its path. */
export async function listen(handler: Handler, port: number, bodyLimit: (path: string) => number = defaultBodyLimit): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
    const server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
        void (async () => {
            try {
                if (req.method === 'OPTIONS') {
                    req.resume();
                    return send(res, empty(204));
                }
                const url = req.url ?? '/';
                const q = url.indexOf('?');
                const path = q === -1 ? url : url.slice(0, q);
                const body = await readBody(req, bodyLimit(path));
                send(res, await handler({ method: req.method ?? 'GET', path, headers: req.headers, body }));
            } catch (error) {
                if (res.headersSent) return;
                if (error instanceof BodyTooLarge) {
                    closeAfterAnswer(req);
                    return send(res, text(error.status, error.message), true);
                }
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
