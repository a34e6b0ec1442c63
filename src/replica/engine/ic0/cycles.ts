/**
 * ic0: the canister's balance and the cycles a message carries (spec §1.4 "Cycles").
 * 128-bit amounts come in as (high, low) and go out as 16 bytes little-endian at `dst`.
 */
import { TrapError } from '../trap.js';
import { I32, I64, ic0, type Ic0Table } from './entry.js';
import { STANDARD } from './instructions.js';
import { MAX_U64, u128, type Ic0Scope } from './scope.js';

const CYCLES_IN = 'U RQ Rt Ry';
const REFUNDED = 'Rt Ry';

/** Moves min(max, available) into the balance; never traps. */
function accept(s: Ic0Scope, max: bigint): bigint {
    const inv = s.inv;
    const amount = max < inv.cyclesAvailable ? max : inv.cyclesAvailable;
    inv.cyclesAccepted += amount;
    return amount;
}

export const CYCLES: Ic0Table = {
    canister_cycle_balance: ic0({
        params: [],
        results: [I64],
        contexts: '*',
        overhead: STANDARD,
        impl: (s) => {
            const balance = s.inv.balance;
            if (balance > MAX_U64) throw TrapError.contract('ic0.canister_cycle_balance: the balance does not fit in 64 bits; use canister_cycle_balance128');
            return balance;
        }
    }),
    canister_cycle_balance128: ic0({ params: [I32], results: [], contexts: '*', overhead: STANDARD, impl: (s, dst) => s.write128(dst, s.inv.balance) }),
    canister_liquid_cycle_balance128: ic0({ params: [I32], results: [], contexts: '*', overhead: STANDARD, impl: (s, dst) => s.write128(dst, s.liquidBalance) }),
    msg_cycles_available: ic0({
        params: [],
        results: [I64],
        contexts: CYCLES_IN,
        overhead: STANDARD,
        impl: (s) => {
            const available = s.inv.cyclesAvailable;
            if (available > MAX_U64) throw TrapError.contract('ic0.msg_cycles_available: the amount does not fit in 64 bits');
            return available;
        }
    }),
    msg_cycles_available128: ic0({ params: [I32], results: [], contexts: CYCLES_IN, overhead: STANDARD, impl: (s, dst) => s.write128(dst, s.inv.cyclesAvailable) }),
    msg_cycles_refunded: ic0({
        params: [],
        results: [I64],
        contexts: REFUNDED,
        overhead: STANDARD,
        impl: (s) => {
            const refunded = s.inv.refunded;
            if (refunded > MAX_U64) throw TrapError.contract('ic0.msg_cycles_refunded: the amount does not fit in 64 bits');
            return refunded;
        }
    }),
    msg_cycles_refunded128: ic0({ params: [I32], results: [], contexts: REFUNDED, overhead: STANDARD, impl: (s, dst) => s.write128(dst, s.inv.refunded) }),
    msg_cycles_accept: ic0({ params: [I64], results: [I64], contexts: CYCLES_IN, overhead: STANDARD, impl: (s, max) => accept(s, BigInt.asUintN(64, max)) }),
    msg_cycles_accept128: ic0({
        params: [I64, I64, I32],
        results: [],
        contexts: CYCLES_IN,
        overhead: STANDARD,
        impl: (s, high, low, dst) => s.write128(dst, accept(s, u128(high, low)))
    }),
    cycles_burn128: ic0({
        params: [I64, I64, I32],
        results: [],
        contexts: 'I G U RQ Ry Rt C T',
        overhead: STANDARD,
        impl: (s, high, low, dst) => {
            const wanted = u128(high, low);
            const liquid = s.liquidBalance;
            const burned = wanted < liquid ? wanted : liquid;
            s.inv.cyclesBurned += burned;
            s.write128(dst, burned);
        }
    })
};

function unsupported(fn: string, feature: string): never {
    throw TrapError.contract(`ic0.${fn}: ${feature} are not available on the embedded replica`);
}

/** What things cost, in cycles (spec §1.4 "Introspection"); callable everywhere. */
export const COSTS: Ic0Table = {
    cost_call: ic0({
        params: [I64, I64, I32],
        results: [],
        contexts: '* s',
        overhead: STANDARD,
        impl: (s, methodNameSize, payloadSize, dst) => s.write128(dst, s.host.costCall(BigInt.asUintN(64, methodNameSize), BigInt.asUintN(64, payloadSize)))
    }),
    cost_create_canister: ic0({ params: [I32], results: [], contexts: '* s', overhead: STANDARD, impl: (s, dst) => s.write128(dst, s.host.costCreateCanister()) }),
    cost_http_request: ic0({ params: [I64, I64, I32], results: [], contexts: '* s', overhead: STANDARD, impl: () => unsupported('cost_http_request', 'HTTPS outcalls') }),
    cost_sign_with_ecdsa: ic0({
        params: [I32, I32, I32, I32],
        results: [I32],
        contexts: '* s',
        overhead: STANDARD,
        impl: () => unsupported('cost_sign_with_ecdsa', 'threshold ECDSA')
    }),
    cost_sign_with_schnorr: ic0({
        params: [I32, I32, I32, I32],
        results: [I32],
        contexts: '* s',
        overhead: STANDARD,
        impl: () => unsupported('cost_sign_with_schnorr', 'threshold Schnorr')
    }),
    cost_vetkd_derive_key: ic0({
        params: [I32, I32, I32, I32],
        results: [I32],
        contexts: '* s',
        overhead: STANDARD,
        impl: () => unsupported('cost_vetkd_derive_key', 'vetKD')
    })
};
