/**
 * What each measure costs: time per epoch (plot), the time ratio to the baseline, parameter
 * count, epochs run and the epochs it took to reach the baseline's final validation score.
 *
 * @example
 *   await costSection(view, curves);
 */
import { epochTimeSpec } from '../charts/cost.js';
import { figure, uniqueLabels } from '../components.js';
import { count, ratio, seconds } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { type ArmCurves, resultOf, type StudyView } from '../study-view.js';
import { renderSvg } from '../vega-render.js';

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

export async function costSection(
  view: StudyView,
  curves: Map<string, ArmCurves>,
): Promise<SafeHtml> {
  const labels = uniqueLabels(view.arms.map((a) => a.label));
  const rows = view.arms.map((arm, i) => {
    const done = view.trials.filter((t) => t.armId === arm.id && t.state === 'done');
    const verdict = view.verdicts.find((v) => v.arm === arm.key);
    const perEpoch = curves.get(arm.key)?.seconds ?? [];
    const results = done.map(resultOf);
    return {
      key: arm.key,
      label: labels[i],
      secondsPerEpoch: mean(perEpoch.map((p) => p.mean)),
      trialSeconds: mean(done.map((t) => t.seconds).filter((s): s is number => s !== null)),
      parameters: verdict?.parameters ?? results.find((r) => r.parameters)?.parameters ?? null,
      timeRatio: verdict?.timeRatio ?? null,
      epochsToBaseline: verdict ? verdict.epochsToBaseline : undefined,
      bestEpoch: mean(
        results.map((r) => r.bestEpoch).filter((e): e is number => typeof e === 'number'),
      ),
    };
  });
  // Best epoch exists only with early stopping (or a monitored metric): no column otherwise.
  const best = rows.some((r) => r.bestEpoch !== null);
  const timed = rows.filter((r) => r.secondsPerEpoch !== null);
  const svg = timed.length
    ? await renderSvg(
        epochTimeSpec(
          timed.map((r) => ({
            arm: r.label,
            seconds: r.secondsPerEpoch!,
            baseline: r.key === 'baseline',
          })),
        ),
        { id: 'cost' },
      )
    : null;
  return html`<section id="cost"><h2>Cost</h2>
<div class="scroll"><table class="cost"><thead><tr><th>arm</th><th class="num">time / epoch</th><th class="num">time / trial</th><th class="num">time vs baseline</th><th class="num">params</th><th class="num">epochs to baseline</th>${best ? html`<th class="num">best epoch</th>` : ''}</tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr data-arm="${r.key}"><td>${r.label}</td><td class="num">${seconds(r.secondsPerEpoch)}</td><td class="num">${seconds(r.trialSeconds)}</td><td class="num">${r.key === 'baseline' ? '1.00x' : ratio(r.timeRatio)}</td><td class="num">${count(r.parameters)}</td><td class="num">${r.key === 'baseline' ? '' : r.epochsToBaseline === undefined ? 'n/a' : r.epochsToBaseline === null ? 'never' : r.epochsToBaseline.toFixed(1)}</td>${best ? html`<td class="num">${r.bestEpoch === null ? 'n/a' : (r.bestEpoch + 1).toFixed(1)}</td>` : ''}</tr>`,
  )}</tbody></table></div>
<p class="note">Epochs to baseline: the mean epoch at which the arm first reached the baseline's final validation score at the same seed ("never" if it did not).${best ? ' Best epoch: the epoch with the best validation score (what early stopping keeps), mean over seeds.' : ''}</p>
${svg ? figure('epoch-time', svg, 'Training time per epoch, mean over the epochs of finished trials; the baseline in orange.') : ''}
</section>`;
}
