/**
 * Learning curves and learning rates: per arm, training and validation loss and the
 * validation metric by epoch (mean over seeds, min-max band, baseline overlaid), and the
 * learning rate each arm used.
 *
 * @example
 *   await curvesSection(view, await readCurves(store, view));
 */
import { type CurvePanel, curvesSpec } from '../charts/curves.js';
import { groupLrCurves, lrSpec } from '../charts/lr.js';
import { figure, uniqueLabels } from '../components.js';
import { html, type SafeHtml } from '../html.js';
import { type ArmCurves, noFinishedTrials, type StudyView } from '../study-view.js';
import { renderSvg } from '../vega-render.js';

const METRIC_NAMES: Record<string, string> = {
  test_balanced_accuracy: 'validation balanced accuracy',
  test_accuracy: 'validation accuracy',
  test_macro_f1: 'validation macro-F1',
};

/** Axis titles short enough for a 120-pixel panel. */
const METRIC_AXES: Record<string, string> = {
  test_balanced_accuracy: 'val. balanced acc.',
  test_accuracy: 'val. accuracy',
  test_macro_f1: 'val. macro-F1',
};

/** Panels of one quantity: every arm with finished trials against the baseline. */
export function curvePanels(
  view: StudyView,
  curves: Map<string, ArmCurves>,
  keys: { key: 'trainLoss' | 'valLoss' | 'valMetric'; split: string }[],
): CurvePanel[] {
  const base = curves.get('baseline');
  const arms = view.arms.filter((a) => (curves.get(a.key)?.trainLoss.length ?? 0) > 0);
  const measures = arms.filter((a) => a.key !== 'baseline');
  const shown = measures.length > 0 ? measures : arms;
  const titles = uniqueLabels(shown.map((a) => a.label));
  return shown.map((arm, i) => {
    const mine = curves.get(arm.key)!;
    const series = keys.map((k) => ({ series: 'this arm', split: k.split, points: mine[k.key] }));
    if (base && arm.key !== 'baseline')
      for (const k of keys)
        series.push({ series: 'baseline', split: k.split, points: base[k.key] });
    return { title: titles[i], series };
  });
}

/** The validation-metric panels alone (the dashboard's live curves). */
export async function metricCurvesSvg(
  view: StudyView,
  curves: Map<string, ArmCurves>,
  id: string,
): Promise<string | null> {
  const panels = curvePanels(view, curves, [{ key: 'valMetric', split: 'validation' }]);
  if (panels.length === 0) return null;
  return renderSvg(
    curvesSpec(panels, {
      y: METRIC_AXES[view.metric] ?? 'validation metric',
      splits: ['validation'],
    }),
    { id },
  );
}

export async function curvesSection(
  view: StudyView,
  curves: Map<string, ArmCurves>,
): Promise<SafeHtml> {
  const loss = curvePanels(view, curves, [
    { key: 'trainLoss', split: 'train' },
    { key: 'valLoss', split: 'validation' },
  ]);
  if (loss.length === 0) {
    return html`<section id="curves"><h2>Learning curves</h2><p class="note">${noFinishedTrials(view.progress)}</p></section>`;
  }
  const labels = new Map(view.arms.map((a) => [a.key, a.label]));
  const lrLines = groupLrCurves(
    view.arms.map((a) => ({ label: labels.get(a.key)!, points: curves.get(a.key)?.lr ?? [] })),
  );
  const [lossSvg, metricSvg, lrSvg] = await Promise.all([
    renderSvg(curvesSpec(loss, { y: 'loss', splits: ['train', 'validation'] }), {
      id: 'loss',
    }),
    metricCurvesSvg(view, curves, 'metric'),
    renderSvg(lrSpec(lrLines), { id: 'lr' }),
  ]);
  return html`<section id="curves"><h2>Learning curves</h2>
${figure('loss-curves', lossSvg, 'Training (solid) and validation (dashed) loss by epoch, one panel per measure: the line is the mean over seeds, the band their range; the baseline is drawn in orange in every panel.')}
${metricSvg ? figure('metric-curves', metricSvg, `${capitalise(METRIC_NAMES[view.metric] ?? 'validation metric')} by epoch (the validation counterpart of the study's metric; the training metric is not recorded per epoch), mean and range over seeds, baseline in orange.`) : ''}
<h3>Learning rate used</h3>
${figure('lr', lrSvg, 'The learning rate each arm trained with at each epoch (mean over seeds); arms with identical rates share a line.')}
</section>`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
