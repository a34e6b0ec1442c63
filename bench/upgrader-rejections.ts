/**
 * The most instructions a refused call costs the upgrader (issue 7, item 4; target 5 M): every
 * update method with its largest argument and some malformed ones, from a stranger canister
 * (which inspect_message never sees), and what inspect_message spends refusing the same
 * message as ingress (not charged to the canister). The cases and the measurement are
 * test/upgrader/rejections.ts's, which rejections.test.ts holds to the target.
 *
 * Run alone with `npx tsx bench/upgrader-rejections.ts`, or from `npm run bench`.
 */
import { buildCanisters } from '../scripts/build-lib.js';
import { measureRejections, REJECTION_TARGET } from '../test/upgrader/rejections.js';
import { figure, section } from './report.js';

const millions = (n: bigint): string => `${(Number(n) / 1e6).toFixed(2)} M`;

export async function rejectionFigures(): Promise<void> {
    await buildCanisters({ names: ['upgrader'], log: (line) => console.log(`[build] ${line}`) });
    section('upgrader: refused calls (issue 7, item 4)');
    const costs = await measureRejections();
    for (const cost of costs) {
        const inspect = cost.inspect_refused ? `; as ingress refused by inspect (${millions(cost.inspect_instructions)})` : '; not refused by inspect';
        figure(`${cost.method}: ${cost.label}`, `${millions(cost.method_instructions)} (${cost.answer}${inspect})`);
        if (cost.over !== undefined) console.log(`      over the target because ${cost.over.why}`);
    }
    const within = costs.filter((c) => c.over === undefined);
    const worst = (list: typeof costs) => list.reduce((a, b) => (b.method_instructions > a.method_instructions ? b : a));
    const all = worst(costs);
    const bounded = worst(within);
    figure(`worst refused call: ${all.method} (${all.label})`, millions(all.method_instructions), `<= ${millions(REJECTION_TARGET)}`, all.method_instructions <= REJECTION_TARGET);
    figure(`worst without a documented excess: ${bounded.method}`, millions(bounded.method_instructions), `<= ${millions(REJECTION_TARGET)}`, bounded.method_instructions <= REJECTION_TARGET);
    figure('upgrader instructions per ingress refused by inspect_message', '0 (inspect_message is not charged)');
}

if (import.meta.url === `file://${process.argv[1]}`) await rejectionFigures();
