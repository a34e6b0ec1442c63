/** The ic0 table: one entry per System API function, read by both the validator and the engine. */
import { InvalidWasmModuleError, prepareModule } from '../../../src/replica/wasm/index.js';
import { IC0, IC0_CONTEXTS, IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';
import { ic0, I32, I64 } from '../../../src/replica/engine/ic0/entry.js';
import { STANDARD } from '../../../src/replica/engine/ic0/instructions.js';
import { wat } from '../wasm/helpers.js';

const SYSTEM_API = IC0_SIGNATURES;

describe('the ic0 table', () => {
    it('lists every function of the spec, legacy ones included', () => {
        const expected = [
            'msg_arg_data_size', 'msg_arg_data_copy', 'msg_caller_size', 'msg_caller_copy',
            'msg_caller_info_data_size', 'msg_caller_info_data_copy', 'msg_caller_info_signer_size', 'msg_caller_info_signer_copy',
            'msg_reject_code', 'msg_reject_msg_size', 'msg_reject_msg_copy', 'msg_deadline',
            'msg_method_name_size', 'msg_method_name_copy', 'accept_message',
            'msg_reply_data_append', 'msg_reply', 'msg_reject',
            'msg_cycles_available', 'msg_cycles_available128', 'msg_cycles_refunded', 'msg_cycles_refunded128',
            'msg_cycles_accept', 'msg_cycles_accept128', 'cycles_burn128',
            'canister_cycle_balance', 'canister_cycle_balance128', 'canister_liquid_cycle_balance128',
            'canister_self_size', 'canister_self_copy', 'subnet_self_size', 'subnet_self_copy',
            'canister_status', 'canister_version', 'is_controller', 'in_replicated_execution',
            'root_key_size', 'root_key_copy',
            'call_new', 'call_on_cleanup', 'call_data_append', 'call_with_best_effort_response',
            'call_cycles_add', 'call_cycles_add128', 'call_perform',
            'stable_size', 'stable_grow', 'stable_write', 'stable_read',
            'stable64_size', 'stable64_grow', 'stable64_write', 'stable64_read',
            'certified_data_set', 'data_certificate_present', 'data_certificate_size', 'data_certificate_copy',
            'time', 'global_timer_set', 'performance_counter',
            'cost_call', 'cost_create_canister', 'cost_http_request', 'cost_sign_with_ecdsa', 'cost_sign_with_schnorr', 'cost_vetkd_derive_key',
            'env_var_count', 'env_var_name_size', 'env_var_name_copy', 'env_var_name_exists', 'env_var_value_size', 'env_var_value_copy',
            'debug_print', 'trap'
        ];
        expect([...SYSTEM_API.keys()].sort()).toEqual([...expected].sort());
    });

    it('has the spec signatures for a sample', () => {
        expect(SYSTEM_API.get('call_new')).toEqual({ params: Array(8).fill('i32'), results: [] });
        expect(SYSTEM_API.get('msg_cycles_accept128')).toEqual({ params: ['i64', 'i64', 'i32'], results: [] });
        expect(SYSTEM_API.get('stable64_read')).toEqual({ params: ['i64', 'i64', 'i64'], results: [] });
        expect(SYSTEM_API.get('stable_grow')).toEqual({ params: ['i32'], results: ['i32'] });
        expect(SYSTEM_API.get('performance_counter')).toEqual({ params: ['i32'], results: ['i64'] });
        expect(SYSTEM_API.get('cost_sign_with_ecdsa')).toEqual({ params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] });
        expect(SYSTEM_API.get('msg_deadline')).toEqual({ params: [], results: ['i64'] });
        expect(SYSTEM_API.get('call_with_best_effort_response')).toEqual({ params: ['i32'], results: [] });
        expect(SYSTEM_API.has('mint_cycles128')).toBe(false);
    });

    it('accepts a module importing every function with its listed signature', async () => {
        const imports = [...SYSTEM_API].map(
            ([fn, sig]) => `(import "ic0" "${fn}" (func (param ${sig.params.join(' ')}) (result ${sig.results.join(' ')})))`
        );
        const { info } = prepareModule(await wat(`(module ${imports.join('\n')})`), { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(info.importedSystemApi.size).toBe(SYSTEM_API.size);
    });

    it('restates the spec\'s context lists (§1.4), `*` being every context but the start function', () => {
        const contexts = (fn: string) => [...IC0_CONTEXTS.get(fn)!].sort();
        const everyContext = ['C', 'CC', 'CQ', 'CRt', 'CRy', 'F', 'G', 'I', 'NRQ', 'RQ', 'Rt', 'Ry', 'T', 'U'];
        expect(contexts('msg_arg_data_copy')).toEqual(['CQ', 'CRy', 'F', 'I', 'NRQ', 'RQ', 'Ry', 'U']);
        expect(contexts('msg_reply')).toEqual(['CQ', 'CRt', 'CRy', 'NRQ', 'RQ', 'Rt', 'Ry', 'U']);
        expect(contexts('msg_caller_size')).toEqual(everyContext);
        expect(contexts('stable64_write')).toEqual([...everyContext, 's'].sort());
        expect(contexts('call_cycles_add128')).toEqual(['Rt', 'Ry', 'T', 'U']);
        expect(contexts('accept_message')).toEqual(['F']);
        expect(contexts('data_certificate_copy')).toEqual(['CQ', 'NRQ']);
        expect(contexts('root_key_size')).toEqual(['C', 'G', 'I', 'RQ', 'Rt', 'Ry', 'T', 'U']);
        for (const [name, entry] of IC0) {
            expect([name, IC0_CONTEXTS.get(name)!.size > 0]).toEqual([name, true]);
            expect([name, entry.overhead >= 0n]).toEqual([name, true]);
        }
    });

    it('charges the IC\'s overheads where they differ from the standard one', () => {
        expect(IC0.get('call_new')!.overhead).toBe(1_500n);
        expect(IC0.get('call_perform')!.overhead).toBe(5_000n);
        expect(IC0.get('stable64_read')!.overhead).toBe(20n);
        expect(IC0.get('debug_print')!.overhead).toBe(100n);
        expect(IC0.get('msg_reply')!.overhead).toBe(STANDARD);
    });

    it('is what the validator checks imports against: it takes the table it is given', async () => {
        const module = await wat(`(module (import "ic0" "time" (func (result i64))))`);
        const withoutTime = new Map([...IC0_SIGNATURES].filter(([name]) => name !== 'time'));
        expect(() => prepareModule(module, { systemApi: withoutTime, cacheDir: null })).toThrow(InvalidWasmModuleError);
        expect(() => prepareModule(module, { systemApi: withoutTime, cacheDir: null })).toThrow(/'time' from 'ic0' that is not exported by the runtime/);
        // The same bytes, prepared against the real table, are fine: the in-process cache keeps tables apart.
        expect(prepareModule(module, { systemApi: IC0_SIGNATURES, cacheDir: null }).info.importedSystemApi.has('time')).toBe(true);
    });

    it('makes TypeScript check each implementation against its declared signature', () => {
        // Each @ts-expect-error below fails `npm run typecheck` if the table stops catching the mistake.
        const entries = [
            ic0({ params: [I32, I64], results: [I32], contexts: 'I U RQ', overhead: STANDARD, impl: (_s, a, b) => a + Number(b) }),
            // @ts-expect-error an i32 parameter arrives as a number, not a bigint
            ic0({ params: [I32], results: [], contexts: '*', overhead: STANDARD, impl: (_s, a: bigint) => void a }),
            // @ts-expect-error an i64 result must be a bigint
            ic0({ params: [], results: [I64], contexts: '*', overhead: STANDARD, impl: () => 1 }),
            // @ts-expect-error more arguments than the signature has
            ic0({ params: [I32], results: [], contexts: '*', overhead: STANDARD, impl: (_s, a: number, b: number) => void (a + b) }),
            // @ts-expect-error 'X' is not a context of spec §1.2
            ic0({ params: [], results: [], contexts: 'I X', overhead: STANDARD, impl: () => undefined })
        ];
        expect(entries.map((e) => e.params.length)).toEqual([2, 1, 0, 1, 0]);
    });
});
