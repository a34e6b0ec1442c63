/**
 * How a command is declared: its handler gets the context built from the common flags, its own
 * options and its positional arguments, and returns a result that `main` prints (text, or one
 * JSON document with --json). Every command's help ends with an example.
 */
import type { Command } from 'commander';

import { Context, type GlobalOptions } from './context.js';
import type { CliIo } from './io.js';
import type { CommandResult } from './output.js';

/** Where the handler's result and context land for `main` to print. */
export interface Run {
    io: CliIo;
    result?: CommandResult;
    context?: Context;
}

export type Handler<O> = (ctx: Context, options: O, positional: string[]) => Promise<CommandResult>;

/** Sets `command`'s action to run `handler` and keep its result in `run`. */
export function handle<O extends object>(run: Run, command: Command, handler: Handler<O>): Command {
    return command.action(async (...args: unknown[]) => {
        const self = args[args.length - 1] as Command;
        const options = self.optsWithGlobals<O & GlobalOptions>();
        const context = new Context(run.io, options);
        run.context = context;
        run.result = await handler(context, options, self.processedArgs as string[]);
    });
}

/** Appends "Examples:" to the command's help. */
export function examples(command: Command, ...lines: string[]): Command {
    return command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ npx upgrader ${line}`).join('\n')}\n`);
}
