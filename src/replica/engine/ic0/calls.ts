/**
 * ic0: inter-canister calls (spec §1.4 "Inter-canister calls", §1.5). A call is built
 * between call_new and call_perform; call_perform queues it on the invocation, and it is
 * sent only if the execution commits.
 */
import { MAX_CALL_TIMEOUT_SECONDS, MAX_INTER_CANISTER_PAYLOAD_BYTES } from '../../constants.js';
import type { CallUnderConstruction } from '../invocation.js';
import { TrapError } from '../trap.js';
import { I32, I64, ic0, type Ic0Table } from './entry.js';
import { PER_BYTE_COPY, STANDARD } from './instructions.js';
import { concat, u128, type Ic0Scope } from './scope.js';

const CALLS = 'U CQ Ry Rt CRy CRt T';
/** Attaching cycles needs a replicated context that may spend them. */
const CALL_CYCLES = 'U Ry Rt T';
const encoder = new TextEncoder();

function pendingCall(s: Ic0Scope, fn: string): CallUnderConstruction {
    const call = s.inv.pendingCall;
    if (call === null) throw TrapError.contract(`ic0.${fn}: no call is being built; call ic0.call_new first`);
    return call;
}

function addCycles(s: Ic0Scope, amount: bigint): void {
    const inv = s.inv;
    const call = inv.pendingCall;
    if (call === null) throw TrapError.contract('call_cycles_add: no call is being built; call ic0.call_new first');
    if (amount > s.liquidBalance) {
        throw TrapError.contract(`call_cycles_add: the canister cannot attach ${amount} cycles: its liquid balance is ${s.liquidBalance}`);
    }
    inv.cyclesAttached += amount;
    call.cycles += amount;
}

export const CALL: Ic0Table = {
    call_new: ic0({
        params: [I32, I32, I32, I32, I32, I32, I32, I32],
        results: [],
        contexts: CALLS,
        overhead: 1_500n,
        impl: (s, calleeSrc, calleeSize, nameSrc, nameSize, replyFun, replyEnv, rejectFun, rejectEnv) => {
            const inv = s.inv;
            // An unfinished call is discarded first, and its cycles return to the balance.
            if (inv.pendingCall !== null) {
                inv.cyclesAttached -= inv.pendingCall.cycles;
                inv.pendingCall = null;
            }
            const callee = s.readPrincipal(calleeSrc, calleeSize, 'ic0.call_new');
            const method = s.readUtf8(nameSrc, nameSize, 'ic0.call_new: the method name');
            inv.pendingCall = {
                callee,
                method,
                argParts: [],
                argSize: 0,
                cycles: 0n,
                onReply: { fun: replyFun, env: replyEnv },
                onReject: { fun: rejectFun, env: rejectEnv },
                onCleanup: null,
                timeoutSeconds: null
            };
        }
    }),
    call_on_cleanup: ic0({
        params: [I32, I32],
        results: [],
        contexts: CALLS,
        overhead: STANDARD,
        impl: (s, fun, env) => {
            const call = pendingCall(s, 'call_on_cleanup');
            if (call.onCleanup !== null) throw TrapError.contract('ic0.call_on_cleanup: a cleanup callback is already set for this call');
            call.onCleanup = { fun, env };
        }
    }),
    call_data_append: ic0({
        params: [I32, I32],
        results: [],
        contexts: CALLS,
        overhead: STANDARD,
        impl: (s, src, size) => {
            const call = pendingCall(s, 'call_data_append');
            if (call.argSize + size > MAX_INTER_CANISTER_PAYLOAD_BYTES) {
                throw TrapError.contract(`ic0.call_data_append: the call argument would exceed the maximum of ${MAX_INTER_CANISTER_PAYLOAD_BYTES} bytes`);
            }
            s.charge(BigInt(size) * PER_BYTE_COPY);
            call.argParts.push(s.live.read(src, size));
            call.argSize += size;
        }
    }),
    call_with_best_effort_response: ic0({
        params: [I32],
        results: [],
        contexts: CALLS,
        overhead: STANDARD,
        impl: (s, timeoutSeconds) => {
            const call = pendingCall(s, 'call_with_best_effort_response');
            if (call.timeoutSeconds !== null) throw TrapError.contract('ic0.call_with_best_effort_response: the timeout is already set for this call');
            call.timeoutSeconds = Math.min(timeoutSeconds, MAX_CALL_TIMEOUT_SECONDS);
        }
    }),
    call_cycles_add: ic0({ params: [I64], results: [], contexts: CALL_CYCLES, overhead: STANDARD, impl: (s, amount) => addCycles(s, BigInt.asUintN(64, amount)) }),
    call_cycles_add128: ic0({ params: [I64, I64], results: [], contexts: CALL_CYCLES, overhead: STANDARD, impl: (s, high, low) => addCycles(s, u128(high, low)) }),
    call_perform: ic0({
        params: [],
        results: [I32],
        contexts: CALLS,
        overhead: 5_000n,
        impl: (s) => {
            const inv = s.inv;
            const call = pendingCall(s, 'call_perform');
            inv.pendingCall = null;
            const fee = s.host.costCall(BigInt(encoder.encode(call.method).length), BigInt(call.argSize));
            // Not enough cycles above the freezing limit to pay for the call: it is not made (code 2).
            if (inv.balance - fee < s.host.freezingLimit(inv.canister)) {
                inv.cyclesAttached -= call.cycles;
                return 2;
            }
            inv.cyclesForCallFees += fee;
            inv.queuedCalls.push({
                callee: call.callee,
                method: call.method,
                arg: concat(call.argParts, call.argSize),
                cycles: call.cycles,
                onReply: call.onReply,
                onReject: call.onReject,
                onCleanup: call.onCleanup,
                deadline: call.timeoutSeconds === null ? null : inv.time + BigInt(call.timeoutSeconds) * 1_000_000_000n
            });
            return 0;
        }
    })
};
