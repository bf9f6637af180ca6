/**
 * The data side: class counts of the three splits, per-class recall of every arm, and the
 * confusion matrices, all from the finished trials' stored results, classes by name (folder
 * names, CSV label values) where the trials stored them.
 *
 * @example
 *   await classesSection(view);
 */
import { classCountsSpec, confusionSpec, recallSpec } from '../charts/classes.js';
import { classNamesOf } from '../class-names.js';
import { figure, uniqueLabels } from '../components.js';
import { html, type SafeHtml } from '../html.js';
import { noFinishedTrials, resultOf, type StudyView, type Trial } from '../study-view.js';
import { renderSvg } from '../vega-render.js';

const finished = (t: Trial) => t.state === 'done';

export async function classesSection(view: StudyView): Promise<SafeHtml> {
  const done = view.trials.filter(finished);
  const baseline = view.arms.find((a) => a.key === 'baseline');
  const counted =
    done.find((t) => t.armId === baseline?.id && resultOf(t).classCounts) ??
    done.find((t) => resultOf(t).classCounts);
  const arms = view.arms.filter((a) => done.some((t) => t.armId === a.id));
  const labels = uniqueLabels(arms.map((a) => a.label));
  const recallRows: { arm: string; recall: number[] }[] = [];
  const confusion: { arm: string; matrix: number[][] }[] = [];
  arms.forEach((arm, i) => {
    const mine = done.filter((t) => t.armId === arm.id).map(resultOf);
    const recalls = mine.map((r) => r.recall).filter((r): r is number[] => Array.isArray(r));
    if (recalls.length > 0) {
      const k = recalls[0].length;
      recallRows.push({
        arm: labels[i],
        recall: Array.from({ length: k }, (_, c) => {
          const vs = recalls.map((r) => r[c]).filter(Number.isFinite);
          return vs.length ? vs.reduce((s, v) => s + v, 0) / vs.length : 0;
        }),
      });
    }
    const matrices = mine.map((r) => r.confusion).filter((m): m is number[][] => Array.isArray(m));
    if (matrices.length > 0) {
      const k = matrices[0].length;
      const sum = Array.from({ length: k }, () => new Array<number>(k).fill(0));
      for (const m of matrices)
        for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) sum[t][p] += m[t]?.[p] ?? 0;
      confusion.push({ arm: labels[i], matrix: sum });
    }
  });
  if (!counted && recallRows.length === 0) {
    return html`<section id="classes"><h2>Classes</h2><p class="note">${noFinishedTrials(view.progress)}</p></section>`;
  }
  const counts = counted ? resultOf(counted).classCounts! : null;
  const names = classNamesOf(view.trials) ?? undefined;
  const [countsSvg, recallSvg, confusionSvg] = await Promise.all([
    counts ? renderSvg(classCountsSpec(counts, names), { id: 'counts' }) : null,
    recallRows.length ? renderSvg(recallSpec(recallRows, names), { id: 'recall' }) : null,
    confusion.length ? renderSvg(confusionSpec(confusion, names), { id: 'confusion' }) : null,
  ]);
  const imbalance = counts ? imbalanceNote(counts) : '';
  return html`<section id="classes"><h2>Classes</h2>
${countsSvg ? figure('class-counts', countsSvg, `Samples per class in the training, validation and test splits (the baseline's; resampling arms train on other counts). ${imbalance}`) : ''}
${recallSvg ? figure('recall', recallSvg, 'Recall of each class on the test split, per arm (mean over seeds, in %).') : ''}
${confusionSvg ? figure('confusion', confusionSvg, 'Confusion matrices on the test split, summed over seeds: rows are the true class, normalised so each row sums to 1 (the diagonal is recall).') : ''}
</section>`;
}

function imbalanceNote(counts: { train: number[] }): string {
  const present = counts.train.filter((n) => n > 0);
  if (present.length < 2) return '';
  const r = Math.max(...present) / Math.min(...present);
  return r >= 1.5
    ? `Training imbalance: the largest class has ${r.toFixed(1)}x the samples of the smallest.`
    : 'The training classes are about balanced.';
}
