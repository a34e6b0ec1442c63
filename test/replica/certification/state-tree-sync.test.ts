/**
 * The state tree follows the canisters' controllers after every round, however they changed
 * (a settings update or a change of the list in place), and a round that changed no
 * canister leaves /canister as it was.
 */
import { Principal } from '@dfinity/principal';
import { decodeCbor, CborTag } from '../../../src/encoding/cbor.js';
import { lookupPath, Replica, ReplicaKeys, StateTree, utf8 } from '../../../src/replica/index.js';

function publishedControllers(tree: StateTree, canisterId: Principal): string[] {
    const path = [utf8('canister'), canisterId.toUint8Array(), utf8('controllers')];
    const found = lookupPath(tree.witness([path]), path);
    if (found.status !== 'found') throw new Error(`controllers not in the tree: ${found.status}`);
    const decoded = decodeCbor(found.value);
    const list = (decoded instanceof CborTag ? decoded.value : decoded) as Uint8Array[];
    return list.map((bytes) => Principal.fromUint8Array(bytes).toText());
}

describe('state tree sync of canisters', () => {
    it('publishes controllers changed by update_settings or in place, and nothing new when nothing changed', async () => {
        const replica = await Replica.create();
        try {
            const [a, b, c] = [1, 2, 3].map((n) => Principal.fromUint8Array(new Uint8Array([n, 1])));
            const canisterId = await replica.createCanister({ sender: a!, controllers: [a!] });
            const tree = new StateTree(ReplicaKeys.fromSeed('state-tree-sync'));
            tree.syncCanisters(replica.subnet.canisters);
            expect(publishedControllers(tree, canisterId)).toEqual([a!.toText()]);

            await replica.updateCanisterSettings({ canisterId, sender: a!, controllers: [a!, b!] });
            tree.syncCanisters(replica.subnet.canisters);
            expect(publishedControllers(tree, canisterId)).toEqual([a!.toText(), b!.toText()]);

            const before = tree.rootHash();
            tree.syncCanisters(replica.subnet.canisters);
            expect(Buffer.from(tree.rootHash())).toEqual(Buffer.from(before));

            replica.subnet.canister(canisterId)!.settings.controllers[1] = c!;
            tree.syncCanisters(replica.subnet.canisters);
            expect(publishedControllers(tree, canisterId)).toEqual([a!.toText(), c!.toText()]);
        } finally {
            await replica.tearDown();
        }
    });
});
