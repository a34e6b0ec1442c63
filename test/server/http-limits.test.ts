/**
 * Hostile and malformed requests get the IC replica's answers (dfinity/ic
 * rs/http_endpoints/public): 413 for bodies over 5 MiB (bounded while streaming, the rest
 * never read) and for calls over the 2 MiB ingress limit, 400 without
 * `Content-Type: application/cbor`, 400 for an expired read_state.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { CborInput, encodeCbor } from '../../src/encoding/cbor.js';
import { IC_MAX_REQUEST_BYTES, MAX_BODY_BYTES } from '../../src/server/http.js';
import { ReplicaServer, startReplicaServer } from '../../src/server/server.js';
import { ANY_CANISTER } from './support.js';

const MIB = 1024 * 1024;
const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

function envelope(content: Record<string, CborInput>): Uint8Array {
    return encodeCbor({ content });
}

function callBody(argBytes: number): Uint8Array {
    return envelope({
        request_type: 'call',
        canister_id: ANY_CANISTER.toUint8Array(),
        method_name: 'put',
        arg: new Uint8Array(argBytes),
        sender: Principal.anonymous().toUint8Array(),
        ingress_expiry: nowNs() + 120_000_000_000n,
        nonce: new Uint8Array(16)
    });
}

async function post(server: ReplicaServer, path: string, body: Uint8Array, contentType: string | null = 'application/cbor'): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = contentType === null ? {} : { 'content-type': contentType };
    const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: new Uint8Array(body) });
    return { status: response.status, text: await response.text() };
}

/** Sends only a request head declaring `length` bytes of body; resolves with what the server answers before any body. */
function headOnly(server: ReplicaServer, path: string, length: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1');
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString('latin1')));
        socket.on('close', () => resolve(received));
        socket.on('error', (error) => (received === '' ? reject(error) : resolve(received)));
        socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/cbor\r\nContent-Length: ${length}\r\n\r\n`);
    });
}

/** Streams a chunked body of 256 KiB pieces until the server answers; resolves with its status and how much was sent. */
function streamUntilAnswered(server: ReplicaServer, path: string): Promise<{ status: number; text: string; sent: number }> {
    return new Promise((resolve, reject) => {
        let sent = 0;
        let answered = false;
        const piece = Buffer.alloc(256 * 1024, 7);
        const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers: { 'content-type': 'application/cbor', 'transfer-encoding': 'chunked' } }, (res) => {
            answered = true;
            req.end();
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text, sent }));
        });
        req.on('error', (error) => {
            if (!answered) reject(error);
        });
        const pump = (): void => {
            while (!answered && sent < 64 * MIB) {
                sent += piece.length;
                if (!req.write(piece)) return void req.once('drain', pump);
            }
            if (!answered) reject(new Error(`the server read ${sent} bytes without answering`));
        };
        pump();
    });
}

describe('the IC HTTP interface answers as the IC does', () => {
    let server: ReplicaServer;
    beforeEach(async () => {
        server = await startReplicaServer({ port: 0, log: () => undefined });
    });
    afterEach(async () => {
        await server.close();
    });

    it('answers 413 to a call over the 2 MiB ingress limit, before it reaches the replica', async () => {
        const answer = await post(server, `/api/v3/canister/${ANY_CANISTER.toText()}/call`, callBody(2 * MIB + 1));
        expect(answer.status).toBe(413);
        expect(answer.text).toMatch(/^Request [0-9a-f]{64} is too large\. Message byte size \d+ is larger than the max allowed 2097152\.$/);
        expect(server.node.subnet.ingress.size).toBe(0);
    });

    it('answers 413 to a declared body over 5 MiB before reading any of it, and closes the connection', async () => {
        const answer = await headOnly(server, `/api/v2/canister/${ANY_CANISTER.toText()}/call`, 520 * MIB);
        expect(answer).toMatch(/^HTTP\/1\.1 413 /);
        expect(answer).toMatch(/connection: close/i);
        expect(answer).toContain(`more than the limit of ${IC_MAX_REQUEST_BYTES} bytes`);
    });

    it('answers 413 to a chunked body as soon as it passes 5 MiB, without reading the rest', async () => {
        const before = process.memoryUsage().rss;
        const answer = await streamUntilAnswered(server, `/api/v3/canister/${ANY_CANISTER.toText()}/query`);
        expect(answer.status).toBe(413);
        expect(answer.text).toContain(`more than the limit of ${IC_MAX_REQUEST_BYTES} bytes`);
        // The client stopped soon after the limit: the server closed instead of draining 64 MiB.
        expect(answer.sent).toBeLessThan(32 * MIB);
        expect(process.memoryUsage().rss - before).toBeLessThan(64 * MIB);
    });

    it('keeps the PocketIC REST API at 512 MiB, answering 413 before reading a larger body', async () => {
        const answer = await headOnly(server, '/instances', 520 * MIB);
        expect(answer).toMatch(/^HTTP\/1\.1 413 /);
        expect(answer).toContain(`more than the limit of ${MAX_BODY_BYTES} bytes`);
    });

    it('answers 400 to a request that is not Content-Type: application/cbor', async () => {
        const body = callBody(10);
        for (const type of ['text/plain', 'application/json', null, 'application/cbor; charset=utf-8']) {
            const answer = await post(server, `/api/v3/canister/${ANY_CANISTER.toText()}/call`, body, type);
            expect([type, answer.status, answer.text]).toEqual([type, 400, 'Unexpected content-type, expected application/cbor.']);
        }
        expect((await post(server, `/api/v3/canister/${ANY_CANISTER.toText()}/call`, body, 'Application/CBOR')).status).toBe(200);
    });

    it('answers 400 to a read_state whose ingress_expiry has passed (signed senders), as for calls and queries', async () => {
        const sender = Ed25519KeyIdentity.generate().getPrincipal().toUint8Array();
        const paths = [[new TextEncoder().encode('time')]];
        const expired = envelope({ request_type: 'read_state', paths, sender, ingress_expiry: nowNs() - 120_000_000_000n });
        const answer = await post(server, `/api/v2/canister/${ANY_CANISTER.toText()}/read_state`, expired);
        expect(answer.status).toBe(400);
        expect(answer.text).toMatch(/^Invalid request expiry: /);
        const tooFar = envelope({ request_type: 'read_state', paths, sender, ingress_expiry: nowNs() + 3_600_000_000_000n });
        expect((await post(server, `/api/v3/canister/${ANY_CANISTER.toText()}/read_state`, tooFar)).status).toBe(400);
        // The anonymous sender's read_state is not bound by expiry (as its queries).
        const anonymous = envelope({ request_type: 'read_state', paths, sender: Principal.anonymous().toUint8Array(), ingress_expiry: nowNs() - 120_000_000_000n });
        expect((await post(server, `/api/v2/canister/${ANY_CANISTER.toText()}/read_state`, anonymous)).status).toBe(200);
    });
});
