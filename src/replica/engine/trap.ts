/**
 * A trap raised while a canister executes: what the IC reports, as error code and detail.
 * The engine turns it into the reject the caller sees (`Error from Canister <id>: ...`).
 */
export class TrapError extends Error {
    override readonly name = 'TrapError';

    constructor(
        /** The replica's error code, e.g. IC0503 for ic0.trap. */
        readonly errorCode: string,
        /** The detail after `Error from Canister <id>: `. */
        readonly detail: string,
        /** Anchor of the IC's execution-errors documentation. */
        readonly docAnchor: string,
        readonly suggestion: string
    ) {
        super(detail);
    }

    static explicit(message: string): TrapError {
        return new TrapError(
            'IC0503',
            `Canister called \`ic0.trap\` with message: '${message}'`,
            'trapped-explicitly',
            'Consider gracefully handling failures from this canister or altering the canister to handle exceptions.'
        );
    }

    static wasm(what: string): TrapError {
        return new TrapError('IC0502', `Canister trapped: ${what}`, 'trapped', 'Consider gracefully handling failures from this canister or altering the canister to handle exceptions.');
    }

    /** A System API function given a heap range past the memory's end: a contract violation, as on the IC. */
    static heapOutOfBounds(ptr: number, len: number, size: number): TrapError {
        return TrapError.contract(`heap: src=${ptr} + length=${len} exceeds the slice size=${size}`);
    }

    static contract(message: string): TrapError {
        return new TrapError('IC0504', `Canister violated contract: ${message}`, 'contract-violation', 'This may be a bug in the canister or in its CDK.');
    }

    static contextViolation(fn: string, mode: string): TrapError {
        return TrapError.contract(`"ic0_${fn}" cannot be executed in ${mode} mode`);
    }

    static instructionLimit(limit: bigint): TrapError {
        return new TrapError(
            'IC0522',
            `Canister exceeded the limit of ${limit} instructions for single message execution`,
            'instruction-limit-exceeded',
            'Try optimizing this method to consume fewer instructions or split the work across multiple messages.'
        );
    }

    static missingFunction(index: number): TrapError {
        return new TrapError(
            'IC0513',
            `Canister requested to invoke a non-existent Wasm function ${index}`,
            'function-not-found',
            'The canister may have been upgraded with a different table while calls were outstanding; stop canisters before upgrading them.'
        );
    }

    static wasmMemoryLimit(limit: bigint, used: bigint): TrapError {
        return new TrapError(
            'IC0539',
            `Canister exceeded its current Wasm memory limit of ${limit} bytes. The peak Wasm memory usage was ${used} bytes`,
            'wasm-memory-limit-exceeded',
            "Try increasing the canister's Wasm memory limit or reduce its memory usage."
        );
    }

    static outOfMemory(what: string): TrapError {
        return new TrapError('IC0507', `Canister cannot grow its memory: ${what}`, 'out-of-memory', 'Reduce the memory the canister uses.');
    }
}

/** Maps a V8 WebAssembly.RuntimeError to the IC's trap text. */
export function trapFromRuntimeError(error: WebAssembly.RuntimeError): TrapError {
    const message = error.message;
    if (message.includes('unreachable')) return TrapError.wasm('unreachable');
    if (message.includes('memory access out of bounds')) return TrapError.wasm('heap out of bounds');
    if (message.includes('divide by zero') || message.includes('remainder by zero')) return TrapError.wasm('integer division by 0');
    if (message.includes('divide result unrepresentable') || message.includes('float unrepresentable')) return TrapError.wasm('integer overflow');
    if (message.includes('table index is out of bounds')) return TrapError.wasm('table index out of bounds');
    if (message.includes('null function') || message.includes('signature mismatch')) return TrapError.wasm('indirect call to null or with a signature mismatch');
    return TrapError.wasm(message);
}
