/**
 * `startReplicaServer`: the embedded replica behind one HTTP listener on 127.0.0.1.
 *
 * The listener serves the IC HTTP interface (`/api/...`) of the server's own replica (the
 * one `--state-dir` persists), and the PocketIC REST API (`/instances`, `/blobstore`,
 * `/http_gateway`) whose instances are separate, in-memory replicas.
 */
import { ReplicaKeys, ReplicaOptions } from '../replica/index.js';
import { HttpRequest, HttpResponse, listen, text } from './http.js';
import { handleIcRequest } from './ic-http.js';
import { InstanceRegistry } from './instances.js';
import { ReplicaNode } from './node.js';
import { StateDirHooks, openStateDir } from './persistence.js';
import { handlePocketIcRequest } from './pocketic.js';

export interface ReplicaServerOptions {
    /** Port on 127.0.0.1; 0 picks a free one. Default: 0. */
    port?: number;
    /** Directory to keep the replica's state in across restarts; null keeps it in memory. Default: null. */
    stateDir?: string | null;
    /** Start even if the state directory's log is damaged before its end, dropping the rounds from the damage on (`--recover-truncate-log`). Default: false. */
    recoverTruncateLog?: boolean;
    /** Fault injection into the state directory, for tests (see `StateDirHooks`). */
    stateDirHooks?: StateDirHooks;
    /** Whether sender signatures are verified. Default: true. */
    verifySignatures?: boolean;
    /** Keys of the server's replica (ignored when the state directory already has keys). Default: generated. */
    keys?: ReplicaKeys;
    /** Options of the server's replica (cost schedule, instruction limits, ...). */
    replicaOptions?: ReplicaOptions;
    /** Where diagnostics go. Default: stderr. */
    log?: (line: string) => void;
    /** Called on every request (the CLI's --ttl uses it). */
    onRequest?: () => void;
}

export interface ReplicaServer {
    /** `http://127.0.0.1:<port>` */
    readonly url: string;
    readonly port: number;
    /** The replica the IC HTTP interface serves. */
    readonly node: ReplicaNode;
    /** PocketIC instances created through the REST API. */
    readonly instances: InstanceRegistry;
    /** Stops listening, finishes the round in progress and writes the state (with a state directory). */
    close(): Promise<void>;
}

export async function startReplicaServer(options: ReplicaServerOptions = {}): Promise<ReplicaServer> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const verifySignatures = options.verifySignatures ?? true;
    let node: ReplicaNode;
    if (options.stateDir !== undefined && options.stateDir !== null) {
        node = await openStateDir(options.stateDir, { keys: options.keys, replicaOptions: options.replicaOptions, verifySignatures, live: true, log, recoverTruncateLog: options.recoverTruncateLog, hooks: options.stateDirHooks });
    } else {
        node = await ReplicaNode.create({ keys: options.keys ?? ReplicaKeys.generate(), replicaOptions: options.replicaOptions, verifySignatures, live: true });
    }
    const instances = new InstanceRegistry({ log, verifySignatures });
    const handler = async (request: HttpRequest): Promise<HttpResponse> => {
        options.onRequest?.();
        const ic = await handleIcRequest(node, request);
        if (ic !== null) return ic;
        const pic = await handlePocketIcRequest(instances, request);
        if (pic !== null) return pic;
        return text(404, `Not found: ${request.method} ${request.path}`);
    };
    let listener: Awaited<ReturnType<typeof listen>>;
    try {
        listener = await listen(handler, options.port ?? 0);
    } catch (error) {
        await node.close();
        throw error;
    }
    let closing: Promise<void> | null = null;
    return {
        url: `http://127.0.0.1:${listener.port}`,
        port: listener.port,
        node,
        instances,
        close: () =>
            (closing ??= (async () => {
                await listener.close();
                await instances.closeAll();
                await node.close();
            })())
    };
}
