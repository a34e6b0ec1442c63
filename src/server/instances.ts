/**
 * The PocketIC instances of a server: each its own in-memory replica node (one application
 * subnet), numbered from 0 as PocketIC numbers them; the HTTP gateways started for them
 * (a second listener serving the IC HTTP interface of one instance, for `makeLive`); and
 * the blob store that `setStableMemory` uploads through.
 */
import { gunzipSync } from 'node:zlib';
import { ReplicaKeys } from '../replica/index.js';
import type { CostSchedule } from '../replica/index.js';
import { listen } from './http.js';
import { handleIcRequest } from './ic-http.js';
import { ReplicaNode } from './node.js';
import { toHex } from '../encoding/hex.js';
import { sha256 } from '../encoding/request-id.js';
import { text } from './http.js';

export interface Instance {
    readonly id: number;
    readonly node: ReplicaNode;
    /** The gateway serving this instance over the IC HTTP interface, if started. */
    gateway: Gateway | null;
}

export interface Gateway {
    readonly id: number;
    readonly instanceId: number;
    readonly port: number;
    close(): Promise<void>;
}

export interface InstanceConfig {
    costSchedule?: CostSchedule;
    /** Skip sender signature checks on the instance's gateway (PocketIC's `disable_ingress_validation`). */
    disableIngressValidation?: boolean;
}

export class InstanceError extends Error {}

export class InstanceRegistry {
    readonly #instances = new Map<number, Instance | 'deleted'>();
    readonly #gateways = new Map<number, Gateway>();
    readonly #blobs = new Map<string, Uint8Array>();
    #nextInstance = 0;
    #nextGateway = 0;
    readonly #log: (line: string) => void;
    readonly #verifySignatures: boolean;

    constructor(options: { log: (line: string) => void; verifySignatures: boolean }) {
        this.#log = options.log;
        this.#verifySignatures = options.verifySignatures;
    }

    async create(config: InstanceConfig): Promise<Instance> {
        const id = this.#nextInstance++;
        const node = await ReplicaNode.create({
            keys: ReplicaKeys.fromSeed(`pocket-ic instance ${id}`),
            replicaOptions: { costSchedule: config.costSchedule ?? 'normal' },
            verifySignatures: this.#verifySignatures && !(config.disableIngressValidation ?? false),
            live: false
        });
        const instance: Instance = { id, node, gateway: null };
        this.#instances.set(id, instance);
        return instance;
    }

    /** The live instance with this id. @throws InstanceError if there is none (or it was deleted). */
    get(id: number): Instance {
        const instance = this.#instances.get(id);
        if (instance === undefined) throw new InstanceError(`Instance ${id} not found`);
        if (instance === 'deleted') throw new InstanceError(`Instance ${id} was deleted`);
        return instance;
    }

    list(): Array<'Available' | 'Deleted'> {
        const out: Array<'Available' | 'Deleted'> = [];
        for (let id = 0; id < this.#nextInstance; id++) out.push(this.#instances.get(id) === 'deleted' ? 'Deleted' : 'Available');
        return out;
    }

    async delete(id: number): Promise<void> {
        const instance = this.get(id);
        this.#instances.set(id, 'deleted');
        if (instance.gateway !== null) await this.stopGateway(instance.gateway.id);
        await instance.node.close();
    }

    /** Starts a listener serving the IC HTTP interface of an instance. */
    async startGateway(instanceId: number): Promise<Gateway> {
        const instance = this.get(instanceId);
        if (instance.gateway !== null) return instance.gateway;
        const node = instance.node;
        const listener = await listen(async (request) => (await handleIcRequest(node, request)) ?? text(404, `Not found: ${request.method} ${request.path}`), 0);
        const gateway: Gateway = { id: this.#nextGateway++, instanceId, port: listener.port, close: listener.close };
        instance.gateway = gateway;
        this.#gateways.set(gateway.id, gateway);
        this.#log(`replica: HTTP gateway ${gateway.id} for instance ${instanceId} on http://127.0.0.1:${gateway.port}`);
        return gateway;
    }

    async stopGateway(gatewayId: number): Promise<void> {
        const gateway = this.#gateways.get(gatewayId);
        if (gateway === undefined) throw new InstanceError(`HTTP gateway ${gatewayId} not found`);
        this.#gateways.delete(gatewayId);
        const instance = this.#instances.get(gateway.instanceId);
        if (instance !== undefined && instance !== 'deleted' && instance.gateway?.id === gatewayId) instance.gateway = null;
        await gateway.close();
    }

    /** Stores a blob; returns its id (SHA-256 of the content). */
    putBlob(bytes: Uint8Array, gzipped: boolean): Uint8Array {
        const content = gzipped ? new Uint8Array(gunzipSync(bytes)) : bytes;
        const id = sha256(content);
        this.#blobs.set(toHex(id), content);
        return id;
    }

    getBlob(id: Uint8Array): Uint8Array {
        const blob = this.#blobs.get(toHex(id));
        if (blob === undefined) throw new InstanceError(`Blob ${toHex(id)} not found in the blob store`);
        return blob;
    }

    async closeAll(): Promise<void> {
        for (const id of [...this.#gateways.keys()]) await this.stopGateway(id);
        for (const [id, instance] of [...this.#instances]) {
            if (instance === 'deleted') continue;
            this.#instances.set(id, 'deleted');
            await instance.node.close();
        }
    }
}
