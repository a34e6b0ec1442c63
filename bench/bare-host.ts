/**
 * The baseline for the replica's latency figures: the same Azle module on a bare,
 * uninstrumented WebAssembly.Instance with the least ic0 host that runs it (no context
 * checks, no metering, no rollback, no queue). Not a replica: only a yardstick.
 */
const SELF = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
const CALLER = new Uint8Array([4]);

export class BareCanister {
    readonly #instance: WebAssembly.Instance;
    readonly #memory: WebAssembly.Memory;
    #stable = new Uint8Array(0);
    #arg: Uint8Array = new Uint8Array(0);
    #reply: Uint8Array[] = [];
    #timer = 0n;

    constructor(wasm: Uint8Array<ArrayBuffer>) {
        const module = new WebAssembly.Module(wasm);
        this.#instance = new WebAssembly.Instance(module, { ic0: this.#imports(module) });
        this.#memory = this.#instance.exports.memory as WebAssembly.Memory;
    }

    #heap(): Uint8Array {
        return new Uint8Array(this.#memory.buffer);
    }

    #imports(module: WebAssembly.Module): Record<string, (...args: never[]) => unknown> {
        const heap = () => this.#heap();
        const copy = (data: Uint8Array) => (dst: number, offset: number, size: number) => heap().set(data.subarray(offset, offset + size), dst);
        const known: Record<string, (...args: never[]) => unknown> = {
            stable64_size: () => BigInt(this.#stable.length / 65536),
            stable64_grow: (n: bigint) => {
                const old = this.#stable.length / 65536;
                const grown = new Uint8Array(this.#stable.length + Number(n) * 65536);
                grown.set(this.#stable);
                this.#stable = grown;
                return BigInt(old);
            },
            stable64_write: (offset: bigint, src: bigint, size: bigint) => this.#stable.set(heap().subarray(Number(src), Number(src + size)), Number(offset)),
            stable64_read: (dst: bigint, offset: bigint, size: bigint) => heap().set(this.#stable.subarray(Number(offset), Number(offset + size)), Number(dst)),
            time: () => 1_700_000_000_000_000_000n,
            canister_version: () => 1n,
            global_timer_set: (t: bigint) => {
                const old = this.#timer;
                this.#timer = t;
                return old;
            },
            performance_counter: () => 0n,
            msg_arg_data_size: () => this.#arg.length,
            msg_arg_data_copy: (dst: number, offset: number, size: number) => copy(this.#arg)(dst, offset, size),
            msg_caller_size: () => CALLER.length,
            msg_caller_copy: (dst: number, offset: number, size: number) => copy(CALLER)(dst, offset, size),
            canister_self_size: () => SELF.length,
            canister_self_copy: (dst: number, offset: number, size: number) => copy(SELF)(dst, offset, size),
            msg_reply_data_append: (src: number, size: number) => {
                this.#reply.push(heap().slice(src, src + size));
            },
            msg_reply: () => undefined,
            debug_print: () => undefined,
            trap: (src: number, size: number) => {
                throw new Error(new TextDecoder().decode(heap().slice(src, src + size)));
            },
            in_replicated_execution: () => 1,
            is_controller: () => 1,
            data_certificate_present: () => 0,
            canister_cycle_balance128: () => undefined,
            canister_liquid_cycle_balance128: () => undefined,
            msg_cycles_available128: () => undefined,
            call_new: () => undefined,
            call_data_append: () => undefined,
            call_on_cleanup: () => undefined,
            call_perform: () => 0
        };
        const imports: Record<string, (...args: never[]) => unknown> = {};
        for (const { module: from, name } of WebAssembly.Module.imports(module)) {
            if (from !== 'ic0') continue;
            imports[name] =
                known[name] ??
                (() => {
                    throw new Error(`bare host: ic0.${name} is not provided`);
                });
        }
        return imports;
    }

    /** Runs an exported entry point with `arg`; returns the reply bytes. */
    call(exportName: string, arg: Uint8Array): Uint8Array {
        this.#arg = arg;
        this.#reply = [];
        (this.#instance.exports[exportName] as () => void)();
        return new Uint8Array(Buffer.concat(this.#reply));
    }
}
