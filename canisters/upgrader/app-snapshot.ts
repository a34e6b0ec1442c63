/**
 * Taking a snapshot of an app that the upgrader tracks (`AppInfo.snapshots`, at most the policy's
 * `keep`): shared by the `snapshot` step (the app stopped, before the install) and the
 * `rehearsal_snapshot` step (the app running, before a rehearsal).
 */
import { findApp, governing, requireApp, saveApp } from './apps';
import * as ic from './management';
import { bytesEqual } from './serde';
import type { StepContext } from './step-support';
import type { Execution } from './types';

/**
 * First reconciles the snapshots the upgrader remembers with those the IC lists (one deleted out
 * of band is forgotten, never named for replacement), then takes one, replacing the oldest of the
 * upgrader's once the policy's `keep` is reached. With `adoptLost`, a resumed step first looks for
 * the snapshot its earlier attempt took but never heard of (a lost reply): one the IC lists, the
 * upgrader does not track, taken since the execution began; it is tracked and used instead of
 * taking another. Throws what the management calls throw.
 */
export async function takeTrackedSnapshot(execution: Execution, context: StepContext, adoptLost: boolean): Promise<Uint8Array> {
    const existing = await ic.listSnapshots(execution.app);
    context.fence();
    const app = requireApp(execution.app);
    const keep = governing(app).info.snapshot_policy.keep;
    const ours = app.info.snapshots.filter((s) => existing.some((e) => bytesEqual(e.id, s.id)));
    if (ours.length !== app.info.snapshots.length) {
        app.info.snapshots = ours;
        saveApp(app);
    }
    if (adoptLost && context.resumed) {
        const lost = existing.filter((e) => e.takenAt >= execution.started_at && !ours.some((s) => bytesEqual(s.id, e.id))).pop();
        if (lost !== undefined) {
            track(execution, { id: lost.id, takenAt: lost.takenAt }, undefined, keep);
            return lost.id;
        }
    }
    const replace = ours.length >= keep ? ours[0]?.id : undefined;
    const taken = await ic.takeSnapshot(execution.app, replace);
    context.fence();
    track(execution, taken, replace, keep);
    return taken.id;
}

function track(execution: Execution, taken: { id: Uint8Array; takenAt: bigint }, replaced: Uint8Array | undefined, keep: number): void {
    const fresh = findApp(execution.app);
    if (fresh === undefined) return;
    const kept = fresh.info.snapshots.filter((s) => replaced === undefined || !bytesEqual(s.id, replaced));
    kept.push({ id: taken.id, taken_at: taken.takenAt, proposal_id: execution.proposal_id });
    fresh.info.snapshots = kept.slice(Math.max(0, kept.length - Math.max(keep, 1)));
    saveApp(fresh);
}
