/** Query calls: run against the current state, non-replicated; nothing persists. */
import type { Principal } from '@dfinity/principal';
import { Invocation } from '../engine/invocation.js';
import { CallResult, canisterError, reject, Rejects } from '../reject.js';
import type { CallContext } from '../state/call-context.js';
import type { SubnetCore } from './core.js';
import { rejected } from './effects.js';

/** A query call as received. */
export interface QueryRequest {
    sender: Principal;
    canisterId: Principal;
    method: string;
    arg: Uint8Array;
}

/** Executes a query call against the current state, at the certified time. */
export function query(core: SubnetCore, request: QueryRequest): CallResult {
    const { sender, canisterId, method, arg } = request;
    if (canisterId.toUint8Array().length === 0) return core.management.query(sender, method, arg);
    const canister = core.canister(canisterId);
    if (canister === undefined) return rejected(Rejects.canisterNotFound(canisterId.toText()));
    if (canister.code === null) return rejected(Rejects.canisterEmpty(canister.idText));
    if (canister.status !== 'running') return rejected(canister.status === 'stopped' ? Rejects.canisterStopped(canister.idText) : Rejects.canisterStopping(canister.idText));
    const info = canister.code.module.info;
    const composite = info.compositeQueryMethods.has(method);
    if (!composite && !info.queryMethods.has(method)) return rejected(Rejects.methodNotFound(canister.idText, 'query', method));
    const context: CallContext = {
        id: 0,
        origin: { kind: 'system' },
        caller: sender,
        methodName: method,
        needsToRespond: true,
        deleted: false,
        availableCycles: 0n,
        outstandingCallbacks: 0,
        instructions: 0n,
        deadline: 0n
    };
    const certify = core.options.certifyQuery;
    const inv = new Invocation({
        kind: composite ? 'CQ' : 'NRQ',
        canister,
        caller: sender,
        arg,
        context,
        time: core.certifiedTime,
        limit: core.limits.query,
        dataCertificate: certify === undefined ? null : () => certify(canister.id)
    });
    const outcome = core.run(canister, inv, { kind: 'export', name: `canister_${composite ? 'composite_query' : 'query'} ${method}` });
    canister.queryStats.calls++;
    canister.queryStats.instructions += outcome.instructions;
    canister.queryStats.requestBytes += BigInt(arg.length);
    if (outcome.trap !== null) return rejected(core.trapReject(canister, outcome.trap));
    if (inv.queuedCalls.length > 0) {
        return rejected(
            reject('IC0504', canisterError(canister.idText, 'Composite queries that call other canisters are not supported by the embedded replica', 'contract-violation', 'Run this test against a real replica or PocketIC.'))
        );
    }
    if (inv.response === null) return rejected(Rejects.didNotReply(canister.idText));
    if (inv.response.kind === 'reply') canister.queryStats.responseBytes += BigInt(inv.response.payload.length);
    return inv.response;
}
