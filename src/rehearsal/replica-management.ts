/** The management canister of an in-process embedded replica, as the client's snapshot transfer calls it. */
import type { Principal } from '@dfinity/principal';

import type { SnapshotManagement } from '../client/snapshots/management.js';
import type { Replica } from '../replica/index.js';

/** `replica`'s management canister called as `sender` (tests, the bench and the rehearsal's own replica). */
export function replicaManagement(replica: Replica, sender: Principal): SnapshotManagement {
    // Both sides are typed from the same generated ic.did bindings; only the method's name is generic here.
    const method = <M extends keyof SnapshotManagement>(name: M): SnapshotManagement[M] => ((args: never) => replica.callManagement(name, args, sender)) as SnapshotManagement[M];
    return {
        take_canister_snapshot: method('take_canister_snapshot'),
        list_canister_snapshots: method('list_canister_snapshots'),
        delete_canister_snapshot: method('delete_canister_snapshot'),
        load_canister_snapshot: method('load_canister_snapshot'),
        read_canister_snapshot_metadata: method('read_canister_snapshot_metadata'),
        read_canister_snapshot_data: method('read_canister_snapshot_data'),
        upload_canister_snapshot_metadata: method('upload_canister_snapshot_metadata'),
        upload_canister_snapshot_data: method('upload_canister_snapshot_data'),
        stop_canister: method('stop_canister'),
        start_canister: method('start_canister'),
        canister_status: method('canister_status')
    };
}
