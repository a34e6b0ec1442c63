/**
 * Upgrade compatibility of published interfaces (`../shared/testdata/candid-interfaces`, see its
 * NOTICE): each family's consecutive versions, with the verdict established by reading the diff
 * against the spec's rules (why is written beside each). Real consecutive versions are not
 * always compatible: a result variant that gained a case breaks clients that decode it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../../scripts/paths';
import { checkServiceCompatibility } from '../../src/candid/compatibility';
import { CandidSyntaxError } from '../../src/candid/lexer';

const dir = join(repoRoot, '..', 'shared', 'testdata', 'candid-interfaces');
const read = (family: string, file: string): string => readFileSync(join(dir, family, file), 'utf8');

/** The expected verdict of upgrading from one version to the next: breaking methods as `method: path`, and opt-rule notes likewise. */
type Verdict = { from: string; to: string; why: string; breaking?: string[]; notes?: string[] };

const VERDICTS: Record<string, Verdict[]> = {
    cmc: [
        // 2022-09-26 → 2023-09-13 is not checked: the 2022 file is not valid Candid (see the last test).
        { from: '2023-09-13_be8ffe06', to: '2024-08-06_706bf1cc', why: 'new methods, new opt fields in arguments, new cases only in argument variants' },
        { from: '2024-08-06_706bf1cc', to: '2024-09-16_19c0b5e6', why: 'the RefundFailed case is removed from a result error variant: results may lose cases' }
    ],
    'cycles-ledger': [
        { from: '2024-02-08_c8f4ec02', to: '2024-02-09_15fb7c93', why: '`send` is renamed to `withdraw`: old clients calling send fail', breaking: ['send: '] },
        { from: '2024-02-09_15fb7c93', to: '2024-03-15_b01c8166', why: 'methods and opt fields added' },
        { from: '2024-03-15_b01c8166', to: '2025-06-17_84017b99', why: 'methods and opt fields added' },
        { from: '2025-06-17_84017b99', to: '2025-11-21_9431bd09', why: 'opt fields in argument records and a new method icrc106_get_index_principal' },
        { from: '2025-11-21_9431bd09', to: '2026-05-21_ddc0bbfa', why: 'adds icrc10_supported_standards only' }
    ],
    'icp-ledger': [
        { from: '2024-03-11_bf808fef', to: '2024-05-27_0e762d94', why: 'methods and opt fields added' },
        { from: '2024-05-27_0e762d94', to: '2025-02-03_1ce8f654', why: 'init-only fields changed, a new opt field in an argument, is_ledger_ready added' },
        { from: '2025-02-03_1ce8f654', to: '2025-07-21_ed686742', why: 'methods added' },
        {
            from: '2025-07-21_ed686742',
            to: '2025-09-03_1ada5578',
            why: 'ICRC-21: the consent message (a result) gains the FieldsDisplayMessage case: breaking; the argument device_spec (an opt) loses LineDisplay, which holds only by the opt rule',
            breaking: ['icrc21_canister_call_consent_message: result 0 > case Ok > field consent_message > case FieldsDisplayMessage'],
            notes: ['icrc21_canister_call_consent_message: argument 0 > field user_preferences > field device_spec']
        }
    ],
    'icrc1-ledger': [
        { from: '2023-10-02_ed5757ea', to: '2023-10-14_540e3429', why: 'methods added' },
        { from: '2023-10-14_540e3429', to: '2024-01-29_bb99f0d8', why: 'opt fields added' },
        { from: '2024-01-29_bb99f0d8', to: '2024-03-11_bf808fef', why: 'header comment only' },
        { from: '2024-03-11_bf808fef', to: '2024-05-06_f32c162d', why: 'methods and opt fields added' },
        { from: '2024-05-06_f32c162d', to: '2024-06-19_2144c675', why: 'methods added' },
        { from: '2024-06-19_2144c675', to: '2024-07-15_0d0ff13a', why: 'header comment only' },
        { from: '2024-07-15_0d0ff13a', to: '2025-06-10_bc14b658', why: 'methods and opt fields added' },
        {
            from: '2025-06-10_bc14b658',
            to: '2025-09-03_fbc34c08',
            why: 'the same ICRC-21 change as the ICP ledger: a result variant gains a case (breaking), an argument opt variant loses one (opt rule)',
            breaking: ['icrc21_canister_call_consent_message: result 0 > case Ok > field consent_message > case FieldsDisplayMessage'],
            notes: ['icrc21_canister_call_consent_message: argument 0 > field user_preferences > field device_spec']
        },
        { from: '2025-09-03_fbc34c08', to: '2025-10-02_6660fb98', why: 'header comment only' },
        { from: '2025-10-02_6660fb98', to: '2025-11-05_fca93312', why: 'an opt fee field added to two records' }
    ],
    'management-canister': [
        {
            from: '2024-03-04_d07d0282',
            to: '2024-03-18_006cf64d',
            why: 'chunk_hash changes from blob to record { hash : blob }, in results and in an argument',
            breaking: ['upload_chunk: result 0', 'stored_chunks: result 0 > vec', 'install_chunked_code: argument 0 > field chunk_hashes_list > vec']
        },
        {
            from: '2024-03-18_006cf64d',
            to: '2024-08-26_e0c76067',
            why: 'node_metrics_history results lose the required field num_blocks_total (renamed num_blocks_proposed_total)',
            breaking: ['node_metrics_history: result 0 > vec > field node_metrics > vec > field num_blocks_total']
        },
        { from: '2024-08-26_e0c76067', to: '2024-09-09_1b43ed09', why: 'the two bitcoin *_query methods are removed', breaking: ['bitcoin_get_balance_query: ', 'bitcoin_get_utxos_query: '] },
        { from: '2024-09-09_1b43ed09', to: '2024-09-30_f7457f03', why: 'canister_info results: a change detail gains the load_snapshot case', breaking: ['canister_info: result 0 > field recent_changes > vec > field details > case load_snapshot'] },
        { from: '2024-09-30_f7457f03', to: '2024-11-04_c2d45a48', why: 'canister_status results: log_visibility gains the allowed_viewers case', breaking: ['canister_status: result 0 > field settings > field log_visibility > case allowed_viewers'] },
        { from: '2024-11-04_c2d45a48', to: '2025-09-08_972cbb23', why: 'methods, opt fields and argument cases added' },
        { from: '2025-09-08_972cbb23', to: '2025-09-29_53bc46d1', why: 'methods and opt fields added' },
        { from: '2025-09-29_53bc46d1', to: '2025-10-15_f3877e2e', why: 'methods and opt fields added' },
        { from: '2025-10-15_f3877e2e', to: '2025-11-05_fca93312', why: 'canister_status becomes a query: an annotation change', breaking: ['canister_status: '] }
    ],
    'nns-governance': [
        { from: '2024-04-03_8fbd176c', to: '2024-05-06_f32c162d', why: 'an opt field and a method added' },
        {
            from: '2024-05-06_f32c162d',
            to: '2025-10-15_f3877e2e',
            why: 'many additions; the proposal Action variant gains cases and the manage_neuron result Command_1 gains cases (RefreshVotingPower, ...), and proposals sent to manage_neuron lose actions (OpenSnsTokenSwap, ...), but each is reached through an opt (action : opt Action, command : opt Command_1): compatible only by the opt rule, noted',
            notes: [
                'manage_neuron: argument 0 > field command > opt > case MakeProposal > field action',
                'manage_neuron: result 0 > field command',
                'simulate_manage_neuron: argument 0 > field command > opt > case MakeProposal > field action',
                'simulate_manage_neuron: result 0 > field command',
                'get_pending_proposals: result 0 > vec > field proposal > opt > field action',
                'get_proposal_info: result 0 > opt > field proposal > opt > field action',
                'list_proposals: result 0 > field proposal_info > vec > field proposal > opt > field action'
            ]
        },
        { from: '2025-10-15_f3877e2e', to: '2025-11-05_fca93312', why: 'opt fields and methods added' }
    ]
};

describe('published interfaces, consecutive versions', () => {
    for (const [family, verdicts] of Object.entries(VERDICTS)) {
        describe(family, () => {
            it('the table covers every consecutive pair of the family (but cmc 2022, not valid Candid)', () => {
                const files = readdirSync(join(dir, family))
                    .filter((f) => f.endsWith('.did') && !f.startsWith('2022-09-26_6b943997'))
                    .map((f) => f.slice(0, -4))
                    .sort();
                expect(verdicts.map((v) => [v.from, v.to])).toEqual(files.slice(1).map((to, i) => [files[i], to]));
            });
            for (const v of verdicts) {
                it(`${v.from} → ${v.to}: ${v.breaking === undefined ? 'compatible' : 'breaking'} (${v.why})`, () => {
                    const report = checkServiceCompatibility(read(family, `${v.from}.did`), read(family, `${v.to}.did`));
                    const where = (b: { method: string; path: string }): string => `${b.method}: ${b.path}`;
                    expect(report.breaking.map(where).sort()).toEqual([...(v.breaking ?? [])].sort());
                    expect(report.notes.map(where).sort()).toEqual([...(v.notes ?? [])].sort());
                    expect(report.compatible).toBe(v.breaking === undefined);
                });
            }
        });
    }

    it('cmc 2022-09-26 is rejected: a type definition lacks its `;` (the spec grammar separates definitions with `;`)', () => {
        expect(() => checkServiceCompatibility(read('cmc', '2022-09-26_6b943997.did'), read('cmc', '2023-09-13_be8ffe06.did'))).toThrow(CandidSyntaxError);
    });

    it('every version is compatible with itself', () => {
        for (const family of Object.keys(VERDICTS)) {
            for (const file of readdirSync(join(dir, family)).filter((f) => f.endsWith('.did') && !f.startsWith('2022-09-26'))) {
                expect(checkServiceCompatibility(read(family, file), read(family, file))).toEqual({ compatible: true, breaking: [], notes: [] });
            }
        }
    });
});
