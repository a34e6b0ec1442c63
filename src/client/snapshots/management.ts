/**
 * The management canister's snapshot methods (plus stop/start/status) as an agent actor, typed
 * from the generated bindings of ic.did. Each call's effective canister id is the canister it
 * names, so it is routed to that canister's subnet. The caller must be a controller.
 */
import { Actor, type ActorSubclass, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import * as ic from '../../replica/management/candid/generated.js';

export type SnapshotMetadata = ic.read_canister_snapshot_metadata_response;
export type UploadMetadataArgs = ic.upload_canister_snapshot_metadata_args;

/** The methods the snapshot transfer and the backup commands call. */
export interface SnapshotManagement {
    take_canister_snapshot(args: ic.take_canister_snapshot_args): Promise<ic.snapshot>;
    list_canister_snapshots(args: ic.list_canister_snapshots_args): Promise<ic.snapshot[]>;
    delete_canister_snapshot(args: ic.delete_canister_snapshot_args): Promise<undefined>;
    load_canister_snapshot(args: ic.load_canister_snapshot_args): Promise<undefined>;
    read_canister_snapshot_metadata(args: ic.read_canister_snapshot_metadata_args): Promise<SnapshotMetadata>;
    read_canister_snapshot_data(args: ic.read_canister_snapshot_data_args): Promise<ic.read_canister_snapshot_data_response>;
    upload_canister_snapshot_metadata(args: UploadMetadataArgs): Promise<ic.upload_canister_snapshot_metadata_response>;
    upload_canister_snapshot_data(args: ic.upload_canister_snapshot_data_args): Promise<undefined>;
    stop_canister(args: ic.stop_canister_args): Promise<undefined>;
    start_canister(args: ic.start_canister_args): Promise<undefined>;
    canister_status(args: ic.canister_status_args): Promise<ic.canister_status_result>;
}

const idlFactory: IDL.InterfaceFactory = () =>
    IDL.Service({
        take_canister_snapshot: IDL.Func([ic.take_canister_snapshot_args], [ic.take_canister_snapshot_result], []),
        list_canister_snapshots: IDL.Func([ic.list_canister_snapshots_args], [ic.list_canister_snapshots_result], []),
        delete_canister_snapshot: IDL.Func([ic.delete_canister_snapshot_args], [], []),
        load_canister_snapshot: IDL.Func([ic.load_canister_snapshot_args], [], []),
        read_canister_snapshot_metadata: IDL.Func([ic.read_canister_snapshot_metadata_args], [ic.read_canister_snapshot_metadata_response], []),
        read_canister_snapshot_data: IDL.Func([ic.read_canister_snapshot_data_args], [ic.read_canister_snapshot_data_response], []),
        upload_canister_snapshot_metadata: IDL.Func([ic.upload_canister_snapshot_metadata_args], [ic.upload_canister_snapshot_metadata_response], []),
        upload_canister_snapshot_data: IDL.Func([ic.upload_canister_snapshot_data_args], [], []),
        stop_canister: IDL.Func([ic.stop_canister_args], [], []),
        start_canister: IDL.Func([ic.start_canister_args], [], []),
        canister_status: IDL.Func([ic.canister_status_args], [ic.canister_status_result], [])
    });

export function snapshotManagement(agent: HttpAgent): ActorSubclass<SnapshotManagement> {
    return Actor.createActor<SnapshotManagement>(idlFactory, {
        agent,
        canisterId: Principal.managementCanister(),
        callTransform: (_method, args) => ({ effectiveCanisterId: (args[0] as { canister_id: Principal }).canister_id })
    });
}
