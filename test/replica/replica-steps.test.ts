/**
 * The Replica methods that let a test observe the replica only as a client could: calls in
 * steps (submitCall, ingressStatus, awaitCall, as PocketIC's submit_call / ingress_status /
 * await_call), the subnet's public key and a canister's log.
 */
import { CallRejectedError, Replica } from '../../src/replica/index.js';
import { OWNER, STRANGER, expectReject, newReplica, text, universal } from './conformance/support/harness.js';
import { prog } from './conformance/support/universal.js';

describe('calls in steps', () => {
    it('a submitted call is received and runs no round until awaited; awaitCall returns its reply', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const message = await replica.submitCall({ canisterId: id, method: 'run', arg: prog().reply('later').build(), sender: OWNER });
        expect(await replica.ingressStatus(message)).toEqual({ status: 'received' });
        expect(text(await replica.awaitCall(message))).toBe('later');
        expect((await replica.ingressStatus(message))?.status).toBe('replied');
    });

    it('awaitCall throws the reject of a rejected call; submitCall throws when the call is refused before execution', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const message = await replica.submitCall({ canisterId: id, method: 'run', arg: prog().trap('no').build(), sender: OWNER });
        await expectReject(replica.awaitCall(message), { rejectCode: 5, errorCode: 'IC0503' });
        await expectReject(replica.submitCall({ canisterId: id, method: 'no_such_method', sender: OWNER }), { rejectCode: 5, errorCode: 'IC0536' });
    });

    it('awaitCall of an id this replica never saw says so', async () => {
        const replica = await newReplica();
        expect(await replica.ingressStatus('00')).toBeNull();
        await expect(replica.awaitCall('00')).rejects.toThrow(/No call with message id 00/);
    });
});

describe('subnet key and canister logs', () => {
    it('getPubKey gives the root key a canister reads with ic0.root_key, for the subnet the canister is on only', async () => {
        const replica = await newReplica();
        const id = await universal(replica);
        const subnetId = (await replica.getCanisterSubnetId(id))!;
        const key = await replica.getPubKey(subnetId);
        expect(Buffer.from(await replica.updateCall({ canisterId: id, method: 'run', arg: prog().blob('root_key').appendBlob().reply().build(), sender: OWNER })).equals(Buffer.from(key))).toBe(true);
        await expect(replica.getPubKey(id)).rejects.toThrow(/No subnet/);
    });

    it('fetchCanisterLogs returns the debug prints to a controller, and refuses others while the log is for controllers', async () => {
        const replica: Replica = await newReplica();
        const id = await universal(replica);
        await replica.updateCall({ canisterId: id, method: 'run', arg: prog().ic0('debug_print', 'hello log').reply().build(), sender: OWNER });
        const records = await replica.fetchCanisterLogs({ canisterId: id, sender: OWNER });
        expect(records.map((r) => text(r.content))).toEqual(['hello log']);
        await expect(replica.fetchCanisterLogs({ canisterId: id, sender: STRANGER })).rejects.toThrow(CallRejectedError);
    });
});
