import { Principal } from '@dfinity/principal';
import {
    MAX_CALL_TIMEOUT_SECONDS,
    MAX_CERTIFIED_DATA_BYTES,
    MAX_INTER_CANISTER_PAYLOAD_BYTES,
    MAX_PRINCIPAL_BYTES,
    MAX_REPLY_BYTES_QUERY,
    MAX_REPLY_BYTES_REPLICATED,
    MAX_STABLE_PAGES,
    WASM_PAGE_BYTES
} from '../constants.js';
import { RejectCode } from '../reject.js';
import { ALLOWED_CONTEXTS, contextName, isReplicated } from './contexts.js';
import { Invocation } from './invocation.js';
import { LiveInstance } from './live-instance.js';
import { TrapError } from './trap.js';
import { StableMemory } from '../memory/stable-memory.js';
import { SYSTEM_API } from '../wasm/system-api.js';

/** What the System API needs from the replica around the canister. */
export interface SystemApiHost {
    readonly subnetId: Principal;
    /** DER-encoded root key, when the replica has one. */
    readonly rootKey: Uint8Array | null;
    /** Cycles the canister must keep to stay above its freezing threshold. */
    freezingLimit(): bigint;
    /** Cycles a call with these sizes must be able to pay (ic0.cost_call). */
    costCall(methodNameSize: bigint, payloadSize: bigint): bigint;
    /** Fee of create_canister (ic0.cost_create_canister). */
    costCreateCanister(): bigint;
    /** Whether calls may still be made (false once the caller is frozen). */
}

/** Instructions the IC charges for each System API call (system_api_complexity.rs). */
const OVERHEAD: Readonly<Record<string, bigint>> = {
    call_new: 1_500n,
    call_perform: 5_000n,
    is_controller: 1_000n,
    debug_print: 100n,
    performance_counter: 200n,
    stable64_read: 20n,
    stable64_write: 20n,
    stable64_size: 20n,
    stable_read: 20n,
    stable_write: 20n,
    stable_size: 20n
};
const DEFAULT_OVERHEAD = 500n;
/** Extra charge per byte for functions that copy data, and for replies and rejects. */
const PER_BYTE_COPY = 1n;
const PER_BYTE_REPLY = 50n;
/** Charge for each stable-memory page first written in a message. */
const PER_DIRTY_STABLE_PAGE = 1_000n;

const MAX_U64 = (1n << 64n) - 1n;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/**
 * The `ic0` imports of one canister instance. Every function checks that the current
 * execution context allows it, charges its instruction overhead, and records effects on
 * the current Invocation (which the engine commits or drops).
 */
export class SystemApi {
    #invocation: Invocation | null = null;
    #instance: LiveInstance | null = null;
    #stable: StableMemory | null = null;

    constructor(private readonly host: SystemApiHost) {}

    /** Binds an execution: ic0 calls from now on act on `invocation` through `instance` and `stable`. */
    begin(invocation: Invocation, instance: LiveInstance, stable: StableMemory): void {
        this.#invocation = invocation;
        this.#instance = instance;
        this.#stable = stable;
    }

    end(): void {
        this.#invocation = null;
        this.#instance = null;
        this.#stable = null;
    }

    get #stableMemory(): StableMemory {
        return this.#stable!;
    }

    imports(): WebAssembly.Imports {
        return { ic0: unsignedArguments(this.#functions()) };
    }

    #enter(name: string): [Invocation, LiveInstance] {
        const inv = this.#invocation;
        const live = this.#instance;
        if (inv === null || live === null) throw TrapError.contract(`"ic0_${name}" called outside of any execution`);
        if (!ALLOWED_CONTEXTS.get(name)?.has(inv.kind)) throw TrapError.contextViolation(name, contextName(inv.kind, inv.methodName));
        live.charge(OVERHEAD[name] ?? DEFAULT_OVERHEAD, inv.limit);
        return [inv, live];
    }

    #copyOut(live: LiveInstance, inv: Invocation, data: Uint8Array, dst: number, offset: number, size: number, what: string): void {
        if (offset + size > data.length) {
            throw TrapError.contract(`${what}: src=${offset} + length=${size} exceeds the slice size=${data.length}`);
        }
        live.charge(BigInt(size) * PER_BYTE_COPY, inv.limit);
        live.write(dst, data.subarray(offset, offset + size));
    }

    #readPrincipal(live: LiveInstance, src: number, size: number, what: string): Principal {
        if (size > MAX_PRINCIPAL_BYTES) throw TrapError.contract(`${what}: principal of ${size} bytes is longer than ${MAX_PRINCIPAL_BYTES}`);
        return Principal.fromUint8Array(live.read(src, size));
    }

    #write128(live: LiveInstance, dst: number, value: bigint): void {
        const out = new Uint8Array(16);
        const view = new DataView(out.buffer);
        view.setBigUint64(0, value & MAX_U64, true);
        view.setBigUint64(8, value >> 64n, true);
        live.write(dst, out);
    }

    #replyLimit(inv: Invocation): number {
        return inv.kind === 'NRQ' || inv.kind === 'CQ' || inv.kind === 'CRy' || inv.kind === 'CRt' ? MAX_REPLY_BYTES_QUERY : MAX_REPLY_BYTES_REPLICATED;
    }

    #liquidBalance(inv: Invocation): bigint {
        const liquid = inv.balance - this.host.freezingLimit();
        return liquid > 0n ? liquid : 0n;
    }

    #stableCheck(inv: Invocation, offset: bigint, size: bigint, what: string): void {
        if (!this.#stableMemory.inBounds(offset, size)) {
            throw TrapError.contract(`${what}: stable memory out of bounds (offset ${offset}, size ${size}, stable memory size ${this.#stableMemory.sizeBytes} bytes)`);
        }
    }

    #stableWrite(inv: Invocation, live: LiveInstance, offset: bigint, src: number, size: number, what: string): void {
        this.#stableCheck(inv, offset, BigInt(size), what);
        const data = live.read(src, size);
        const stable = this.#stableMemory;
        const before = stable.journalPages;
        stable.write(Number(offset), data);
        live.charge(BigInt(size) * PER_BYTE_COPY + BigInt(stable.journalPages - before) * PER_DIRTY_STABLE_PAGE, inv.limit);
    }

    #stableRead(inv: Invocation, live: LiveInstance, dst: number, offset: bigint, size: number, what: string): void {
        this.#stableCheck(inv, offset, BigInt(size), what);
        live.charge(BigInt(size) * PER_BYTE_COPY, inv.limit);
        const data = new Uint8Array(size);
        this.#stableMemory.read(Number(offset), data);
        live.write(dst, data);
    }

    #cyclesAccept(inv: Invocation, max: bigint): bigint {
        const amount = max < inv.cyclesAvailable ? max : inv.cyclesAvailable;
        inv.cyclesAccepted += amount;
        return amount;
    }

    #callCyclesAdd(inv: Invocation, amount: bigint): void {
        const call = inv.pendingCall;
        if (call === null) throw TrapError.contract('call_cycles_add: no call is being built; call ic0.call_new first');
        if (amount > this.#liquidBalance(inv)) {
            throw TrapError.contract(`call_cycles_add: the canister cannot attach ${amount} cycles: its liquid balance is ${this.#liquidBalance(inv)}`);
        }
        inv.cyclesAttached += amount;
        call.cycles += amount;
    }

    #discardPendingCall(inv: Invocation): void {
        if (inv.pendingCall !== null) {
            inv.cyclesAttached -= inv.pendingCall.cycles;
            inv.pendingCall = null;
        }
    }

    #functions(): Record<string, (...args: never[]) => unknown> {
        const api = this;
        const enter = (name: string) => api.#enter(name);
        const sortedEnv = (inv: Invocation) =>
            [...inv.canister.settings.environmentVariables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const envValue = (inv: Invocation, live: LiveInstance, src: number, size: number, what: string): string => {
            let name: string;
            try {
                name = utf8.decode(live.read(src, size));
            } catch {
                throw TrapError.contract(`${what}: the variable name is not valid UTF-8`);
            }
            const found = inv.canister.settings.environmentVariables.find((v) => v.name === name);
            if (found === undefined) throw TrapError.contract(`${what}: no environment variable named '${name}'`);
            return found.value;
        };
        const encoder = new TextEncoder();

        return {
            // --- message data -------------------------------------------------------
            msg_arg_data_size: () => enter('msg_arg_data_size')[0].arg.length,
            msg_arg_data_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('msg_arg_data_copy');
                api.#copyOut(live, inv, inv.arg, dst, offset, size, 'ic0.msg_arg_data_copy');
            },
            msg_caller_size: () => enter('msg_caller_size')[0].callerBytes.length,
            msg_caller_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('msg_caller_copy');
                api.#copyOut(live, inv, inv.callerBytes, dst, offset, size, 'ic0.msg_caller_copy');
            },
            // The replica carries no sender_info for ingress yet: both blobs are empty.
            msg_caller_info_data_size: () => (enter('msg_caller_info_data_size'), 0),
            msg_caller_info_data_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('msg_caller_info_data_copy');
                api.#copyOut(live, inv, new Uint8Array(0), dst, offset, size, 'ic0.msg_caller_info_data_copy');
            },
            msg_caller_info_signer_size: () => (enter('msg_caller_info_signer_size'), 0),
            msg_caller_info_signer_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('msg_caller_info_signer_copy');
                api.#copyOut(live, inv, new Uint8Array(0), dst, offset, size, 'ic0.msg_caller_info_signer_copy');
            },
            msg_reject_code: () => enter('msg_reject_code')[0].rejectCode,
            msg_reject_msg_size: () => encoder.encode(enter('msg_reject_msg_size')[0].rejectMessage).length,
            msg_reject_msg_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('msg_reject_msg_copy');
                api.#copyOut(live, inv, encoder.encode(inv.rejectMessage), dst, offset, size, 'ic0.msg_reject_msg_copy');
            },
            msg_deadline: () => enter('msg_deadline')[0].context?.deadline ?? 0n,
            msg_method_name_size: () => encoder.encode(enter('msg_method_name_size')[0].methodName).length,
            msg_method_name_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('msg_method_name_copy');
                api.#copyOut(live, inv, encoder.encode(inv.methodName), dst, offset, size, 'ic0.msg_method_name_copy');
            },
            accept_message: () => {
                const [inv] = enter('accept_message');
                if (inv.messageAccepted) throw TrapError.contract('ic0.accept_message: the message was already accepted');
                inv.messageAccepted = true;
            },

            // --- responding -----------------------------------------------------------
            msg_reply_data_append: (src: number, size: number) => {
                const [inv, live] = enter('msg_reply_data_append');
                if (inv.responded) throw TrapError.contract('ic0.msg_reply_data_append: the call has already been replied to or rejected');
                if (inv.replySize + size > api.#replyLimit(inv)) {
                    throw TrapError.contract(`ic0.msg_reply_data_append: the reply would exceed the maximum of ${api.#replyLimit(inv)} bytes`);
                }
                live.charge(BigInt(size) * PER_BYTE_REPLY, inv.limit);
                inv.replyParts.push(live.read(src, size));
                inv.replySize += size;
            },
            msg_reply: () => {
                const [inv] = enter('msg_reply');
                if (inv.responded) throw TrapError.contract('ic0.msg_reply: the call has already been replied to or rejected');
                inv.response = { kind: 'reply', payload: concat(inv.replyParts, inv.replySize) };
                inv.replyParts = [];
            },
            msg_reject: (src: number, size: number) => {
                const [inv, live] = enter('msg_reject');
                if (inv.responded) throw TrapError.contract('ic0.msg_reject: the call has already been replied to or rejected');
                live.charge(BigInt(size) * PER_BYTE_REPLY, inv.limit);
                let message: string;
                try {
                    message = utf8.decode(live.read(src, size));
                } catch {
                    throw TrapError.contract('ic0.msg_reject: the reject message is not valid UTF-8');
                }
                inv.response = { kind: 'reject', reject: { code: RejectCode.CanisterReject, message, errorCode: 'IC0406' } };
                inv.replyParts = [];
            },

            // --- identity, status, version ---------------------------------------------
            canister_self_size: () => enter('canister_self_size')[0].canister.id.toUint8Array().length,
            canister_self_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('canister_self_copy');
                api.#copyOut(live, inv, inv.canister.id.toUint8Array(), dst, offset, size, 'ic0.canister_self_copy');
            },
            subnet_self_size: () => (enter('subnet_self_size'), api.host.subnetId.toUint8Array().length),
            subnet_self_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('subnet_self_copy');
                api.#copyOut(live, inv, api.host.subnetId.toUint8Array(), dst, offset, size, 'ic0.subnet_self_copy');
            },
            canister_status: () => {
                const status = enter('canister_status')[0].canister.status;
                return status === 'running' ? 1 : status === 'stopping' ? 2 : 3;
            },
            canister_version: () => enter('canister_version')[0].canister.version,
            is_controller: (src: number, size: number) => {
                const [inv, live] = enter('is_controller');
                return inv.canister.isController(api.#readPrincipal(live, src, size, 'ic0.is_controller')) ? 1 : 0;
            },
            in_replicated_execution: () => (isReplicated(enter('in_replicated_execution')[0].kind) ? 1 : 0),
            root_key_size: () => {
                enter('root_key_size');
                if (api.host.rootKey === null) throw TrapError.contract('ic0.root_key_size: this replica has no root key (start it with a server identity)');
                return api.host.rootKey.length;
            },
            root_key_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('root_key_copy');
                if (api.host.rootKey === null) throw TrapError.contract('ic0.root_key_copy: this replica has no root key (start it with a server identity)');
                api.#copyOut(live, inv, api.host.rootKey, dst, offset, size, 'ic0.root_key_copy');
            },

            // --- cycles -----------------------------------------------------------------
            canister_cycle_balance: () => {
                const [inv] = enter('canister_cycle_balance');
                if (inv.balance > MAX_U64) throw TrapError.contract('ic0.canister_cycle_balance: the balance does not fit in 64 bits; use canister_cycle_balance128');
                return inv.balance;
            },
            canister_cycle_balance128: (dst: number) => {
                const [inv, live] = enter('canister_cycle_balance128');
                api.#write128(live, dst, inv.balance);
            },
            canister_liquid_cycle_balance128: (dst: number) => {
                const [inv, live] = enter('canister_liquid_cycle_balance128');
                api.#write128(live, dst, api.#liquidBalance(inv));
            },
            msg_cycles_available: () => {
                const [inv] = enter('msg_cycles_available');
                if (inv.cyclesAvailable > MAX_U64) throw TrapError.contract('ic0.msg_cycles_available: the amount does not fit in 64 bits');
                return inv.cyclesAvailable;
            },
            msg_cycles_available128: (dst: number) => {
                const [inv, live] = enter('msg_cycles_available128');
                api.#write128(live, dst, inv.cyclesAvailable);
            },
            msg_cycles_refunded: () => {
                const [inv] = enter('msg_cycles_refunded');
                if (inv.refunded > MAX_U64) throw TrapError.contract('ic0.msg_cycles_refunded: the amount does not fit in 64 bits');
                return inv.refunded;
            },
            msg_cycles_refunded128: (dst: number) => {
                const [inv, live] = enter('msg_cycles_refunded128');
                api.#write128(live, dst, inv.refunded);
            },
            msg_cycles_accept: (max: bigint) => api.#cyclesAccept(enter('msg_cycles_accept')[0], BigInt.asUintN(64, max)),
            msg_cycles_accept128: (high: bigint, low: bigint, dst: number) => {
                const [inv, live] = enter('msg_cycles_accept128');
                api.#write128(live, dst, api.#cyclesAccept(inv, (BigInt.asUintN(64, high) << 64n) | BigInt.asUintN(64, low)));
            },
            cycles_burn128: (high: bigint, low: bigint, dst: number) => {
                const [inv, live] = enter('cycles_burn128');
                const wanted = (BigInt.asUintN(64, high) << 64n) | BigInt.asUintN(64, low);
                const liquid = api.#liquidBalance(inv);
                const burned = wanted < liquid ? wanted : liquid;
                inv.cyclesBurned += burned;
                api.#write128(live, dst, burned);
            },

            // --- inter-canister calls -------------------------------------------------------
            call_new: (calleeSrc: number, calleeSize: number, nameSrc: number, nameSize: number, replyFun: number, replyEnv: number, rejectFun: number, rejectEnv: number) => {
                const [inv, live] = enter('call_new');
                api.#discardPendingCall(inv);
                const callee = api.#readPrincipal(live, calleeSrc, calleeSize, 'ic0.call_new');
                let method: string;
                try {
                    method = utf8.decode(live.read(nameSrc, nameSize));
                } catch {
                    throw TrapError.contract('ic0.call_new: the method name is not valid UTF-8');
                }
                inv.pendingCall = {
                    callee,
                    method,
                    argParts: [],
                    argSize: 0,
                    cycles: 0n,
                    onReply: { fun: replyFun >>> 0, env: replyEnv >>> 0 },
                    onReject: { fun: rejectFun >>> 0, env: rejectEnv >>> 0 },
                    onCleanup: null,
                    timeoutSeconds: null
                };
            },
            call_on_cleanup: (fun: number, env: number) => {
                const [inv] = enter('call_on_cleanup');
                const call = inv.pendingCall;
                if (call === null) throw TrapError.contract('ic0.call_on_cleanup: no call is being built; call ic0.call_new first');
                if (call.onCleanup !== null) throw TrapError.contract('ic0.call_on_cleanup: a cleanup callback is already set for this call');
                call.onCleanup = { fun: fun >>> 0, env: env >>> 0 };
            },
            call_data_append: (src: number, size: number) => {
                const [inv, live] = enter('call_data_append');
                const call = inv.pendingCall;
                if (call === null) throw TrapError.contract('ic0.call_data_append: no call is being built; call ic0.call_new first');
                if (call.argSize + size > MAX_INTER_CANISTER_PAYLOAD_BYTES) {
                    throw TrapError.contract(`ic0.call_data_append: the call argument would exceed the maximum of ${MAX_INTER_CANISTER_PAYLOAD_BYTES} bytes`);
                }
                live.charge(BigInt(size) * PER_BYTE_COPY, inv.limit);
                call.argParts.push(live.read(src, size));
                call.argSize += size;
            },
            call_with_best_effort_response: (timeoutSeconds: number) => {
                const [inv] = enter('call_with_best_effort_response');
                const call = inv.pendingCall;
                if (call === null) throw TrapError.contract('ic0.call_with_best_effort_response: no call is being built; call ic0.call_new first');
                if (call.timeoutSeconds !== null) throw TrapError.contract('ic0.call_with_best_effort_response: the timeout is already set for this call');
                call.timeoutSeconds = Math.min(timeoutSeconds >>> 0, MAX_CALL_TIMEOUT_SECONDS);
            },
            call_cycles_add: (amount: bigint) => api.#callCyclesAdd(enter('call_cycles_add')[0], BigInt.asUintN(64, amount)),
            call_cycles_add128: (high: bigint, low: bigint) =>
                api.#callCyclesAdd(enter('call_cycles_add128')[0], (BigInt.asUintN(64, high) << 64n) | BigInt.asUintN(64, low)),
            call_perform: () => {
                const [inv] = enter('call_perform');
                const call = inv.pendingCall;
                if (call === null) throw TrapError.contract('ic0.call_perform: no call is being built; call ic0.call_new first');
                inv.pendingCall = null;
                const fee = api.host.costCall(BigInt(encoder.encode(call.method).length), BigInt(call.argSize));
                if (inv.balance - fee < api.host.freezingLimit()) {
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
            },

            // --- stable memory ------------------------------------------------------------
            stable64_size: () => (enter('stable64_size'), api.#stableMemory.sizePages),
            stable64_grow: (pages: bigint) => (enter('stable64_grow'), api.#stableMemory.grow(BigInt.asUintN(64, pages), MAX_STABLE_PAGES)),
            stable64_write: (offset: bigint, src: bigint, size: bigint) => {
                const [inv, live] = enter('stable64_write');
                api.#stableWrite(inv, live, BigInt.asUintN(64, offset), Number(BigInt.asUintN(64, src)), heapSize(size), 'ic0.stable64_write');
            },
            stable64_read: (dst: bigint, offset: bigint, size: bigint) => {
                const [inv, live] = enter('stable64_read');
                api.#stableRead(inv, live, Number(BigInt.asUintN(64, dst)), BigInt.asUintN(64, offset), heapSize(size), 'ic0.stable64_read');
            },
            stable_size: () => {
                const [inv] = enter('stable_size');
                return Number(legacyStablePages(api.#stableMemory, 'ic0.stable_size'));
            },
            stable_grow: (pages: number) => {
                const [inv] = enter('stable_grow');
                legacyStablePages(api.#stableMemory, 'ic0.stable_grow');
                return Number(api.#stableMemory.grow(BigInt(pages >>> 0), LEGACY_STABLE_PAGES));
            },
            stable_write: (offset: number, src: number, size: number) => {
                const [inv, live] = enter('stable_write');
                legacyStablePages(api.#stableMemory, 'ic0.stable_write');
                api.#stableWrite(inv, live, BigInt(offset >>> 0), src >>> 0, size >>> 0, 'ic0.stable_write');
            },
            stable_read: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('stable_read');
                legacyStablePages(api.#stableMemory, 'ic0.stable_read');
                api.#stableRead(inv, live, dst >>> 0, BigInt(offset >>> 0), size >>> 0, 'ic0.stable_read');
            },

            // --- certification -----------------------------------------------------------------
            certified_data_set: (src: number, size: number) => {
                const [inv, live] = enter('certified_data_set');
                if (size > MAX_CERTIFIED_DATA_BYTES) throw TrapError.contract(`ic0.certified_data_set: ${size} bytes is more than the maximum of ${MAX_CERTIFIED_DATA_BYTES}`);
                inv.certifiedData = live.read(src, size);
            },
            data_certificate_present: () => (enter('data_certificate_present')[0].hasDataCertificate ? 1 : 0),
            data_certificate_size: () => {
                const [inv] = enter('data_certificate_size');
                const certificate = inv.dataCertificate;
                if (certificate === null) throw TrapError.contract('ic0.data_certificate_size: no certificate is present in this execution');
                return certificate.length;
            },
            data_certificate_copy: (dst: number, offset: number, size: number) => {
                const [inv, live] = enter('data_certificate_copy');
                const certificate = inv.dataCertificate;
                if (certificate === null) throw TrapError.contract('ic0.data_certificate_copy: no certificate is present in this execution');
                api.#copyOut(live, inv, certificate, dst, offset, size, 'ic0.data_certificate_copy');
            },

            // --- time and timers -------------------------------------------------------------------
            time: () => enter('time')[0].time,
            global_timer_set: (timestamp: bigint) => {
                const [inv] = enter('global_timer_set');
                const previous = inv.globalTimer ?? inv.canister.globalTimer;
                inv.globalTimer = BigInt.asUintN(64, timestamp);
                return previous;
            },
            performance_counter: (type: number) => {
                const [inv, live] = enter('performance_counter');
                const used = inv.startBudget - live.budget;
                if (type === 0) return used;
                if (type === 1) return (inv.context?.instructions ?? 0n) + used;
                throw TrapError.contract(`ic0.performance_counter: unknown counter type ${type}`);
            },

            // --- costs ------------------------------------------------------------------------------
            cost_call: (methodNameSize: bigint, payloadSize: bigint, dst: number) => {
                const [, live] = enter('cost_call');
                api.#write128(live, dst, api.host.costCall(BigInt.asUintN(64, methodNameSize), BigInt.asUintN(64, payloadSize)));
            },
            cost_create_canister: (dst: number) => {
                const [, live] = enter('cost_create_canister');
                api.#write128(live, dst, api.host.costCreateCanister());
            },
            cost_http_request: () => unsupported('cost_http_request', 'HTTPS outcalls'),
            cost_sign_with_ecdsa: () => unsupported('cost_sign_with_ecdsa', 'threshold ECDSA'),
            cost_sign_with_schnorr: () => unsupported('cost_sign_with_schnorr', 'threshold Schnorr'),
            cost_vetkd_derive_key: () => unsupported('cost_vetkd_derive_key', 'vetKD'),

            // --- environment variables -----------------------------------------------------------------
            env_var_count: () => enter('env_var_count')[0].canister.settings.environmentVariables.length,
            env_var_name_size: (index: number) => {
                const [inv] = enter('env_var_name_size');
                const variable = sortedEnv(inv)[index];
                if (variable === undefined) throw TrapError.contract(`ic0.env_var_name_size: no environment variable at index ${index}`);
                return encoder.encode(variable.name).length;
            },
            env_var_name_copy: (index: number, dst: number, offset: number, size: number) => {
                const [inv, live] = enter('env_var_name_copy');
                const variable = sortedEnv(inv)[index];
                if (variable === undefined) throw TrapError.contract(`ic0.env_var_name_copy: no environment variable at index ${index}`);
                api.#copyOut(live, inv, encoder.encode(variable.name), dst, offset, size, 'ic0.env_var_name_copy');
            },
            env_var_name_exists: (src: number, size: number) => {
                const [inv, live] = enter('env_var_name_exists');
                const name = lossyUtf8.decode(live.read(src, size));
                return inv.canister.settings.environmentVariables.some((v) => v.name === name) ? 1 : 0;
            },
            env_var_value_size: (src: number, size: number) => {
                const [inv, live] = enter('env_var_value_size');
                return encoder.encode(envValue(inv, live, src, size, 'ic0.env_var_value_size')).length;
            },
            env_var_value_copy: (src: number, size: number, dst: number, offset: number, copySize: number) => {
                const [inv, live] = enter('env_var_value_copy');
                const value = encoder.encode(envValue(inv, live, src, size, 'ic0.env_var_value_copy'));
                api.#copyOut(live, inv, value, dst, offset, copySize, 'ic0.env_var_value_copy');
            },

            // --- debugging ------------------------------------------------------------------------------
            debug_print: (src: number, size: number) => {
                const [inv, live] = enter('debug_print');
                try {
                    inv.debugPrints.push(live.read(src, size));
                } catch {
                    // debug_print never traps, even out of bounds.
                }
            },
            trap: (src: number, size: number) => {
                const [, live] = enter('trap');
                let text: string;
                try {
                    text = lossyUtf8.decode(live.read(src, size));
                } catch {
                    text = '(trap message out of bounds)';
                }
                throw TrapError.explicit(text);
            }
        } as Record<string, (...args: never[]) => unknown>;
    }
}

/**
 * Every number of the System API is unsigned, but JavaScript receives i32 arguments as signed:
 * each function gets its i32 arguments reinterpreted once, here, so no check can be fooled by
 * an address or size at or above 2 GiB.
 */
function unsignedArguments(functions: Record<string, (...args: never[]) => unknown>): Record<string, (...args: never[]) => unknown> {
    const wrapped: Record<string, (...args: never[]) => unknown> = {};
    for (const [name, fn] of Object.entries(functions)) {
        const params = SYSTEM_API.get(name)?.params ?? [];
        const i32At = params.flatMap((type, i) => (type === 'i32' ? [i] : []));
        if (i32At.length === 0) {
            wrapped[name] = fn;
            continue;
        }
        const impl = fn as (...args: Array<number | bigint>) => unknown;
        wrapped[name] = ((...args: Array<number | bigint>) => {
            for (const i of i32At) args[i] = (args[i] as number) >>> 0;
            return impl(...args);
        }) as (...args: never[]) => unknown;
    }
    return wrapped;
}

/** The 32-bit stable API only works while stable memory is at most 4 GiB. */
const LEGACY_STABLE_PAGES = 65_536n;

function legacyStablePages(stable: StableMemory, what: string): bigint {
    const pages = stable.sizePages;
    if (pages > LEGACY_STABLE_PAGES) throw TrapError.contract(`${what}: stable memory is larger than 4 GiB; use the stable64 functions`);
    return pages;
}

function heapSize(size: bigint): number {
    const n = BigInt.asUintN(64, size);
    if (n > BigInt(4 * 1024 * WASM_PAGE_BYTES * 16)) throw TrapError.wasm('heap out of bounds');
    return Number(n);
}

function unsupported(fn: string, feature: string): never {
    throw TrapError.contract(`ic0.${fn}: ${feature} are not available on the embedded replica`);
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}
