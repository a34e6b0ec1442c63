/** The flags of a listing read a page at a time (`audit`, `group members`). */
import type { Command } from 'commander';

export interface PageOptions {
    start: string;
    limit: string;
    all?: boolean;
}

/** --start, --limit (default 100, at most `max`) and --all, for a listing of `things`. */
export function addPageOptions(command: Command, things: string, max: number): Command {
    return command
        .option('--start <position>', 'first position to read', '0')
        .option('--limit <n>', `${things} per page (at most ${max})`, '100')
        .option('--all', 'read every page from --start on');
}
