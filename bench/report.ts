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
