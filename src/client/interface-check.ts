/**
 * The interface check of an upgrade: whether the new module's Candid service can replace the
 * running one without breaking its clients (src/candid/compatibility.ts, the Candid spec's
 * subtyping), and whether the upgrade argument decodes as the new module's init arguments.
 * Interfaces come from a `.did` text, a module's `candid:service` metadata, or a live canister's
 * (read from the certified state). Browser-safe: the voters' page runs it too.
 */
import { CanisterStatus, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { type CompatibilityReport, checkServiceCompatibility } from '../candid/compatibility.js';
import type { CandidType, TypeDefinition } from '../candid/ast.js';
import { parseDid } from '../candid/parser.js';
import { IdlConverter } from '../candid/to-idl.js';
import { encodeTextArguments } from '../candid/value-encode.js';
import type { Proposal } from './upgrader-idl.js';
import { candidMetadataOf } from './wasm-metadata.js';

/** An interface could not be had (no metadata, unreadable): what happened and what to do. */
export class InterfaceUnavailableError extends Error {
    override name = 'InterfaceUnavailableError';
}

/** The `.did` text a module carries (`candid:service`). @throws InterfaceUnavailableError */
export async function moduleInterface(module: Uint8Array, what: string): Promise<{ service: string; args?: string }> {
    const metadata = await candidMetadataOf(module, what);
    if (metadata.service === undefined) throw new InterfaceUnavailableError(`${what} carries no candid:service metadata (build it with dfx, or this project's build, which embed it); pass its .did instead`);
    return { service: metadata.service, args: metadata.args };
}

/** The `.did` text a live canister serves as `metadata/candid:service` (certified). @throws InterfaceUnavailableError */
export async function canisterInterface(agent: HttpAgent, canisterId: Principal): Promise<string> {
    const status = await CanisterStatus.request({ canisterId, agent, paths: ['candid'] });
    const did = status.get('candid');
    if (typeof did !== 'string') throw new InterfaceUnavailableError(`canister ${canisterId.toText()} serves no public candid:service metadata (it may be private, or the canister empty): pass its .did instead`);
    return did;
}

/** The init argument types `args` (Candid text such as `(opt A)`) of the service `did`, with its named types. */
function initArgumentTypes(did: string, args: string): { types: CandidType[]; definitions: TypeDefinition[] } {
    const definitions = parseDid(`${did}\n`).definitions;
    return { types: parseDid(`service : ${args} -> {}`).service?.args ?? [], definitions };
}

/** Whether `arg` decodes as the init arguments `args` of `did`. */
function checkInitArgument(did: string, args: string, arg: Uint8Array): { decodes: boolean; reason?: string } {
    try {
        const { types, definitions } = initArgumentTypes(did, args);
        const converter = new IdlConverter(definitions);
        IDL.decode(types.map((t) => converter.convert(t)), arg);
        return { decodes: true };
    } catch (error) {
        return { decodes: false, reason: error instanceof Error ? error.message : String(error) };
    }
}

/**
 * An upgrade argument written as Candid text (`(opt record { limit = 7 })`, as `didc encode` and
 * `dfx canister call` read it), encoded at the init arguments `args` of `did`.
 * @throws CandidSyntaxError or CandidValueError, saying where the text is wrong
 */
export function encodeInitArgument(did: string, args: string, text: string): Uint8Array {
    const { types, definitions } = initArgumentTypes(did, args);
    return encodeTextArguments(text, types, definitions);
}

export interface InterfaceVerdict extends CompatibilityReport {
    /** The argument check, when an argument and the new init arguments were given. */
    argument?: { decodes: boolean; reason?: string };
}

/** The whole check: `newDid` against `oldDid`, and `arg` against `newArgs` when both are given. */
export function checkInterface(oldDid: string, newDid: string, arg?: Uint8Array, newArgs?: string): InterfaceVerdict {
    const report = checkServiceCompatibility(oldDid, newDid);
    if (arg === undefined || newArgs === undefined) return report;
    const argument = checkInitArgument(newDid, newArgs, arg);
    if (argument.decodes) return { ...report, argument };
    const breaking = [...report.breaking, { method: '(init)', path: `argument ${newArgs}`, reason: `the upgrade argument does not decode as the new module's init arguments: ${argument.reason ?? ''}` }];
    return { ...report, compatible: false, breaking, argument };
}

/** What a proposal's interface check found: a verdict, or why there is none. */
export type ProposalInterface = { kind: 'checked'; verdict: InterfaceVerdict } | { kind: 'unavailable'; reason: string } | { kind: 'not-applicable' };

/**
 * The interface check of an open upgrade proposal: the app's running interface (its certified
 * `candid:service`) against the module the proposal names (downloaded from the upgrader), and
 * the proposal's argument against that module's init arguments.
 */
export async function reviewProposalInterface(agent: HttpAgent, upgrader: { downloadModule(app: Principal, hash: Uint8Array): Promise<Uint8Array> }, proposal: Proposal): Promise<ProposalInterface> {
    if (!('upgrade' in proposal.action)) return { kind: 'not-applicable' };
    if (!('open' in proposal.status)) return { kind: 'unavailable', reason: 'checked while a proposal is open: the app may run the new module by now' };
    const request = proposal.action.upgrade;
    try {
        const running = await canisterInterface(agent, proposal.app);
        const proposed = await moduleInterface(await upgrader.downloadModule(proposal.app, request.module_hash), 'the proposed module');
        return { kind: 'checked', verdict: checkInterface(running, proposed.service, request.arg, proposed.args) };
    } catch (error) {
        return { kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
    }
}
