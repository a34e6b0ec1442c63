/** Printing helpers for the benchmarks: every figure on one line, with its target and verdict. */
export function section(title: string): void {
    console.log(`\n== ${title}`);
}

export function figure(label: string, value: string, target?: string, met?: boolean): void {
    const verdict = target === undefined ? '' : `   target ${target}: ${met ? 'met' : 'MISSED'}`;
    console.log(`  ${label.padEnd(56)} ${value}${verdict}`);
}

export function timeMs(run: () => unknown): number {
    const start = performance.now();
    run();
    return performance.now() - start;
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

/** Collects garbage until memory stops shrinking (weak references and Wasm memories are released across turns). */
export async function settle(gc: () => void): Promise<void> {
    for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
