/**
 * The executor's flow table (canisters/upgrader/flow.ts), walked as a graph: every step is
 * reachable, every path ends at `done`, the rollback is reachable from every step after the
 * snapshot, refused starts are retried a bounded number of times, and the README shows the table.
 *
 * The walk decides every fork with the canister's own `decide`, on records built for each
 * combination of the facts the forks read (restore or upgrade, snapshot asked for, app running).
 */
import { readFileSync } from 'node:fs';

import { decide, ERROR_EDGE, FLOW, type Leg, STEP_NAMES, type StepName, stepTo } from '../../canisters/upgrader/flow';
import { MAX_START_RETRIES, MAX_STORE_WAITS } from '../../canisters/upgrader/limits';
import type { Execution, Step } from '../../canisters/upgrader/types';
import { principalOf, upgradeRequest } from './fixture';
import { renderFlow } from './flow-table';

type Facts = { restore: boolean; takeSnapshot: boolean; wasRunning: boolean; handOver?: boolean; rehearse?: boolean; member?: boolean; fellBack?: boolean };
/** Where a walk is: the step, and what the steps so far changed on the record that forks read. */
type State = { step: Step; failed: boolean; hasSnapshot: boolean; rehearsal?: 'created' | 'ended'; fellBack?: boolean };

const UPGRADE_FACTS: Facts[] = [false, true].flatMap((restore) => [false, true].flatMap((takeSnapshot) => [false, true].map((wasRunning) => ({ restore, takeSnapshot, wasRunning }))));
const HAND_OVER_FACTS: Facts[] = [false, true].map((wasRunning) => ({ restore: false, takeSnapshot: false, wasRunning, handOver: true }));
const REHEARSAL_FACTS: Facts[] = [false, true].flatMap((takeSnapshot) => [false, true].map((wasRunning) => ({ restore: false, takeSnapshot, wasRunning, rehearse: true })));
/** A group member's upgrade in a rollout (its module staged in the upgrader's own store), with and without a rehearsal. */
const MEMBER_FACTS: Facts[] = [false, true].flatMap((rehearse) => [false, true].flatMap((takeSnapshot) => [false, true].map((wasRunning) => ({ restore: false, takeSnapshot, wasRunning, rehearse, member: true }))));
const ALL_FACTS: Facts[] = [...UPGRADE_FACTS, ...HAND_OVER_FACTS, ...REHEARSAL_FACTS, ...MEMBER_FACTS];
const app = principalOf('flow-app');
const module = { name: 'any', bytes: new Uint8Array(), hash: new Uint8Array(32) };

function record(facts: Facts, state: State, retries = 0): Execution {
    return {
        id: 1n,
        proposal_id: 1n,
        app,
        kind:
            facts.handOver === true
                ? { hand_over: { successor: principalOf('flow-successor'), successor_module_hash: new Uint8Array(32) } }
                : facts.restore
                  ? { restore: new Uint8Array(16) }
                  : { upgrade: upgradeRequest(module, { take_snapshot: facts.takeSnapshot }) },
        step: state.step,
        was_running: facts.wasRunning,
        snapshot_id: state.hasSnapshot ? [new Uint8Array(16)] : [],
        chunk_hashes: [],
        failure: state.failed ? [{ aborted: 'an earlier failure' }] : [],
        attempt: 1,
        lease_until: 0n,
        retries,
        waiting: [],
        started_at: 0n,
        updated_at: 0n,
        rehearsal:
            facts.rehearse === true
                ? [
                      {
                          report: { canister: state.rehearsal === undefined ? [] : [principalOf('flow-rehearsal')], state_bytes: 0n, cycles: 0n, result: state.rehearsal === 'ended' ? [{ passed: null }] : [] },
                          creations: 0,
                          copy: []
                      }
                  ]
                : [],
        rollout: facts.member === true ? [{ group: principalOf('flow-group'), index: 0, app_store: state.fellBack ?? false }] : []
    };
}

function nameOf(step: Step): StepName {
    const name = STEP_NAMES.find((n) => n in step);
    if (name === undefined) throw new Error(`not a step: ${JSON.stringify(step)}`);
    return name;
}

const key = (state: State): string => `${JSON.stringify(state.step)}|${state.failed}|${state.hasSnapshot}|${state.rehearsal ?? ''}|${state.fellBack === true}`;

/**
 * The states one step leads to, one per edge. Bounded repeats are not edges of the walk: more
 * chunks to upload (as many as the module has) and a refused start tried again (the decision to
 * retry is checked below; the walk follows where the last try leads).
 */
function successors(facts: Facts, state: State): Array<{ edge: string; state: State }> {
    const routes: Record<string, unknown> = FLOW[nameOf(state.step)].on;
    return Object.keys(routes)
        .filter((edge) => edge !== 'more')
        .map((edge) => {
            const leg = lastTry(facts, state, edge);
            return { edge, state: after(state, edge, leg) };
        });
}

/** The leg `edge` takes, after the last retry where the edge is retried. */
function lastTry(facts: Facts, state: State, edge: string): Leg {
    for (let retries = 0; retries <= Math.max(MAX_START_RETRIES, MAX_STORE_WAITS); retries++) {
        const decision = decide(record(facts, state, retries), edge);
        if (!decision.retry) return decision.leg;
    }
    throw new Error(`${nameOf(state.step)} retries ${edge} more than ${Math.max(MAX_START_RETRIES, MAX_STORE_WAITS)} times`);
}

function after(state: State, edge: string, leg: Leg): State {
    return {
        step: stepTo(leg.to, state.step),
        failed: state.failed || leg.records !== undefined || leg.replaces !== undefined,
        // The one change of the record a fork reads that a step makes: the snapshot step records its id.
        hasSnapshot: state.hasSnapshot || ('snapshot' in state.step && edge === 'ok'),
        // A member's install from the upgrader's store that failed falls back to its own store (the install step records it).
        ...(state.fellBack === true || ('install' in state.step && edge === 'failed' && leg.to === 'clear_chunk_store') ? { fellBack: true } : {}),
        // rehearsal_create records the canister it created; rehearsal_delete how the rehearsal ended, whichever edge it takes last.
        ...rehearsalAfter(state, edge)
    };
}

function rehearsalAfter(state: State, edge: string): Pick<State, 'rehearsal'> {
    if ('rehearsal_delete' in state.step) return { rehearsal: 'ended' };
    if ('rehearsal_create' in state.step && edge === 'ok') return { rehearsal: 'created' };
    return state.rehearsal === undefined ? {} : { rehearsal: state.rehearsal };
}

const START: State = { step: { check: null }, failed: false, hasSnapshot: false };

/** Every state reachable from `from`; throws on a cycle (a path that would never end). */
function walk(facts: Facts, from: State): Map<string, State> {
    const seen = new Map<string, State>();
    const open = new Set<string>();
    const visit = (state: State, path: string[]): void => {
        const k = key(state);
        if (open.has(k)) throw new Error(`the flow loops: ${[...path, nameOf(state.step)].join(' -> ')} (${JSON.stringify(facts)})`);
        if (seen.has(k)) return;
        open.add(k);
        for (const next of successors(facts, state)) visit(next.state, [...path, `${nameOf(state.step)} [${next.edge}]`]);
        open.delete(k);
        seen.set(k, state);
    };
    visit(from, []);
    return seen;
}

function reaches(facts: Facts, from: State, target: StepName): boolean {
    return [...walk(facts, from).values()].some((state) => target in state.step);
}

describe('the executor flow table', () => {
    it('reaches every step from check', () => {
        const reached = new Set<StepName>();
        for (const facts of ALL_FACTS) for (const state of walk(facts, START).values()) reached.add(nameOf(state.step));
        expect([...reached].sort()).toEqual([...STEP_NAMES].sort());
    });

    it.each(ALL_FACTS)('ends every path at done, with no loop (%j)', (facts) => {
        const states = walk(facts, START);
        for (const state of states.values()) {
            const next = successors(facts, state);
            if (next.length === 0) expect(nameOf(state.step)).toBe('done');
            else expect(nameOf(state.step)).not.toBe('done');
        }
    });

    it('can roll back from every step after the snapshot, until cleanup', () => {
        const facts = { restore: false, takeSnapshot: true, wasRunning: true };
        const afterSnapshot: StepName[] = ['install', 'start', 'verify', 'health_check'];
        const states = [...walk(facts, START).values()].filter((s) => s.hasSnapshot && !s.failed && afterSnapshot.includes(nameOf(s.step)));
        expect(new Set(states.map((s) => nameOf(s.step)))).toEqual(new Set(afterSnapshot));
        for (const state of states) expect(reaches(facts, state, 'rollback_stop')).toBe(true);
        // and the rollback, once begun, loads the snapshot and starts the app before it ends
        const rollback: State = { step: { rollback_stop: null }, failed: true, hasSnapshot: true };
        expect(reaches(facts, rollback, 'rollback_load') && reaches(facts, rollback, 'rollback_start')).toBe(true);
    });

    it('takes the documented order when every call succeeds', () => {
        const path = (facts: Facts, chunks: number, failing: string[] = []): string[] => {
            const names: string[] = [];
            let state = START;
            while (!('done' in state.step)) {
                const name = nameOf(state.step);
                names.push(name);
                const counted = 'upload_chunk' in state.step ? state.step.upload_chunk : 'stage_module' in state.step ? state.step.stage_module : undefined;
                let edge = counted !== undefined && counted + 1 < chunks ? 'more' : 'ok';
                if (failing[0] === name) {
                    failing.shift();
                    edge = 'failed';
                }
                const decision = decide(record(facts, state), edge);
                if (decision.retry) throw new Error('a success is never retried');
                state = after(state, edge, decision.leg);
            }
            return names;
        };
        expect(path({ restore: false, takeSnapshot: true, wasRunning: true }, 2)).toEqual(['check', 'clear_chunk_store', 'upload_chunk', 'upload_chunk', 'stop', 'snapshot', 'install', 'start', 'verify', 'health_check', 'cleanup']);
        expect(path({ restore: false, takeSnapshot: false, wasRunning: true }, 1)).toEqual(['check', 'clear_chunk_store', 'upload_chunk', 'stop', 'install', 'start', 'verify', 'health_check', 'cleanup']);
        expect(path({ restore: true, takeSnapshot: false, wasRunning: true }, 1)).toEqual(['check', 'rollback_stop', 'rollback_load', 'rollback_start']);
        expect(path({ restore: false, takeSnapshot: false, wasRunning: true, handOver: true }, 1)).toEqual(['check', 'check_successor', 'add_successor', 'confirm_successor', 'remove_self']);
        // A group member: its module staged in the upgrader's store, nothing to clean up in its own.
        const member = { restore: false, takeSnapshot: true, wasRunning: true, member: true };
        expect(path(member, 2)).toEqual(['check', 'stage_module', 'stage_module', 'stop', 'snapshot', 'install', 'start', 'verify', 'health_check', 'cleanup']);
        // Its install from the upgrader's store refused (another subnet): staged in its own store while stopped, installed from there.
        expect(path(member, 1, ['install'])).toEqual(['check', 'stage_module', 'stop', 'snapshot', 'install', 'clear_chunk_store', 'upload_chunk', 'install', 'start', 'verify', 'health_check', 'cleanup']);
        // Refused from both stores: started again on its old module, its store cleared.
        expect(path(member, 1, ['install', 'install'])).toEqual(['check', 'stage_module', 'stop', 'snapshot', 'install', 'clear_chunk_store', 'upload_chunk', 'install', 'start', 'cleanup']);
    });

    it('tries a refused start again MAX_START_RETRIES times in all, then reports the app left stopped', () => {
        const facts = { restore: false, takeSnapshot: true, wasRunning: true };
        for (const step of [{ start: null }, { rollback_start: null }] as Step[]) {
            const state: State = { step, failed: false, hasSnapshot: true };
            const tries = Array.from({ length: MAX_START_RETRIES }, (_, retries) => decide(record(facts, state, retries), 'refused'));
            expect(tries.filter((d) => d.retry).length).toBe(MAX_START_RETRIES - 1);
            const last = tries[MAX_START_RETRIES - 1];
            expect(last?.retry === false ? last.leg : undefined).toEqual({ to: 'cleanup', replaces: 'start_failed' });
        }
    });

    it('ends safely after an unexpected error in any step: the app is started again if it ran, and the path ends', () => {
        for (const facts of ALL_FACTS) {
            for (const name of STEP_NAMES.filter((n) => n !== 'done')) {
                // A rehearsal canister exists from the step after its creation until its deletion ends.
                const created = facts.rehearse === true && name.startsWith('rehearsal_') && name !== 'rehearsal_create';
                const state: State = { step: stepTo(name, { check: null }), failed: false, hasSnapshot: false, ...(created ? { rehearsal: 'created' } : {}) };
                const decision = decide(record(facts, state), ERROR_EDGE);
                if (decision.retry) throw new Error('an error is never retried');
                const expected =
                    facts.handOver === true
                        ? { to: 'remove_successor', records: 'hand_over_failed' }
                        : created
                          ? { to: 'rehearsal_delete', records: 'rehearsal_failed' }
                          : { to: facts.wasRunning ? 'start' : 'cleanup', records: 'aborted' };
                expect(decision.leg).toEqual(expected);
                expect(reaches(facts, after(state, ERROR_EDGE, decision.leg), 'done')).toBe(true);
            }
        }
    });

    it('undoes a hand-over after every failure once the successor may have been added, and never leaves the app without this upgrader before remove_self succeeded', () => {
        const facts = HAND_OVER_FACTS[1] ?? { restore: false, takeSnapshot: false, wasRunning: true, handOver: true };
        const at = (step: Step, failed = false): State => ({ step, failed, hasSnapshot: false });
        // Before anything changes, a refusal ends the hand-over at once, recording why.
        for (const step of [{ check: null }, { check_successor: null }] as Step[]) {
            for (const next of successors(facts, at(step)).filter((n) => n.edge !== 'ok')) expect(next.state).toEqual(at({ done: null }, true));
        }
        // After the successor may have been added, every failure goes through remove_successor first.
        for (const step of [{ add_successor: null }, { confirm_successor: null }, { remove_self: null }] as Step[]) {
            const failures = successors(facts, at(step)).filter((n) => n.edge !== 'ok');
            expect(failures.length).toBeGreaterThan(0);
            for (const next of failures) expect(next.state).toEqual(at({ remove_successor: null }, true));
        }
        // The undo is retried like a refused start, then ends, the outcome saying the successor may remain.
        const undo = at({ remove_successor: null }, true);
        const tries = Array.from({ length: MAX_START_RETRIES }, (_, retries) => decide(record(facts, undo, retries), 'refused'));
        expect(tries.filter((d) => d.retry).length).toBe(MAX_START_RETRIES - 1);
        const last = tries[MAX_START_RETRIES - 1];
        expect(last?.retry === false ? last.leg : undefined).toEqual({ to: 'done', replaces: 'hand_over_failed' });
        // An error while undoing ends the execution instead of undoing again (it could loop).
        const onError = decide(record(facts, undo), ERROR_EDGE);
        expect(onError.retry === false ? onError.leg : undefined).toEqual({ to: 'done', records: 'hand_over_failed' });
    });

    it('refuses an edge the table does not have', () => {
        expect(() => decide(record(ALL_FACTS[0] ?? { restore: false, takeSnapshot: false, wasRunning: false }, START), 'more')).toThrow(/check has no edge more/);
    });

    it('is shown as it is in the README', () => {
        const readme = readFileSync(new URL('../../canisters/upgrader/README.md', import.meta.url), 'utf8');
        const table = renderFlow();
        if (!readme.includes(table)) throw new Error(`canisters/upgrader/README.md must show the flow table as flow.ts has it; paste:\n\n${table}\n`);
    });
});
