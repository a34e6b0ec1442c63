/**
 * The IC's rejections as one line: a call the IC (or the upgrader's inspect_message) refused
 * arrives from @dfinity/agent as an AgentError whose code carries the reject code, the IC's
 * error code (e.g. IC0406) and message.
 */
import { AgentError } from '@dfinity/agent';

import { CliFailure } from './errors.js';

/** IC error codes with what to do about them. */
const ADVICE: Record<string, string> = {
    IC0406: 'the upgrader refuses this caller for this method before running it (inspect_message): call as the principal the command needs (see its --help), e.g. the app\'s recovery principal, a proposer or a voter',
    IC0301: 'no such canister on this network: check --upgrader / --app and --network',
    IC0302: 'the canister has no such method: is --upgrader really the upgrader?',
    IC0537: 'the canister is empty: is --upgrader really the deployed upgrader?'
};

/** A CliFailure for an IC rejection, or undefined for any other error. */
export function rejectFailure(error: unknown): CliFailure | undefined {
    if (!(error instanceof AgentError)) return undefined;
    const code: unknown = error.code;
    const rejectMessage = typeof code === 'object' && code !== null ? Reflect.get(code, 'rejectMessage') : undefined;
    const errorCode = typeof code === 'object' && code !== null ? Reflect.get(code, 'rejectErrorCode') : undefined;
    if (typeof rejectMessage !== 'string') return new CliFailure('AgentError', (error.message.split('\n')[0] ?? error.message).trim(), { cause: error });
    const ic = typeof errorCode === 'string' ? errorCode : 'reject';
    const advice = ADVICE[ic];
    return new CliFailure('CallRejected', `the IC rejected the call (${ic}): ${rejectMessage.split('\n')[0] ?? ''}${advice === undefined ? '' : `. ${advice}`}`, { cause: error });
}
