/** A fleet of member canisters on an in-process replica: one installed and bumped, the rest cloned from it. */
import type { Principal } from '@dfinity/principal';
import type { Replica } from '../../src/replica/index.js';
import { cloneCanister, fleetManagement } from './clone.js';
import { type FleetMemberVersion, fleetMemberModule } from './member-module.js';

export interface FleetOptions {
    /** Who creates the fleet: a controller of every member until they are handed to `controllers`. */
    owner: Principal;
    /** How many members, the first one included. */
    size: number;
    /** Default: v1. */
    version?: FleetMemberVersion;
    /** Padding of the member module (see `fleetMemberModule`). Default: none. */
    padBytes?: number;
    /** Bumps of the first member before it is copied, so every member starts with this count. Default: 0. */
    bumps?: number;
    /** Controllers of every member at the end. Default: `owner` alone. */
    controllers?: Principal[];
    /** Cycles of each member. Default: 10^14 (100 T). */
    cycles?: bigint;
    /** Called as members are ready: `done` of `total` (the first member counts). */
    onProgress?: (done: number, total: number) => void;
}

const DEFAULT_CYCLES = 100_000_000_000_000n;

/** Creates the fleet; returns the members' ids, the first (the one installed) first. */
export async function buildFleet(replica: Replica, options: FleetOptions): Promise<Principal[]> {
    const { owner, size } = options;
    if (!Number.isSafeInteger(size) || size < 1) throw new Error(`buildFleet: size must be a whole number, 1 or more (got ${size})`);
    const cycles = options.cycles ?? DEFAULT_CYCLES;
    const first = await replica.createCanister({ sender: owner, cycles });
    const wasm = await fleetMemberModule(options.version ?? 'v1', { padBytes: options.padBytes });
    await replica.installCode({ canisterId: first, wasm, sender: owner });
    for (let i = 0; i < (options.bumps ?? 0); i++) await replica.updateCall({ canisterId: first, method: 'bump', sender: owner });
    options.onProgress?.(1, size);
    const copies = await cloneCanister(fleetManagement(replica, owner), first, size - 1, {
        controllers: options.controllers,
        cycles,
        onProgress: (done) => options.onProgress?.(done + 1, size)
    });
    if (options.controllers !== undefined) await replica.updateCanisterSettings({ canisterId: first, sender: owner, controllers: options.controllers });
    return [first, ...copies];
}
