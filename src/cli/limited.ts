/** Work over many items with a bound on how many calls are in flight at once. */

/**
 * Runs `task` on every item, at most `limit` at once, and resolves when all are done. The first
 * task that throws stops the start of further items; the rest in flight finish, then the error
 * is thrown.
 */
export async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async (): Promise<void> => {
        while (failure === undefined && next < items.length) {
            const index = next++;
            try {
                await task(items[index] as T, index);
            } catch (error) {
                failure ??= { error };
            }
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    if (failure !== undefined) throw failure.error;
}
