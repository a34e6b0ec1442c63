/**
 * The replica server: the embedded replica behind the IC HTTP interface (for
 * @dfinity/agent and @icp-sdk/core) and the PocketIC REST API (for @dfinity/pic).
 *
 * @example
 * ```ts
 * const server = await startReplicaServer({ port: 0 });
 * const agent = await HttpAgent.create({ host: server.url, shouldFetchRootKey: true });
 * const pic = await PocketIc.create(server.url);
 * await server.close();
 * ```
 *
 * From the command line: `npm run replica -- --port 4943 [--state-dir .replica]`.
 */
export { startReplicaServer } from './server.js';
export type { ReplicaServer, ReplicaServerOptions } from './server.js';
export { ReplicaNode } from './node.js';
export type { ReplicaNodeOptions, StateStore } from './node.js';
export { ReplicaKeys } from '../replica/index.js';
export { openStateDir } from './persistence.js';
export { InstanceRegistry } from './instances.js';
export { main as replicaCli, parseArgs, USAGE } from './cli.js';
