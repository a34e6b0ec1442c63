/**
 * Whether a service can be upgraded from one Candid interface to another without breaking its
 * clients (spec "Upgrading and subtyping"): the new service type must be a subtype of the old one.
 * Every old method must still exist, with the same annotations, accept what old clients send
 * (old arguments <: new arguments) and return what they can read (new results <: old results).
 * Initialisation arguments are not part of the check.
 */
import { type CandidType, type FuncType, type Method } from './ast';
import { CandidSyntaxError } from './lexer';
import { parseDid } from './parser';
import { type SubtypeIssue, SubtypeChecker, TypeEnvironment } from './subtype';

export interface Breaking {
    method: string;
    path: string;
    reason: string;
}
export interface CompatibilityReport {
    compatible: boolean;
    breaking: Breaking[];
    /** Changes that hold only by Candid's special opt rule (old values decode as null): allowed, but an upgrade should not rely on them. */
    notes: Breaking[];
}

type Side = { env: TypeEnvironment; methods: Method[] };

function readService(did: string, which: string): Side {
    const file = parseDid(did);
    if (file.service === undefined) throw new CandidSyntaxError(`the ${which} .did has no service declaration: add \`service : { ... }\``, 0);
    const env = new TypeEnvironment(file.definitions);
    const service = env.resolve(file.service.type);
    if (service.kind !== 'service') throw new CandidSyntaxError(`the ${which} .did's service is a ${service.kind}, not a service type`, 0);
    return { env, methods: service.methods };
}

function funcOf(side: Side, t: CandidType): FuncType {
    const f = side.env.resolve(t);
    if (f.kind !== 'func') throw new CandidSyntaxError(`a method's type is a ${f.kind}, not a function type`, 0);
    return f;
}

/** Whether a service of `newDid` can replace one of `oldDid` without breaking its clients. @throws CandidSyntaxError on unparsable text */
export function checkServiceCompatibility(oldDid: string, newDid: string): CompatibilityReport {
    const before = readService(oldDid, 'old');
    const after = readService(newDid, 'new');
    const newMethods = new Map(after.methods.map((m) => [m.name, m]));
    const breaking: Breaking[] = [];
    const notes: Breaking[] = [];
    const report = (method: string, issues: SubtypeIssue[], into: Breaking[]): void => {
        for (const i of issues) into.push({ method, path: i.path.join(' > '), reason: i.reason });
    };
    for (const old of before.methods) {
        const replacement = newMethods.get(old.name);
        if (replacement === undefined) {
            breaking.push({ method: old.name, path: '', reason: 'the method is removed (or renamed): old clients calling it would fail' });
            continue;
        }
        // One checker per method, so that one method's assumptions never decide another's.
        const checker = new SubtypeChecker(after.env, before.env, { sub: 'new', sup: 'old' });
        const result = checker.checkFunc(funcOf(after, replacement.type), funcOf(before, old.type));
        report(old.name, result.errors, breaking);
        report(old.name, result.notes, notes);
    }
    return { compatible: breaking.length === 0, breaking, notes };
}
