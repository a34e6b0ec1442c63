/**
 * ic0: who the canister is and where it runs (spec §1.4 "Identity, status, version"),
 * and its environment variables (spec §1.4 "Environment variables").
 */
import { isReplicated } from '../contexts.js';
import { TrapError } from '../trap.js';
import { blob, I32, I64, ic0, type Ic0Table } from './entry.js';
import { STANDARD } from './instructions.js';
import type { Ic0Scope } from './scope.js';

/** Replicated contexts only: the root key is not available to non-replicated executions. */
const ROOT_KEY = 'I G U RQ Ry Rt C T';
const encoder = new TextEncoder();
const lossyUtf8 = new TextDecoder('utf-8');

function rootKey(s: Ic0Scope, what: string): Uint8Array {
    const key = s.host.rootKey;
    if (key === null) throw TrapError.contract(`${what}: this replica has no root key (start it with a server identity)`);
    return key;
}

/** Environment variables in the order the spec indexes them: by name. */
function sortedEnv(s: Ic0Scope): Array<{ name: string; value: string }> {
    return [...s.inv.canister.settings.environmentVariables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function envVariable(s: Ic0Scope, index: number, what: string): { name: string; value: string } {
    const variable = sortedEnv(s)[index];
    if (variable === undefined) throw TrapError.contract(`${what}: no environment variable at index ${index}`);
    return variable;
}

function envValue(s: Ic0Scope, src: number, size: number, what: string): string {
    const name = s.readUtf8(src, size, `${what}: the variable name`);
    const found = s.inv.canister.settings.environmentVariables.find((v) => v.name === name);
    if (found === undefined) throw TrapError.contract(`${what}: no environment variable named '${name}'`);
    return found.value;
}

export const IDENTITY: Ic0Table = {
    ...blob('canister_self', '*', STANDARD, (s) => s.inv.canister.id.toUint8Array()),
    ...blob('subnet_self', '*', STANDARD, (s) => s.host.subnetId.toUint8Array()),
    canister_status: ic0({
        params: [],
        results: [I32],
        contexts: '*',
        overhead: STANDARD,
        impl: (s) => {
            const status = s.inv.canister.status;
            return status === 'running' ? 1 : status === 'stopping' ? 2 : 3;
        }
    }),
    canister_version: ic0({ params: [], results: [I64], contexts: '*', overhead: STANDARD, impl: (s) => s.inv.canister.version }),
    is_controller: ic0({
        params: [I32, I32],
        results: [I32],
        contexts: '* s',
        overhead: 1_000n,
        impl: (s, src, size) => (s.inv.canister.isController(s.readPrincipal(src, size, 'ic0.is_controller')) ? 1 : 0)
    }),
    in_replicated_execution: ic0({ params: [], results: [I32], contexts: '* s', overhead: STANDARD, impl: (s) => (isReplicated(s.inv.kind) ? 1 : 0) }),
    root_key_size: ic0({ params: [], results: [I32], contexts: ROOT_KEY, overhead: STANDARD, impl: (s) => rootKey(s, 'ic0.root_key_size').length }),
    root_key_copy: ic0({
        params: [I32, I32, I32],
        results: [],
        contexts: ROOT_KEY,
        overhead: STANDARD,
        impl: (s, dst, offset, size) => s.copyOut(rootKey(s, 'ic0.root_key_copy'), dst, offset, size, 'ic0.root_key_copy')
    }),

    // Environment variables. env_var_name_copy's argument order differs between spec
    // versions ((dst, offset, size, index) vs (index, dst, offset, size)); both are four
    // i32s, so the signature check is the same either way. The replica takes the index first.
    env_var_count: ic0({ params: [], results: [I32], contexts: '*', overhead: STANDARD, impl: (s) => s.inv.canister.settings.environmentVariables.length }),
    env_var_name_size: ic0({
        params: [I32],
        results: [I32],
        contexts: '*',
        overhead: STANDARD,
        impl: (s, index) => encoder.encode(envVariable(s, index, 'ic0.env_var_name_size').name).length
    }),
    env_var_name_copy: ic0({
        params: [I32, I32, I32, I32],
        results: [],
        contexts: '*',
        overhead: STANDARD,
        impl: (s, index, dst, offset, size) => {
            const name = envVariable(s, index, 'ic0.env_var_name_copy').name;
            s.copyOut(encoder.encode(name), dst, offset, size, 'ic0.env_var_name_copy');
        }
    }),
    env_var_name_exists: ic0({
        params: [I32, I32],
        results: [I32],
        contexts: '*',
        overhead: STANDARD,
        impl: (s, src, size) => {
            const name = lossyUtf8.decode(s.live.read(src, size));
            return s.inv.canister.settings.environmentVariables.some((v) => v.name === name) ? 1 : 0;
        }
    }),
    env_var_value_size: ic0({
        params: [I32, I32],
        results: [I32],
        contexts: '*',
        overhead: STANDARD,
        impl: (s, src, size) => encoder.encode(envValue(s, src, size, 'ic0.env_var_value_size')).length
    }),
    env_var_value_copy: ic0({
        params: [I32, I32, I32, I32, I32],
        results: [],
        contexts: '*',
        overhead: STANDARD,
        impl: (s, src, size, dst, offset, copySize) => {
            const value = encoder.encode(envValue(s, src, size, 'ic0.env_var_value_copy'));
            s.copyOut(value, dst, offset, copySize, 'ic0.env_var_value_copy');
        }
    })
};
