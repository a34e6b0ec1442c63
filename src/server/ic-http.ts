/**
 * The IC HTTP interface (IC interface spec, "HTTPS Interface") for one replica node, as
 * @dfinity/agent 3.x and @icp-sdk/core 5.x use it:
 *
 *     GET  /api/v2/status
 *     POST /api/v2/canister/<ecid>/call                 asynchronous: 202, then poll read_state
 *     POST /api/v3/canister/<ecid>/call, /api/v4/...    synchronous: 200 with a certificate (or 202 after ~10 s)
 *     POST /api/v4/subnet/<sid>/call                    synchronous, for canister creation
 *     POST /api/v2|v3/canister/<ecid>/query             signed by the node key
 *     POST /api/v2|v3/canister/<ecid>/read_state
 *     POST /api/v2|v3/subnet/<sid>/read_state
 *
 * Refusals before execution are 200 `non_replicated_rejection`s (v2: a bare reject body);
 * malformed requests, bad signatures and out-of-range expiries are 400s with the IC's
 * texts (the agent recognises `Invalid request expiry: ` and resyncs its clock). As the
 * IC's replica (dfinity/ic rs/http_endpoints/public): a body that is not
 * `Content-Type: application/cbor` is 400; a body over 5 MiB is 413 (http.ts); a call over
 * the subnet's ingress limit (`max_ingress_bytes_per_message`, 2 MiB) is 413 (call.rs);
 * the expiry of non-anonymous read_states is checked as for queries (rs/validator).
 */
import { Principal } from '@dfinity/principal';
import { isPrivateMetadata, MANAGEMENT_CANISTER_ID, MAX_INGRESS_PAYLOAD_BYTES, utf8 } from '../replica/index.js';
import type { CallResult, IngressStatus, Reject } from '../replica/index.js';
import { CborMap, CborValue, encodeCbor, isBytes } from '../encoding/cbor.js';
import { HttpRequest, HttpResponse, cbor, empty, text } from './http.js';
import { ReplicaFailedError, ReplicaNode, wallClockNs } from './node.js';
import { toHex } from '../encoding/hex.js';
import { hashOfMap } from '../encoding/request-id.js';
import { ANONYMOUS, AuthenticationError, Envelope, authenticate, parseEnvelope } from './signatures.js';

/** Version of the interface specification reported by /api/v2/status. */
const IC_API_VERSION = '0.18.0';
const IMPL_VERSION = 'embedded-replica-0.1.0';

/** Longest a synchronous call waits for its answer before replying 202. */
const SYNC_CALL_TIMEOUT_MS = 10_000;
/** Largest expiry accepted: 5 minutes ahead plus the IC's permitted drift. */
const MAX_INGRESS_TTL_NS = 5n * 60n * 1_000_000_000n;
const PERMITTED_DRIFT_NS = 60n * 1_000_000_000n;
const MAX_PATHS = 1000;
const MAX_PATH_LENGTH = 127;

type Kind = 'call' | 'query' | 'read_state';

class RequestError extends Error {
    constructor(
        readonly status: number,
        message: string
    ) {
        super(message);
    }
}

const ROUTE = /^\/api\/(v2|v3|v4)\/(canister|subnet)\/([^/]+)\/(call|query|read_state)$/;

/** Serves one request of the IC HTTP interface; null if the path is not part of it. */
export async function handleIcRequest(node: ReplicaNode, request: HttpRequest): Promise<HttpResponse | null> {
    const { method, path } = request;
    if (path === '/api/v2/status') {
        if (method !== 'GET') return text(405, 'Use GET for /api/v2/status');
        return status(node);
    }
    const match = ROUTE.exec(path);
    if (match === null) return path.startsWith('/api/') ? text(404, `Unknown endpoint ${path}`) : null;
    const [, version, scope, idText, kind] = match as unknown as [string, 'v2' | 'v3' | 'v4', 'canister' | 'subnet', string, Kind];
    if (method !== 'POST') return text(405, `Use POST for ${path}`);
    if (node.failure !== null) return text(503, node.failure.message);
    const supported =
        (kind === 'call' && scope === 'canister') ||
        (kind === 'call' && scope === 'subnet' && version === 'v4') ||
        (kind === 'query' && scope === 'canister' && version !== 'v4') ||
        (kind === 'read_state' && version !== 'v4');
    if (!supported) return text(404, `Unknown endpoint ${path}`);
    // The IC compares the whole header value, lowercased (rs/http_endpoints/public, verify_cbor_content_header).
    if (request.headers['content-type']?.toLowerCase() !== 'application/cbor') return text(400, 'Unexpected content-type, expected application/cbor.');
    const principal = urlPrincipal(idText);
    if (principal === null) return text(400, `Invalid ${scope === 'canister' ? 'effective canister' : 'subnet'} id in URL: ${idText}`);
    if (scope === 'subnet' && !samePrincipal(principal, node.keys.subnetId)) {
        return text(404, `Subnet ${principal.toText()} is not known to this replica (its subnet is ${node.keys.subnetId.toText()})`);
    }
    try {
        const envelope = parseEnvelope(request.body);
        const type = envelope.content.get('request_type');
        if (type !== kind) throw new RequestError(400, `Unexpected request_type ${JSON.stringify(String(type))} for the ${kind} endpoint`);
        const ecid = scope === 'canister' ? principal : null;
        switch (kind) {
            case 'call':
                return await call(node, envelope, ecid, version === 'v2', request.body.length);
            case 'query':
                return await query(node, envelope, principal);
            case 'read_state':
                return await readState(node, envelope, ecid);
        }
    } catch (error) {
        if (error instanceof AuthenticationError) return text(error.status, error.message);
        if (error instanceof RequestError) return text(error.status, error.message);
        if (error instanceof ReplicaFailedError) return text(503, error.message);
        throw error;
    }
}

/** Principals of URLs parsed so far (a client names the same few ids again and again). */
const urlPrincipals = new Map<string, Principal>();
const MAX_URL_PRINCIPALS = 1024;

/** The principal a URL's path segment names; null if it names none. */
function urlPrincipal(idText: string): Principal | null {
    let principal = urlPrincipals.get(idText);
    if (principal !== undefined) return principal;
    try {
        principal = Principal.fromText(decodeURIComponent(idText));
    } catch {
        return null;
    }
    if (urlPrincipals.size >= MAX_URL_PRINCIPALS) urlPrincipals.clear();
    urlPrincipals.set(idText, principal);
    return principal;
}

function samePrincipal(a: Principal, b: Principal): boolean {
    return Buffer.compare(a.toUint8Array(), b.toUint8Array()) === 0;
}

function status(node: ReplicaNode): HttpResponse {
    return cbor(
        200,
        encodeCbor({
            ic_api_version: IC_API_VERSION,
            impl_source: 'https://github.com/dfinity/ic (embedded TypeScript replica)',
            impl_version: IMPL_VERSION,
            impl_revision: 'embedded',
            root_key: node.keys.rootKeyDer,
            replica_health_status: 'healthy',
            certified_height: BigInt(node.rounds)
        })
    );
}

// ------------------------------------------------------------------ fields

function field(content: CborMap, name: string): CborValue {
    const value = content.get(name);
    if (value === undefined) throw new RequestError(400, `Could not parse body as ${String(content.get('request_type'))} request: missing field \`${name}\``);
    return value;
}

function bytesField(content: CborMap, name: string): Uint8Array {
    const value = field(content, name);
    if (!isBytes(value)) throw new RequestError(400, `Could not parse body: field \`${name}\` must be a blob`);
    return value;
}

function textField(content: CborMap, name: string): string {
    const value = field(content, name);
    if (typeof value !== 'string') throw new RequestError(400, `Could not parse body: field \`${name}\` must be text`);
    return value;
}

function natField(content: CborMap, name: string): bigint {
    const value = field(content, name);
    if (typeof value !== 'bigint' || value < 0n) throw new RequestError(400, `Could not parse body: field \`${name}\` must be a natural number`);
    return value;
}

function principalField(content: CborMap, name: string): Principal {
    const bytes = bytesField(content, name);
    if (bytes.length > 29) throw new RequestError(400, `Could not parse body: field \`${name}\` is not a principal (${bytes.length} bytes)`);
    return Principal.fromUint8Array(bytes);
}

function checkNonce(content: CborMap): void {
    const nonce = content.get('nonce');
    if (nonce !== undefined && (!isBytes(nonce) || nonce.length > 32)) throw new RequestError(400, 'Could not parse body: `nonce` must be a blob of at most 32 bytes');
}

function formatTime(ns: bigint): string {
    return new Date(Number(ns / 1_000_000n)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The replica's current time: the next round's, which in live mode is at least the wall clock. */
function replicaNow(node: ReplicaNode): bigint {
    const subnet = node.subnet;
    let now = subnet.time > subnet.certifiedTime ? subnet.time : subnet.certifiedTime;
    if (node.live) {
        const wall = wallClockNs();
        if (wall > now) now = wall;
    }
    return now;
}

/** The IC's ingress expiry rule: not in the past, at most 5 minutes (plus drift) ahead. */
function checkExpiry(node: ReplicaNode, expiry: bigint): void {
    const now = replicaNow(node);
    const max = now + MAX_INGRESS_TTL_NS + PERMITTED_DRIFT_NS;
    if (expiry < now || expiry > max) {
        throw new RequestError(
            400,
            `Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: ${formatTime(now)}, Maximum allowed expiry: ${formatTime(max)}, Provided expiry: ${formatTime(expiry)}`
        );
    }
}

function authenticateEnvelope(node: ReplicaNode, envelope: Envelope, requestId: Uint8Array, target: Principal | null): void {
    if (!node.verifySignatures) return;
    authenticate(envelope, { requestId, nowNs: replicaNow(node), targetCanister: target, rootKeyDer: node.keys.rootKeyDer });
}

function isAnonymous(sender: Uint8Array): boolean {
    return Buffer.compare(sender, ANONYMOUS) === 0;
}

// ------------------------------------------------------------------ calls

function rejectFields(reject: Reject): { reject_code: number; reject_message: string; error_code: string | undefined } {
    return { reject_code: reject.code, reject_message: reject.message, error_code: reject.errorCode === '' ? undefined : reject.errorCode };
}

async function call(node: ReplicaNode, envelope: Envelope, ecid: Principal | null, async: boolean, bodyBytes: number): Promise<HttpResponse> {
    const content = envelope.content;
    const canisterId = principalField(content, 'canister_id');
    const method = textField(content, 'method_name');
    const arg = bytesField(content, 'arg');
    const sender = principalField(content, 'sender');
    const expiry = natField(content, 'ingress_expiry');
    checkNonce(content);
    const requestId = hashOfMap(content);
    const rid = toHex(requestId);
    if (bodyBytes > MAX_INGRESS_PAYLOAD_BYTES) {
        throw new RequestError(413, `Request ${rid} is too large. Message byte size ${bodyBytes} is larger than the max allowed ${MAX_INGRESS_PAYLOAD_BYTES}.`);
    }
    checkExpiry(node, expiry);
    const isManagement = canisterId.toUint8Array().length === 0;
    authenticateEnvelope(node, envelope, requestId, isManagement ? ecid : canisterId);

    let effective = ecid;
    if (!isManagement) {
        if (ecid !== null && !samePrincipal(ecid, canisterId)) {
            throw new RequestError(400, `Specified CanisterId ${canisterId.toText()} does not match effective canister id in URL ${ecid.toText()}`);
        }
        effective = canisterId;
    }

    if (node.subnet.ingress.get(rid) === undefined) {
        if (isManagement) {
            // The effective canister id of a management call is the canister its argument names.
            const checked = node.subnet.checkManagementIngress(sender, method, arg);
            if ('err' in checked) return nonReplicatedRejection(checked.err, async);
            if (checked.ok !== null && ecid !== null && !samePrincipal(checked.ok, ecid)) {
                throw new RequestError(400, `Specified CanisterId ${checked.ok.toText()} does not match effective canister id in URL ${ecid.toText()}`);
            }
            effective = checked.ok ?? ecid ?? MANAGEMENT_CANISTER_ID;
        }
        const submitted = node.submit({ sender, canisterId, method, arg, effectiveCanisterId: effective ?? canisterId, messageId: rid });
        if ('err' in submitted) return nonReplicatedRejection(submitted.err, async);
    }
    if (async) return empty(202);

    const answer = await node.awaitIngress(rid, { timeoutMs: SYNC_CALL_TIMEOUT_MS });
    if (answer === null) return empty(202);
    return node.whenSettled(() => cbor(200, encodeCbor({ status: 'replied', certificate: node.certificate([[utf8('request_status'), requestId]]) })));
}

function nonReplicatedRejection(reject: Reject, async: boolean): HttpResponse {
    const fields = rejectFields(reject);
    return cbor(200, encodeCbor(async ? fields : { status: 'non_replicated_rejection', ...fields }));
}

// ------------------------------------------------------------------ queries

async function query(node: ReplicaNode, envelope: Envelope, ecid: Principal): Promise<HttpResponse> {
    const content = envelope.content;
    const canisterId = principalField(content, 'canister_id');
    const method = textField(content, 'method_name');
    const arg = bytesField(content, 'arg');
    const senderBytes = bytesField(content, 'sender');
    const sender = principalField(content, 'sender');
    const expiry = natField(content, 'ingress_expiry');
    checkNonce(content);
    const requestId = hashOfMap(content);
    if (!isAnonymous(senderBytes)) checkExpiry(node, expiry);
    const isManagement = canisterId.toUint8Array().length === 0;
    authenticateEnvelope(node, envelope, requestId, isManagement ? ecid : canisterId);
    if (!isManagement && !samePrincipal(ecid, canisterId)) {
        throw new RequestError(400, `Specified CanisterId ${canisterId.toText()} does not match effective canister id in URL ${ecid.toText()}`);
    }
    await node.ensureFresh();
    // Only durable state is answered: a query waits for the round being written.
    const result: CallResult = await node.whenSettled(() => node.subnet.query({ sender, canisterId, method, arg }));
    const wall = wallClockNs();
    const timestamp = node.subnet.certifiedTime > wall ? node.subnet.certifiedTime : wall;
    const identity = node.keys.nodeId.toUint8Array();
    if (result.kind === 'reply') {
        const reply = { arg: result.payload };
        const signature = node.keys.signResponse(hashOfMap({ status: 'replied', reply, timestamp, request_id: requestId }));
        return cbor(200, encodeCbor({ status: 'replied', reply, signatures: [{ timestamp, signature, identity }] }));
    }
    const fields = rejectFields(result.reject);
    const signature = node.keys.signResponse(hashOfMap({ status: 'rejected', ...fields, timestamp, request_id: requestId }));
    return cbor(200, encodeCbor({ status: 'rejected', ...fields, signatures: [{ timestamp, signature, identity }] }));
}

// ------------------------------------------------------------------ read_state

async function readState(node: ReplicaNode, envelope: Envelope, ecid: Principal | null): Promise<HttpResponse> {
    const content = envelope.content;
    const senderBytes = bytesField(content, 'sender');
    const sender = principalField(content, 'sender');
    const expiry = natField(content, 'ingress_expiry');
    const rawPaths = field(content, 'paths');
    if (!Array.isArray(rawPaths)) throw new RequestError(400, 'Could not parse body: `paths` must be an array of paths');
    if (rawPaths.length > MAX_PATHS) throw new RequestError(400, `Too many paths requested: ${rawPaths.length}, at most ${MAX_PATHS}`);
    const paths: Uint8Array[][] = rawPaths.map((p) => {
        if (!Array.isArray(p) || !p.every(isBytes)) throw new RequestError(400, 'Could not parse body: each path must be an array of blobs');
        if (p.length > MAX_PATH_LENGTH) throw new RequestError(400, `Path too long: ${p.length} labels, at most ${MAX_PATH_LENGTH}`);
        return p as Uint8Array[];
    });
    const requestId = hashOfMap(content);
    if (!isAnonymous(senderBytes)) checkExpiry(node, expiry);
    authenticateEnvelope(node, envelope, requestId, ecid);
    await node.ensureFresh();
    return node.whenSettled(() => {
        checkPaths(node, paths, ecid, sender);
        return cbor(200, encodeCbor({ certificate: node.certificate(paths) }));
    });
}

/** The IC's rules for what a read_state may ask (spec: "Request: Read state"). */
function checkPaths(node: ReplicaNode, paths: Uint8Array[][], ecid: Principal | null, sender: Principal): void {
    let requestIdSeen: string | null = null;
    const decoder = new TextDecoder();
    for (const path of paths) {
        if (path.length === 0) throw new RequestError(404, 'Invalid path requested: the empty path');
        const head = decoder.decode(path[0]);
        switch (head) {
            case 'time':
            case 'subnet':
            case 'api_boundary_nodes':
                continue;
            case 'canister_ranges':
                if (ecid !== null) throw new RequestError(404, 'Invalid path requested: /canister_ranges can only be read through the subnet read_state endpoint');
                continue;
            case 'request_status': {
                if (ecid === null) throw new RequestError(404, 'Invalid path requested: /request_status cannot be read through the subnet read_state endpoint');
                if (path.length < 2) throw new RequestError(404, 'Invalid path requested: /request_status needs a request id');
                const rid = toHex(path[1]!);
                if (requestIdSeen !== null && requestIdSeen !== rid) throw new RequestError(400, 'Can only request a single request ID in request_status paths');
                requestIdSeen = rid;
                const record = node.subnet.ingress.get(rid);
                if (record === undefined) continue;
                if (!samePrincipal(record.sender, sender)) throw new RequestError(403, 'Request IDs must be for requests signed by the caller');
                if (!samePrincipal(record.effectiveCanisterId, ecid) && !samePrincipal(record.canisterId, ecid)) {
                    throw new RequestError(400, `Effective principal id in URL ${ecid.toText()} does not match the request's effective canister id ${record.effectiveCanisterId.toText()}`);
                }
                continue;
            }
            case 'canister': {
                if (ecid === null) throw new RequestError(404, 'Invalid path requested: /canister cannot be read through the subnet read_state endpoint');
                if (path.length < 2) continue;
                const cid = Principal.fromUint8Array(path[1]!);
                if (!samePrincipal(cid, ecid)) {
                    throw new RequestError(400, `Effective principal id in URL ${ecid.toText()} does not match requested canister id: ${cid.toText()}`);
                }
                const leaf = path.length >= 3 ? decoder.decode(path[2]) : null;
                if (leaf === 'metadata' && path.length >= 4) {
                    const canister = node.subnet.canister(cid);
                    if (canister !== undefined && isPrivateMetadata(canister, path[3]!) && !canister.isController(sender)) {
                        throw new RequestError(403, `Custom section ${decoder.decode(path[3])} can only be requested by the controllers of the canister`);
                    }
                }
                continue;
            }
            default:
                throw new RequestError(404, `Invalid path requested: /${head}`);
        }
    }
}

export type { IngressStatus };
