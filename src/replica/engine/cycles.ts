import { FEES } from '../constants.js';
import { Canister } from '../state/canister.js';

/** How cycles are charged: as on a 13-node application subnet, or not at all (PocketIC's "Free"). */
export type CostSchedule = 'normal' | 'free';

const GIB = 1024n * 1024n * 1024n;
const SECONDS_PER_DAY = 86_400n;

/** Bytes the canister is charged storage for: heap, stable memory, module, chunks and snapshots. */
export function memoryUsage(canister: Canister): bigint {
    let bytes = 0n;
    const code = canister.code;
    if (code !== null) {
        bytes += BigInt(code.heap.sizeBytes) + code.stable.sizeBytes + BigInt(code.module.wasm.length);
    }
    for (const chunk of canister.chunkStore.values()) bytes += BigInt(chunk.length);
    for (const snapshot of canister.snapshots.values()) {
        bytes += BigInt(snapshot.heap.sizeBytes) + snapshot.stable.sizeBytes + BigInt(snapshot.wasm.length);
        for (const chunk of snapshot.chunkStore.values()) bytes += BigInt(chunk.length);
    }
    return bytes;
}

/** The cost model the replica charges with. */
export class Cycles {
    constructor(readonly schedule: CostSchedule) {}

    #fee(amount: bigint): bigint {
        return this.schedule === 'free' ? 0n : amount;
    }

    /** Cycles burned per day by storage (idle_cycles_burned_per_day). */
    idleBurnPerDay(canister: Canister): bigint {
        return this.#fee((memoryUsage(canister) * FEES.storagePerGiBSecond * SECONDS_PER_DAY) / GIB);
    }

    /** Balance below which the canister is frozen. */
    freezingLimit(canister: Canister): bigint {
        return (this.idleBurnPerDay(canister) * canister.settings.freezingThreshold) / SECONDS_PER_DAY;
    }

    /** Storage cost for `nanos` of time. */
    storageCost(canister: Canister, nanos: bigint): bigint {
        return this.#fee((memoryUsage(canister) * FEES.storagePerGiBSecond * nanos) / (GIB * 1_000_000_000n));
    }

    executionCost(instructions: bigint): bigint {
        return this.#fee(FEES.updateMessageExecution + instructions * FEES.perInstruction);
    }

    ingressInduction(bytes: number): bigint {
        return this.#fee(FEES.ingressMessageReception + BigInt(bytes) * FEES.ingressBytePrice);
    }

    /** Fee of an inter-canister call with this request size (the response is paid on arrival). */
    callCost(methodNameSize: bigint, payloadSize: bigint): bigint {
        return this.#fee(FEES.xnetCall + (methodNameSize + payloadSize) * FEES.xnetBytePrice);
    }

    responseCost(bytes: number): bigint {
        return this.#fee(BigInt(bytes) * FEES.xnetBytePrice);
    }

    canisterCreation(): bigint {
        return this.#fee(FEES.canisterCreation);
    }
}
