/** What the planner reads: each arm's finished scores and failures (store), pending seeds (in flight). */
import type { ArmProgress } from '../planner.js';
import { isMemoryFailure } from '../pool/memory-faults.js';
import type { TrialRow } from '../store/store.js';
import type { StudySession } from './open-study.js';
import type { InFlight } from './trials.js';

export function armProgress(
  session: StudySession,
  inFlight: Pick<InFlight, 'running' | 'setAside'>,
  trials: (TrialRow & { armKey: string })[],
): ArmProgress[] {
  const metric = session.config.metric;
  return [...session.armRows.values()].map((arm) => {
    const scores = new Map<number, number>();
    const failed = new Set<number>();
    for (const t of trials) {
      if (t.armId !== arm.id) continue;
      if ((t.state === 'done' || t.state === 'diverged') && t.metrics)
        scores.set(t.seed, t.metrics[metric]);
      if (t.state === 'failed') failed.add(t.seed);
      // Out of memory at one seed is out of memory at the next: the arm gets no more seeds.
      if (t.state === 'failed' && isMemoryFailure(t.error))
        for (let s = 0; s < session.config.seeds.maxSeeds; s++) if (!scores.has(s)) failed.add(s);
    }
    const pending = new Set<number>();
    for (const [id, r] of inFlight.running)
      if (r.arm === arm.key && !inFlight.setAside.has(id)) pending.add(r.seed);
    return { key: arm.key, scores, pending, failed };
  });
}
