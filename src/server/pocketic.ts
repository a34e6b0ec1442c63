/**
 * The PocketIC REST API, as @dfinity/pic 0.23's client uses it (see
 * shared/reference/client-protocols.md, part A). Every request is answered synchronously
 * (200 with the result; errors as 400 `{message}`), so the client never polls
 * `/read_graph`. Bodies are JSON with big integers as bare numbers (json-with-bigint);
 * blobs and principals are base64; message ids are base64 of the 32-byte request id.
 */
import { Principal } from '@dfinity/principal';
import { JSONParse, JSONStringify } from 'json-with-bigint';
import { RANGE_END, RANGE_START, StableMemory } from '../replica/index.js';
import type { IngressStatus, Reject } from '../replica/index.js';
import { HttpRequest, HttpResponse, text } from './http.js';
import { Instance, InstanceError, InstanceRegistry } from './instances.js';
import { ReplicaNode } from './node.js';
import { fromHex, toHex } from '../encoding/hex.js';
import { hashOfMap } from '../encoding/request-id.js';

/** Rounds `await_ingress_message` runs before giving up on a message. */
const MAX_AWAIT_ROUNDS = 1_000;
/** The first canister id PocketIC hands out on its application subnet. */
const DEFAULT_EFFECTIVE_CANISTER_ID = Principal.fromText('lxzze-o7777-77777-aaaaa-cai');

class BadRequest extends Error {}

function json(value: unknown, status = 200): HttpResponse {
    return { status, body: value === undefined ? '' : JSONStringify(value), contentType: 'application/json' };
}

function errorResponse(message: string): HttpResponse {
    return json({ message }, 400);
}

// ------------------------------------------------------------------ JSON field access

type Json = Record<string, unknown>;

function parseBody(body: Uint8Array): Json {
    const textBody = Buffer.from(body).toString('utf8');
    if (textBody.trim() === '') return {};
    let value: unknown;
    try {
        value = JSONParse(textBody);
    } catch (error) {
        throw new BadRequest(`Request body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequest('Request body must be a JSON object');
    return value as Json;
}

function get(obj: Json, name: string): unknown {
    if (!(name in obj)) throw new BadRequest(`Missing field \`${name}\``);
    return obj[name];
}

function str(obj: Json, name: string): string {
    const v = get(obj, name);
    if (typeof v !== 'string') throw new BadRequest(`Field \`${name}\` must be a string`);
    return v;
}

function b64(obj: Json, name: string): Uint8Array {
    return new Uint8Array(Buffer.from(str(obj, name), 'base64'));
}

function principal(obj: Json, name: string): Principal {
    return Principal.fromUint8Array(b64(obj, name));
}

function nat(obj: Json, name: string): bigint {
    const v = get(obj, name);
    if (typeof v === 'bigint' && v >= 0n) return v;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    throw new BadRequest(`Field \`${name}\` must be a natural number`);
}

function record(obj: Json, name: string): Json {
    const v = get(obj, name);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest(`Field \`${name}\` must be an object`);
    return v as Json;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

// ------------------------------------------------------------------ routing

const INSTANCE_ROUTE = /^\/instances\/(\d+)(\/.*)?$/;
const GATEWAY_STOP = /^\/http_gateway\/(\d+)\/stop$/;

/** Serves one request of the PocketIC REST API; null if the path is not part of it. */
export async function handlePocketIcRequest(registry: InstanceRegistry, request: HttpRequest): Promise<HttpResponse | null> {
    const { method, path } = request;
    try {
        if (path === '/status' && method === 'GET') return json(null);
        if (path === '/instances') {
            if (method === 'POST') return await createInstance(registry, parseBody(request.body));
            if (method === 'GET') return json(registry.list());
            return text(405, 'Use GET or POST for /instances');
        }
        if (path === '/blobstore' && method === 'POST') {
            const gzipped = request.headers['content-encoding'] === 'gzip';
            return text(200, toHex(registry.putBlob(request.body, gzipped)));
        }
        if (path.startsWith('/blobstore/') && method === 'GET') {
            return { status: 200, body: registry.getBlob(fromHex(path.slice('/blobstore/'.length))), contentType: 'application/octet-stream' };
        }
        if (path === '/http_gateway' && method === 'POST') return await startGateway(registry, parseBody(request.body));
        const stop = GATEWAY_STOP.exec(path);
        if (stop !== null && method === 'POST') {
            await registry.stopGateway(Number(stop[1]));
            return json(null);
        }
        if (path.startsWith('/read_graph/')) return errorResponse('This server answers every request synchronously; there is no operation to poll');
        const match = INSTANCE_ROUTE.exec(path);
        if (match === null) return null;
        const id = Number(match[1]);
        const rest = match[2] ?? '';
        if (rest === '' || rest === '/') {
            if (method !== 'DELETE') return text(405, 'Use DELETE for /instances/<id>');
            await registry.delete(id);
            return json(null);
        }
        return await instanceRoute(registry, registry.get(id), method, rest, request);
    } catch (error) {
        if (error instanceof BadRequest || error instanceof InstanceError) return errorResponse(error.message);
        if (error instanceof Error && error.name === 'SettingTimeIntoPastError') return errorResponse(error.message);
        throw error;
    }
}

async function createInstance(registry: InstanceRegistry, body: Json): Promise<HttpResponse> {
    const problem = unsupportedConfig(body);
    if (problem !== null) return json({ Error: { message: problem } });
    const set = body.subnet_config_set as Json | undefined;
    const application = (set?.application as unknown[] | undefined) ?? [];
    const first = (application[0] ?? {}) as Json;
    const instance = await registry.create({
        costSchedule: first.cost_schedule === 'Free' ? 'free' : 'normal',
        disableIngressValidation: body.disable_ingress_validation === true
    });
    return json({ Created: { instance_id: instance.id, topology: topology(instance), http_gateway_info: null } });
}

/** The embedded replica models exactly one application subnet and no system canisters. */
function unsupportedConfig(body: Json): string | null {
    const set = body.subnet_config_set;
    if (set !== undefined && (typeof set !== 'object' || set === null)) return '`subnet_config_set` must be an object';
    const subnets = (set ?? {}) as Json;
    const single = ['nns', 'sns', 'ii', 'fiduciary', 'bitcoin'].filter((k) => subnets[k] !== undefined && subnets[k] !== null);
    const lists = ['system', 'verified_application', 'cloud_engine'].filter((k) => Array.isArray(subnets[k]) && (subnets[k] as unknown[]).length > 0);
    const application = Array.isArray(subnets.application) ? (subnets.application as unknown[]) : [];
    if (single.length + lists.length > 0) {
        return `The embedded replica has a single application subnet; it cannot create ${[...single, ...lists].join(', ')} subnets.`;
    }
    if (application.length > 1) return `The embedded replica has a single application subnet; ${application.length} were requested.`;
    const state = (application[0] as Json | undefined)?.state_config;
    if (state !== undefined && state !== 'New') return 'The embedded replica cannot load subnet state from a path (state_config FromPath); start it with --state-dir instead.';
    const features = body.icp_features;
    if (features !== undefined && features !== null && typeof features === 'object' && Object.values(features as Json).some((v) => v !== undefined && v !== null)) {
        return 'The embedded replica does not deploy system canisters (icp_features); install the canisters you need yourself.';
    }
    return null;
}

function topology(instance: Instance): Json {
    const node = instance.node;
    return {
        subnet_configs: {
            [node.keys.subnetId.toText()]: {
                subnet_kind: 'Application',
                subnet_seed: [...node.keys.subnetId.toUint8Array().slice(0, 29), 0, 0, 0].slice(0, 32),
                size: 1,
                node_ids: [{ node_id: base64(node.keys.nodeId.toUint8Array()) }],
                canister_ranges: [{ start: { canister_id: base64(RANGE_START) }, end: { canister_id: base64(RANGE_END) } }],
                instruction_config: 'Production'
            }
        },
        default_effective_canister_id: { canister_id: base64(DEFAULT_EFFECTIVE_CANISTER_ID.toUint8Array()) }
    };
}

async function startGateway(registry: InstanceRegistry, body: Json): Promise<HttpResponse> {
    const forward = record(body, 'forward_to');
    if (!('PocketIcInstance' in forward)) return json({ Error: { message: 'The embedded replica can only start HTTP gateways for its own instances (forward_to.PocketIcInstance)' } });
    const instanceId = Number(forward.PocketIcInstance);
    const gateway = await registry.startGateway(instanceId);
    return json({ Created: { instance_id: gateway.id, port: gateway.port } });
}

// ------------------------------------------------------------------ instance routes

function rejectJson(reject: Reject, certified: boolean): Json {
    const digits = /^IC(\d{4})$/.exec(reject.errorCode);
    return { reject_code: reject.code, reject_message: reject.message, error_code: digits === null ? 0 : Number(digits[1]), certified };
}

function canisterOf(instance: Instance, id: Principal) {
    const canister = instance.node.subnet.canister(id);
    if (canister === undefined) throw new BadRequest(`CanisterNotFound(${id.toText()})`);
    return canister;
}

function effectivePrincipal(body: Json): { json: unknown; canister: Principal | undefined } {
    const value = body.effective_principal ?? 'None';
    if (value === 'None') return { json: 'None', canister: undefined };
    if (typeof value === 'object' && value !== null && 'CanisterId' in value) {
        return { json: value, canister: principal(value as Json, 'CanisterId') };
    }
    return { json: value, canister: undefined };
}

let messageCounter = 0n;

/** A request id for a REST submission, computed like an IC request id of the same call. */
function messageIdFor(node: ReplicaNode, sender: Principal, canisterId: Principal, method: string, arg: Uint8Array): Uint8Array {
    return hashOfMap({
        request_type: 'call',
        canister_id: canisterId.toUint8Array(),
        method_name: method,
        arg,
        sender: sender.toUint8Array(),
        ingress_expiry: node.subnet.time,
        nonce: new TextEncoder().encode(`pocket-ic ${messageCounter++}`)
    });
}

function statusResponse(status: IngressStatus): HttpResponse {
    switch (status.status) {
        case 'replied':
            return json({ Ok: base64(status.reply) });
        case 'rejected':
            return json({ Err: rejectJson(status.reject, true) });
        default:
            return errorResponse(`The message is ${status.status}: its result is no longer available`);
    }
}

async function instanceRoute(registry: InstanceRegistry, instance: Instance, method: string, route: string, request: HttpRequest): Promise<HttpResponse> {
    const node = instance.node;
    const subnet = node.subnet;
    const body = method === 'POST' ? parseBody(request.body) : {};
    switch (`${method} ${route}`) {
        case 'POST /update/tick':
            await node.runRound();
            return json(null);
        case 'GET /read/get_time':
            return json({ nanos_since_epoch: subnet.time });
        case 'POST /update/set_time':
        case 'POST /update/set_certified_time': {
            const ns = nat(body, 'nanos_since_epoch');
            await node.settled();
            if (ns < subnet.time) return errorResponse(`SettingTimeIntoPast((${subnet.time}, ${ns}))`);
            subnet.time = ns;
            if (route === '/update/set_certified_time') node.setCertifiedTime(ns);
            return json(null);
        }
        case 'POST /read/get_controllers':
            return json(canisterOf(instance, principal(body, 'canister_id')).settings.controllers.map((c) => ({ principal_id: base64(c.toUint8Array()) })));
        case 'POST /read/get_subnet': {
            const canister = subnet.canister(principal(body, 'canister_id'));
            return json(canister === undefined ? null : { subnet_id: base64(node.keys.subnetId.toUint8Array()) });
        }
        case 'POST /read/get_cycles':
            return json({ cycles: canisterOf(instance, principal(body, 'canister_id')).cycles });
        case 'POST /update/add_cycles': {
            const canister = canisterOf(instance, principal(body, 'canister_id'));
            await node.settled();
            canister.cycles += nat(body, 'amount');
            return json({ cycles: canister.cycles });
        }
        case 'POST /read/get_stable_memory': {
            const code = canisterOf(instance, principal(body, 'canister_id')).code;
            return json({ blob: base64(code === null ? new Uint8Array(0) : code.stable.toBytes()) });
        }
        case 'POST /update/set_stable_memory': {
            const canister = canisterOf(instance, principal(body, 'canister_id'));
            const blob = registry.getBlob(b64(body, 'blob_id'));
            await node.settled();
            if (canister.code === null) return errorResponse(`Canister ${canister.idText} has no Wasm module: install code before setting its stable memory`);
            canister.code.stable = StableMemory.fromBytes(blob, subnet.pageStore);
            return json(null);
        }
        case 'POST /read/query': {
            const result = subnet.query({
                sender: principal(body, 'sender'),
                canisterId: principal(body, 'canister_id'),
                method: str(body, 'method'),
                arg: b64(body, 'payload')
            });
            return json(result.kind === 'reply' ? { Ok: base64(result.payload) } : { Err: rejectJson(result.reject, false) });
        }
        case 'POST /update/submit_ingress_message':
        case 'POST /update/execute_ingress_message': {
            const sender = principal(body, 'sender');
            const canisterId = principal(body, 'canister_id');
            const methodName = str(body, 'method');
            const arg = b64(body, 'payload');
            const effective = effectivePrincipal(body);
            await node.settled();
            const messageId = messageIdFor(node, sender, canisterId, methodName, arg);
            const submitted = node.submit({ sender, canisterId, method: methodName, arg, effectiveCanisterId: effective.canister, messageId: toHex(messageId) });
            if ('err' in submitted) return json({ Err: rejectJson(submitted.err, false) });
            if (route === '/update/submit_ingress_message') {
                return json({ Ok: { effective_principal: effective.json, message_id: base64(messageId) } });
            }
            return awaitMessage(node, toHex(messageId));
        }
        case 'POST /update/await_ingress_message':
            return awaitMessage(node, toHex(b64(body, 'message_id')));
        case 'POST /read/ingress_status': {
            const raw = record(body, 'raw_message_id');
            const id = toHex(b64(raw, 'message_id'));
            const recordOf = subnet.ingress.get(id);
            const caller = body.raw_caller;
            if (recordOf !== undefined && typeof caller === 'string' && Principal.fromUint8Array(new Uint8Array(Buffer.from(caller, 'base64'))).toText() !== recordOf.sender.toText()) {
                return errorResponse(`The user tries to access Request ID not signed by the caller: ${toHex(fromHex(id))}`);
            }
            const status = recordOf?.status;
            if (status === undefined || (status.status !== 'replied' && status.status !== 'rejected')) return json(null);
            return statusResponse(status);
        }
        case 'GET /_/topology':
            return json(topology(instance));
        case 'POST /read/pub_key':
            return json([...node.keys.rootKeyDer]);
        case 'GET /auto_progress':
            return json(node.live);
        case 'POST /auto_progress':
            node.setLive(true);
            return json(null);
        case 'POST /stop_progress':
            node.setLive(false);
            return json(null);
        case 'GET /read/get_canister_http':
            return json([]);
        case 'POST /update/mock_canister_http':
            return errorResponse('The embedded replica does not make HTTPS outcalls, so there is nothing to mock');
        default:
            return text(404, `Unknown PocketIC endpoint: ${method} /instances/${instance.id}${route}`);
    }
}

async function awaitMessage(node: ReplicaNode, id: string): Promise<HttpResponse> {
    if (node.ingressStatus(id) === null) return errorResponse(`Message ${id} not found: it was never submitted, or its status was already pruned`);
    const status = await node.awaitIngress(id, { maxRounds: MAX_AWAIT_ROUNDS, timeoutMs: node.live ? 300_000 : undefined });
    if (status === null) return errorResponse(`Message ${id} did not complete within ${MAX_AWAIT_ROUNDS} rounds`);
    return statusResponse(status);
}
