/** An upgrade argument given on the command line: encoded bytes in hex, or Candid text. */
import { CandidSyntaxError } from '../candid/lexer.js';
import { CandidValueError } from '../candid/value-encode.js';
import { encodeInitArgument, moduleInterface } from '../client/interface-check.js';
import { parseHexBytes } from './args.js';
import { UsageError } from './errors.js';

/** The Candid encoding of `()`: the argument when none is given. */
const EMPTY_CANDID = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]);

/** A module's interface as its metadata gives it: the service and its init arguments. */
export type ModuleCandid = { service: string; args?: string };

/**
 * `text` as bytes: hex as given, or Candid text such as `(opt record { limit = 7 })` encoded at
 * the module's init arguments (its `candid:args`). @throws UsageError saying what is wrong
 */
export function argumentBytes(text: string, flag: string, module: ModuleCandid | undefined): Uint8Array {
    const trimmed = text.trim();
    if (/^[0-9a-fA-F]*$/.test(trimmed)) return parseHexBytes(trimmed, flag);
    if (module?.args === undefined) {
        throw new UsageError(`${flag} ${JSON.stringify(trimmed)} is not hex, and Candid text needs the module's init argument types: give the module file (it must carry candid:args metadata), or the argument in hex (didc encode)`);
    }
    try {
        return encodeInitArgument(module.service, module.args, trimmed);
    } catch (error) {
        if (error instanceof CandidSyntaxError || error instanceof CandidValueError) {
            throw new UsageError(`${flag} ${JSON.stringify(trimmed)} is neither hex nor a Candid value of the module's init arguments ${module.args}: ${error.message}`);
        }
        throw error;
    }
}

/**
 * An upgrade's `--arg` for `module` (its file's bytes, when given): hex, or Candid text typed by
 * the module's own candid:args; `()` when no argument is given.
 */
export async function upgradeArgument(text: string | undefined, module: Uint8Array | undefined, flag = '--arg'): Promise<Uint8Array> {
    if (text === undefined) return EMPTY_CANDID;
    const candid = module === undefined ? undefined : await moduleInterface(module, 'the module').catch(() => undefined);
    return argumentBytes(text, flag, candid);
}
