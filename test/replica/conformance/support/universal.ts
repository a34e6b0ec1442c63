/**
 * A small "universal" test canister written in WebAssembly text, after the one of the IC's
 * (Over 400 lines on purpose: the WAT interpreter and the `Prog` builder for its opcodes must
 * be read and changed together.)
 * own conformance tests: its methods interpret their argument as a program for a stack
 * machine of i64 values, so one module can exercise any System API function in any
 * context. `Prog` builds such programs.
 *
 * Entry points:
 * - `canister_update run`, `canister_query query`, `canister_composite_query composite`,
 *   `canister_init`, `canister_post_upgrade`: run the argument.
 * - `canister_pre_upgrade`, `canister_global_timer` (and, when asked for,
 *   `canister_inspect_message` and `canister_heartbeat`): run the program stored in their
 *   slot (`setSlot`), if any. An inspect_message without a program accepts the message.
 * - Function table: index 0 is the callback that runs the program its env points to
 *   (as stored by `Prog.program`); index 1 is a callback that does nothing. Op handlers
 *   (type `() -> ()`) live from index 16 on.
 *
 * Memory (16 pages = 1 MiB): scratch [0, 0xF00) for the tests' own use (e.g. 128-bit
 * outputs), slots at 0xF00, the value stack at 0x1000, a per-message temp area at 0x3000,
 * a persistent arena of stored programs at 0x10000, the program argument at 0x40000 and
 * a free data area at `DATA` for tests.
 */
import { wat } from './wat.js';

export const SCRATCH = 0x100;
export const DATA = 0xc0000;
const SLOTS = 0xf00;
const STACK = 0x1000;
const STACK_END = 0x3000;
const TEMP = 0x3000;
const TEMP_END = 0x10000;
const ARENA = 0x10000;
const ARENA_END = 0x40000;
const ARG = 0x40000;
const ARG_END = 0xc0000;
const OP_TABLE_BASE = 16;

/** Slots for stored programs. */
export const Slot = { preUpgrade: 0, globalTimer: 1, inspectMessage: 2, heartbeat: 3 } as const;

type ValType = 'i' | 'I';

/** The System API functions the canister imports: name, parameter types, result type ('i' i32, 'I' i64). */
const IC0: ReadonlyArray<readonly [string, string, '' | ValType]> = [
    ['msg_arg_data_size', '', 'i'],
    ['msg_arg_data_copy', 'iii', ''],
    ['msg_caller_size', '', 'i'],
    ['msg_caller_copy', 'iii', ''],
    ['msg_reject_code', '', 'i'],
    ['msg_reject_msg_size', '', 'i'],
    ['msg_reject_msg_copy', 'iii', ''],
    ['msg_deadline', '', 'I'],
    ['msg_method_name_size', '', 'i'],
    ['msg_method_name_copy', 'iii', ''],
    ['accept_message', '', ''],
    ['msg_reply_data_append', 'ii', ''],
    ['msg_reply', '', ''],
    ['msg_reject', 'ii', ''],
    ['msg_cycles_available', '', 'I'],
    ['msg_cycles_available128', 'i', ''],
    ['msg_cycles_refunded', '', 'I'],
    ['msg_cycles_refunded128', 'i', ''],
    ['msg_cycles_accept', 'I', 'I'],
    ['msg_cycles_accept128', 'IIi', ''],
    ['cycles_burn128', 'IIi', ''],
    ['canister_self_size', '', 'i'],
    ['canister_self_copy', 'iii', ''],
    ['subnet_self_size', '', 'i'],
    ['subnet_self_copy', 'iii', ''],
    ['canister_cycle_balance', '', 'I'],
    ['canister_cycle_balance128', 'i', ''],
    ['canister_liquid_cycle_balance128', 'i', ''],
    ['canister_status', '', 'i'],
    ['canister_version', '', 'I'],
    ['is_controller', 'ii', 'i'],
    ['in_replicated_execution', '', 'i'],
    ['call_new', 'iiiiiiii', ''],
    ['call_on_cleanup', 'ii', ''],
    ['call_data_append', 'ii', ''],
    ['call_with_best_effort_response', 'i', ''],
    ['call_cycles_add', 'I', ''],
    ['call_cycles_add128', 'II', ''],
    ['call_perform', '', 'i'],
    ['stable_size', '', 'i'],
    ['stable_grow', 'i', 'i'],
    ['stable_write', 'iii', ''],
    ['stable_read', 'iii', ''],
    ['stable64_size', '', 'I'],
    ['stable64_grow', 'I', 'I'],
    ['stable64_write', 'III', ''],
    ['stable64_read', 'III', ''],
    ['certified_data_set', 'ii', ''],
    ['data_certificate_present', '', 'i'],
    ['data_certificate_size', '', 'i'],
    ['data_certificate_copy', 'iii', ''],
    ['root_key_size', '', 'i'],
    ['root_key_copy', 'iii', ''],
    ['time', '', 'I'],
    ['global_timer_set', 'I', 'I'],
    ['performance_counter', 'i', 'I'],
    ['cost_call', 'IIi', ''],
    ['cost_create_canister', 'i', ''],
    ['env_var_count', '', 'i'],
    ['env_var_name_size', 'i', 'i'],
    ['env_var_name_copy', 'iiii', ''],
    ['env_var_value_size', 'ii', 'i'],
    ['env_var_value_copy', 'iiiii', ''],
    ['debug_print', 'ii', ''],
    ['trap', 'ii', '']
];

export type Ic0Name = (typeof IC0)[number][0];

/** Blobs read through a `<name>_size` / `<name>_copy` pair and pushed as (ptr, len). */
const BLOBS = ['msg_arg_data', 'msg_caller', 'msg_reject_msg', 'msg_method_name', 'canister_self', 'subnet_self', 'data_certificate', 'root_key'] as const;
export type BlobName = (typeof BLOBS)[number];

/** Ops of the machine besides the System API calls; the WAT body of each pops and pushes i64s. */
const BUILTINS: ReadonlyArray<readonly [string, string]> = [
    // i64 <8 bytes LE>
    ['i64', '(call $push (i64.load (global.get $pc))) (global.set $pc (i32.add (global.get $pc) (i32.const 8)))'],
    // bytes <u32 len> <data>: pushes (ptr, len) of the data inside the program
    [
        'bytes',
        `(local.set $a (i32.load (global.get $pc)))
         (call $push (i64.extend_i32_u (i32.add (global.get $pc) (i32.const 4))))
         (call $push (i64.extend_i32_u (local.get $a)))
         (global.set $pc (i32.add (global.get $pc) (i32.add (i32.const 4) (local.get $a))))`
    ],
    // program <u32 len> <data>: copies [len][data] into the arena and pushes its address (a callback env)
    [
        'program',
        `(local.set $a (i32.load (global.get $pc)))
         (local.set $b (global.get $arena))
         (if (i32.gt_u (i32.add (local.get $b) (i32.add (local.get $a) (i32.const 8))) (i32.const ${ARENA_END})) (then (call $fail (i32.const 0))))
         (memory.copy (local.get $b) (global.get $pc) (i32.add (local.get $a) (i32.const 4)))
         (global.set $arena (i32.and (i32.add (i32.add (local.get $b) (local.get $a)) (i32.const 11)) (i32.const -8)))
         (call $push (i64.extend_i32_u (local.get $b)))
         (global.set $pc (i32.add (global.get $pc) (i32.add (i32.const 4) (local.get $a))))`
    ],
    ['drop', '(drop (call $pop))'],
    ['dup', '(local.set $x (call $pop)) (call $push (local.get $x)) (call $push (local.get $x))'],
    ['swap', '(local.set $y (call $pop)) (local.set $x (call $pop)) (call $push (local.get $y)) (call $push (local.get $x))'],
    ['add', '(local.set $y (call $pop)) (local.set $x (call $pop)) (call $push (i64.add (local.get $x) (local.get $y)))'],
    ['sub', '(local.set $y (call $pop)) (local.set $x (call $pop)) (call $push (i64.sub (local.get $x) (local.get $y)))'],
    // store64: (addr, value) -> ()
    ['store64', '(local.set $y (call $pop)) (local.set $x (call $pop)) (i64.store (i32.wrap_i64 (local.get $x)) (local.get $y))'],
    // load64: (addr) -> value
    ['load64', '(call $push (i64.load (i32.wrap_i64 (call $pop))))'],
    // memcpy: (dst, src, len) -> ()
    [
        'memcpy',
        `(local.set $c (i32.wrap_i64 (call $pop))) (local.set $b (i32.wrap_i64 (call $pop))) (local.set $a (i32.wrap_i64 (call $pop)))
         (memory.copy (local.get $a) (local.get $b) (local.get $c))`
    ],
    ['global_get', '(call $push (global.get $g))'],
    ['global_set', '(global.set $g (call $pop))'],
    ['memory_size', '(call $push (i64.extend_i32_u (memory.size)))'],
    ['memory_grow', '(call $push (i64.extend_i32_s (memory.grow (i32.wrap_i64 (call $pop)))))'],
    ['unreachable', 'unreachable'],
    // i64_bytes: (value) -> (ptr, 8), the value little-endian in the temp area
    ['i64_bytes', '(local.set $a (call $temp (i32.const 8))) (i64.store (local.get $a) (call $pop)) (call $push (i64.extend_i32_u (local.get $a))) (call $push (i64.const 8))'],
    // append_i64: (value) -> (), appends it little-endian to the reply
    ['append_i64', '(local.set $a (call $temp (i32.const 8))) (i64.store (local.get $a) (call $pop)) (call $ic0_msg_reply_data_append (local.get $a) (i32.const 8))'],
    // set_slot: (slot, env) -> ()
    ['set_slot', '(local.set $x (call $pop)) (i32.store (i32.add (i32.const 0xf00) (i32.shl (i32.wrap_i64 (call $pop)) (i32.const 2))) (i32.wrap_i64 (local.get $x)))'],
    // eq: (a, b) -> a == b
    ['eq', '(local.set $y (call $pop)) (local.set $x (call $pop)) (call $push (i64.extend_i32_u (i64.eq (local.get $x) (local.get $y))))'],
    // assert: (cond) -> (), traps with "uc: assertion failed" when it is zero
    ['assert', '(if (i64.eqz (call $pop)) (then (call $fail (i32.const 3))))'],
    // store8: (addr, value) -> ()
    ['store8', '(local.set $y (call $pop)) (local.set $x (call $pop)) (i64.store8 (i32.wrap_i64 (local.get $x)) (local.get $y))']
];

export type BuiltinName = (typeof BUILTINS)[number][0];

const OPCODES = new Map<string, number>();
BUILTINS.forEach(([name], i) => OPCODES.set(`op:${name}`, i));
IC0.forEach(([name], i) => OPCODES.set(`ic0:${name}`, BUILTINS.length + i));
BLOBS.forEach((name, i) => OPCODES.set(`blob:${name}`, BUILTINS.length + IC0.length + i));

const FAIL_MESSAGES = ['uc: arena full', 'uc: stack overflow', 'uc: stack underflow', 'uc: assertion failed', 'uc: unknown op', 'uc: temp area full', 'uc: argument too large'];

function wasmType(t: string): string {
    return t === 'I' ? 'i64' : 'i32';
}

export interface UniversalOptions {
    /** Export canister_inspect_message (runs the inspect slot; accepts when it is empty). Default: false. */
    inspectMessage?: boolean;
    /** Export canister_heartbeat (runs the heartbeat slot). Default: false. */
    heartbeat?: boolean;
    /** Extra WAT inserted into the module (e.g. another export). */
    extra?: string;
}

/** The universal canister's WebAssembly text. */
function universalWat(options: UniversalOptions = {}): string {
    const imports = IC0.map(([name, params, result]) => {
        const ps = [...params].map(wasmType).join(' ');
        return `(import "ic0" "${name}" (func $ic0_${name}${ps ? ` (param ${ps})` : ''}${result ? ` (result ${wasmType(result)})` : ''}))`;
    });
    const handlers: string[] = [];
    for (const [name, body] of BUILTINS) {
        handlers.push(`(func $op_${name} (type $op) (local $a i32) (local $b i32) (local $c i32) (local $x i64) (local $y i64) ${body})`);
    }
    for (const [name, params, result] of IC0) {
        const locals = [...params].map((_, i) => `(local $p${i} i64)`).join(' ');
        const pops = [...params].map((_, i) => `(local.set $p${params.length - 1 - i} (call $pop))`).join(' ');
        const args = [...params].map((t, i) => (t === 'I' ? `(local.get $p${i})` : `(i32.wrap_i64 (local.get $p${i}))`)).join(' ');
        const call = `(call $ic0_${name} ${args})`;
        const body = result === '' ? call : result === 'I' ? `(call $push ${call})` : `(call $push (i64.extend_i32_s ${call}))`;
        handlers.push(`(func $ic0op_${name} (type $op) ${locals} ${pops} ${body})`);
    }
    for (const name of BLOBS) {
        handlers.push(
            `(func $blob_${name} (type $op) (local $n i32) (local $t i32)
               (local.set $n (call $ic0_${name}_size))
               (local.set $t (call $temp (local.get $n)))
               (call $ic0_${name}_copy (local.get $t) (i32.const 0) (local.get $n))
               (call $push (i64.extend_i32_u (local.get $t)))
               (call $push (i64.extend_i32_u (local.get $n))))`
        );
    }
    const opCount = BUILTINS.length + IC0.length + BLOBS.length;
    const elems = [
        ...BUILTINS.map(([name]) => `$op_${name}`),
        ...IC0.map(([name]) => `$ic0op_${name}`),
        ...BLOBS.map((name) => `$blob_${name}`)
    ].join(' ');
    const failData = FAIL_MESSAGES.map((m, i) => `(data (i32.const ${0xe00 + i * 32}) "${m}")`).join('\n');
    const failLens = FAIL_MESSAGES.map((m, i) => `(if (i32.eq (local.get $k) (i32.const ${i})) (then (local.set $n (i32.const ${m.length}))))`).join(' ');
    const runSlot = (slot: number) => `(local.set $env (i32.load (i32.const ${SLOTS + slot * 4})))
        (if (local.get $env) (then (call $run (i32.add (local.get $env) (i32.const 4)) (i32.load (local.get $env)))))`;

    return `(module
  ${imports.join('\n  ')}
  (type $op (func))
  (type $cb (func (param i32)))
  (memory 16)
  (table ${OP_TABLE_BASE + opCount} funcref)
  (elem (i32.const 0) $cb_run $cb_nothing)
  (elem (i32.const ${OP_TABLE_BASE}) ${elems})
  (global $sp (mut i32) (i32.const ${STACK}))
  (global $pc (mut i32) (i32.const 0))
  (global $end (mut i32) (i32.const 0))
  (global $tmp (mut i32) (i32.const ${TEMP}))
  (global $arena (mut i32) (i32.const ${ARENA}))
  (global $g (mut i64) (i64.const 0))
  ${failData}

  (func $fail (param $k i32) (local $n i32)
    ${failLens}
    (call $ic0_trap (i32.add (i32.const 0xe00) (i32.mul (local.get $k) (i32.const 32))) (local.get $n)))
  (func $push (param $v i64)
    (if (i32.ge_u (global.get $sp) (i32.const ${STACK_END})) (then (call $fail (i32.const 1))))
    (i64.store (global.get $sp) (local.get $v))
    (global.set $sp (i32.add (global.get $sp) (i32.const 8))))
  (func $pop (result i64)
    (if (i32.le_u (global.get $sp) (i32.const ${STACK})) (then (call $fail (i32.const 2))))
    (global.set $sp (i32.sub (global.get $sp) (i32.const 8)))
    (i64.load (global.get $sp)))
  (func $temp (param $n i32) (result i32) (local $t i32)
    (local.set $t (global.get $tmp))
    (if (i32.gt_u (i32.add (local.get $t) (local.get $n)) (i32.const ${TEMP_END})) (then (call $fail (i32.const 5))))
    (global.set $tmp (i32.and (i32.add (i32.add (local.get $t) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.get $t))
  (func $run (param $p i32) (param $n i32) (local $op i32)
    (global.set $sp (i32.const ${STACK}))
    (global.set $tmp (i32.const ${TEMP}))
    (global.set $pc (local.get $p))
    (global.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (global.get $pc) (global.get $end)))
        (local.set $op (i32.load8_u (global.get $pc)))
        (global.set $pc (i32.add (global.get $pc) (i32.const 1)))
        (if (i32.ge_u (local.get $op) (i32.const ${opCount})) (then (call $fail (i32.const 4))))
        (call_indirect (type $op) (i32.add (local.get $op) (i32.const ${OP_TABLE_BASE})))
        (br $next))))
  (func $run_arg (local $n i32)
    (local.set $n (call $ic0_msg_arg_data_size))
    (if (i32.gt_u (local.get $n) (i32.const ${ARG_END - ARG})) (then (call $fail (i32.const 6))))
    (call $ic0_msg_arg_data_copy (i32.const ${ARG}) (i32.const 0) (local.get $n))
    (call $run (i32.const ${ARG}) (local.get $n)))
  (func $cb_run (type $cb) (param $env i32)
    (call $run (i32.add (local.get $env) (i32.const 4)) (i32.load (local.get $env))))
  (func $cb_nothing (type $cb) (param $env i32))
  ${handlers.join('\n  ')}

  (func (export "canister_update run") (call $run_arg))
  (func (export "canister_query query") (call $run_arg))
  (func (export "canister_composite_query composite") (call $run_arg))
  (func (export "canister_init") (call $run_arg))
  (func (export "canister_post_upgrade") (call $run_arg))
  (func (export "canister_pre_upgrade") (local $env i32) ${runSlot(Slot.preUpgrade)})
  (func (export "canister_global_timer") (local $env i32) ${runSlot(Slot.globalTimer)})
  ${
      options.inspectMessage
          ? `(func (export "canister_inspect_message") (local $env i32)
    (local.set $env (i32.load (i32.const ${SLOTS + Slot.inspectMessage * 4})))
    (if (local.get $env)
      (then (call $run (i32.add (local.get $env) (i32.const 4)) (i32.load (local.get $env))))
      (else (call $ic0_accept_message))))`
          : ''
  }
  ${options.heartbeat ? `(func (export "canister_heartbeat") (local $env i32) ${runSlot(Slot.heartbeat)})` : ''}
  ${options.extra ?? ''}
)`;
}

/** The universal canister's binary. */
export async function universalWasm(options: UniversalOptions = {}): Promise<Uint8Array> {
    return wat(universalWat(options));
}

/** An argument pushed before a System API call: a number (i64), bytes or text (ptr and len), or a stored program (its env). */
export type Arg = bigint | number | Uint8Array | string | Prog;

const utf8 = new TextEncoder();

/** Builds a program for the universal canister. */
export class Prog {
    readonly #bytes: number[] = [];

    #op(key: string): this {
        const code = OPCODES.get(key);
        if (code === undefined) throw new Error(`universal canister: no op ${key}`);
        this.#bytes.push(code);
        return this;
    }

    #u32(n: number): void {
        this.#bytes.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
    }

    /** Pushes a 64-bit value. */
    i64(value: bigint | number): this {
        this.#op('op:i64');
        const v = BigInt.asUintN(64, BigInt(value));
        for (let i = 0n; i < 8n; i++) this.#bytes.push(Number((v >> (8n * i)) & 0xffn));
        return this;
    }

    /** Pushes (ptr, len) of bytes (text is UTF-8 encoded). */
    bytes(data: Uint8Array | string): this {
        const b = typeof data === 'string' ? utf8.encode(data) : data;
        this.#op('op:bytes');
        this.#u32(b.length);
        this.#bytes.push(...b);
        return this;
    }

    /** Stores a program in the canister's arena and pushes its address: the env of callback 0. */
    program(p: Prog): this {
        const b = p.build();
        this.#op('op:program');
        this.#u32(b.length);
        this.#bytes.push(...b);
        return this;
    }

    /** Pushes `args` (see Arg), then runs a builtin op. */
    op(name: BuiltinName, ...args: Arg[]): this {
        this.#push(args);
        return this.#op(`op:${name}`);
    }

    /** Pushes `args` (see Arg), then calls `ic0.<name>`, pushing its result if it has one. */
    ic0(name: Ic0Name, ...args: Arg[]): this {
        this.#push(args);
        return this.#op(`ic0:${name}`);
    }

    /** Pushes (ptr, len) of a blob read with `ic0.<name>_size` and `ic0.<name>_copy`. */
    blob(name: BlobName): this {
        return this.#op(`blob:${name}`);
    }

    #push(args: Arg[]): void {
        for (const arg of args) {
            if (typeof arg === 'bigint' || typeof arg === 'number') this.i64(arg);
            else if (arg instanceof Prog) this.program(arg);
            else this.bytes(arg);
        }
    }

    // --- shorthands ---------------------------------------------------------------------

    /** Replies with `data` (default: nothing). */
    reply(data: Uint8Array | string = new Uint8Array(0)): this {
        return this.ic0('msg_reply_data_append', data).ic0('msg_reply');
    }

    /** Appends the top of the stack as 8 bytes little-endian to the reply, then replies. */
    replyI64(): this {
        return this.op('append_i64').ic0('msg_reply');
    }

    /** Appends the top of the stack as 8 bytes little-endian to the reply. */
    appendI64(): this {
        return this.op('append_i64');
    }

    /** Appends (ptr, len) on the stack to the reply. */
    appendBlob(): this {
        return this.ic0('msg_reply_data_append');
    }

    reject(message: string): this {
        return this.ic0('msg_reject', message);
    }

    trap(message: string): this {
        return this.ic0('trap', message);
    }

    /** Stores `p` in a slot (pre_upgrade, global timer, inspect_message, heartbeat). */
    setSlot(slot: number, p: Prog): this {
        return this.op('set_slot', slot, p);
    }

    /**
     * Starts a call: callee and method, with `onReply` and `onReject` run by callback 0
     * (null: callback 1, which does nothing).
     */
    callNew(callee: Uint8Array, method: string, onReply: Prog | null, onReject: Prog | null): this {
        const closure = (p: Prog | null): Arg[] => (p === null ? [1, 0] : [0, p]);
        return this.ic0('call_new', callee, method, ...closure(onReply), ...closure(onReject));
    }

    /**
     * A whole inter-canister call: call_new, optional cleanup, the argument, cycles and
     * timeout, then call_perform, asserting that it returned 0.
     */
    call(spec: CallSpec): this {
        this.callNew(spec.callee instanceof Uint8Array ? spec.callee : spec.callee.toUint8Array(), spec.method ?? 'run', spec.onReply ?? null, spec.onReject ?? null);
        if (spec.onCleanup !== undefined) this.ic0('call_on_cleanup', 0, spec.onCleanup);
        const arg = spec.arg ?? new Uint8Array(0);
        this.ic0('call_data_append', arg instanceof Prog ? arg.build() : arg);
        if (spec.cycles !== undefined) this.ic0('call_cycles_add128', spec.cycles >> 64n, spec.cycles & ((1n << 64n) - 1n));
        if (spec.timeoutSeconds !== undefined) this.ic0('call_with_best_effort_response', spec.timeoutSeconds);
        return this.ic0('call_perform').op('eq', 0).op('assert');
    }

    /** The program's bytes (the argument to send). */
    build(): Uint8Array {
        return new Uint8Array(this.#bytes);
    }
}

/** An inter-canister call made by `Prog.call`. */
export interface CallSpec {
    callee: Uint8Array | { toUint8Array(): Uint8Array };
    /** Default: run. */
    method?: string;
    /** The argument: bytes, or a program for a universal callee. Default: empty. */
    arg?: Uint8Array | Prog;
    /** Run by callback 0; null or absent: callback 1, which does nothing. */
    onReply?: Prog | null;
    onReject?: Prog | null;
    onCleanup?: Prog;
    cycles?: bigint;
    timeoutSeconds?: number;
}

/** A reply callback that replies with the response's payload. */
export function forwardReply(): Prog {
    return prog().blob('msg_arg_data').appendBlob().ic0('msg_reply');
}

/** A reject callback that replies with the reject code (8 bytes) then the reject message. */
export function forwardReject(): Prog {
    return prog().ic0('msg_reject_code').appendI64().blob('msg_reject_msg').appendBlob().ic0('msg_reply');
}

/** A new program. */
export function prog(): Prog {
    return new Prog();
}

/**
 * A program that never answers: it calls its own canister's `run` with its own argument,
 * so one call is always outstanding, one hop per round. A call into it is answered only
 * when something ends the chain (e.g. uninstalling the canister).
 */
export function forever(): Prog {
    return prog()
        .blob('canister_self')
        .bytes('run')
        .i64(1)
        .i64(0)
        .i64(1)
        .i64(0)
        .ic0('call_new')
        .blob('msg_arg_data')
        .ic0('call_data_append')
        .ic0('call_perform')
        .op('drop');
}
