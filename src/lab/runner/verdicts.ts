/**
 * The last step of a run: each arm's verdict, effect and cost, stored. An arm without one
 * paired finished seed (its trials, or the baseline's at its seeds, all failed) has no effect
 * to state: it gets no verdict row (never a NaN one) and is named in the outcome instead.
 */
import { armCost } from '../cost.js';
import { type ArmProgress, armStatuses } from '../planner.js';
import { ruleName } from '../stats/study-rule.js';
import type { Store } from '../store/store.js';
import type { StudySession } from './open-study.js';

/** Saves the verdicts; returns the labels of the arms left without one. */
export async function saveVerdicts(
  session: StudySession,
  progress: ArmProgress[],
): Promise<string[]> {
  const { store, studyId, armRows: arms, plan, config } = session;
  const metric = config.metric;
  const trials = await store.trials(studyId);
  const epochs = await store.epochsForStudy(studyId);
  // Over the seeds the verdict read: trials run ahead of need do not change the cost either.
  const withEpochs = (armId: number, seeds?: number[]) =>
    trials
      .filter((t) => t.armId === armId && (!seeds || seeds.includes(t.seed)))
      .map((t) => ({ ...t, epochs: epochs.get(t.id) ?? [] }));
  const baseline = arms.get('baseline')!;
  const baseCost = armCost(withEpochs(baseline.id), withEpochs(baseline.id), metric);
  const statuses = armStatuses(progress, plan);
  const noData = statuses.filter((s) => s.effect.n === 0).map((s) => arms.get(s.key)!.label);
  const rows = statuses
    .filter((s) => s.effect.n > 0)
    .map((s) => {
      const arm = arms.get(s.key)!;
      const seeds = s.effect.seeds;
      const cost = armCost(withEpochs(arm.id, seeds), withEpochs(baseline.id, seeds), metric);
      // Out of seeds or trials (some failed, say): what is still open is unstable.
      const verdict = s.verdict === 'undecided' ? 'unstable' : s.verdict;
      return {
        studyId,
        armId: arm.id,
        verdict,
        effect: s.effect.mean,
        lo: s.effect.lo,
        hi: s.effect.hi,
        n: s.effect.n,
        details: {
          metric,
          delta: plan.delta,
          intervals: ruleName(session.stored),
          level: plan.level,
          alpha: plan.alpha,
          resolution: plan.resolution,
          errorRate: plan.errorRate,
          seeds: s.effect.seeds,
          differences: s.effect.differences,
          sd: s.effect.sd,
          cost,
          baselineParameters: baseCost.parameters,
        },
      };
    });
  await store.saveVerdicts(studyId, rows as Parameters<Store['saveVerdicts']>[1]);
  return noData;
}
