/**
 * The report's verdict section: the table (as `tunebook verdicts` prints it) and the forest
 * plot, or a line saying when verdicts will come.
 *
 * @example
 *   await verdictSection(view);
 */

import { forestSpec } from '../charts/forest.js';
import { figure, uniqueLabels, verdictTableHtml } from '../components.js';
import { interval, signedPoints } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { intervalsNote } from '../intervals-note.js';
import { type StudyView, trialCounts } from '../study-view.js';
import { renderSvg } from '../vega-render.js';
import { type StoredSettings, verdictNotes } from '../verdict-notes.js';
import { controlWarning, splitControl } from '../verdict-rows.js';

export async function verdictSection(view: StudyView): Promise<SafeHtml> {
  const lines = view.verdicts;
  if (lines.length === 0) {
    return html`<section id="verdicts"><h2>Verdicts</h2>
<p class="note">No verdicts yet: they are computed when the study finishes (${trialCounts(view.progress)}).</p></section>`;
  }
  const { measures, control } = splitControl(view.verdicts);
  const warning = controlWarning(control);
  const names = uniqueLabels(measures.map((l) => l.label));
  const svg = await renderSvg(
    forestSpec(
      measures.map((l, i) => ({
        name: names[i],
        verdict: l.verdict,
        effect: l.effect,
        lo: l.lo,
        hi: l.hi,
        seeds: l.seeds,
      })),
      view.delta,
      view.metric,
      control,
    ),
    { id: 'forest' },
  );
  const stale =
    view.study.state !== 'done'
      ? html`<p class="note">These verdicts are from the study's last finished run.</p>`
      : '';
  return html`<section id="verdicts"><h2>Verdicts</h2>
<p class="note">Effect: ${view.metric} of the arm minus the baseline's at the same seed, in percentage points, mean over paired seeds with its ${intervalWords(view)}. A measure is effective when the whole interval is above 0 and the mean at least ${view.delta} points; ineffective when the interval lies within ±${view.delta}; harmful in mirror image; unstable otherwise.</p>
${stale}${verdictTableHtml(measures)}
${control ? html`<p class="note" data-arm="control" data-verdict="${control.verdict}">Negative control (${control.label}, no effect by construction): ${signedPoints(control.effect)} ${interval(control.lo, control.hi)} over ${control.seeds} seeds, ${control.verdict}. Its interval is the study's noise floor: the blue band in the forest plot.</p>` : ''}
${warning ? html`<p class="warning" role="alert">${warning}</p>` : ''}
${notesOf(view).map((n) => html`<p class="note">${n}</p>`)}
${figure('forest', svg, html`Forest plot: each measure's effect (point) and 95% interval (line); the shaded band is ±${view.delta} points, effects too small to matter. Colour and shape give the verdict.`)}
</section>`;
}

/** What the interval is, and what looking after every seed does to it. */
function intervalWords(view: StudyView): string {
  const stored = view.study.config as StoredSettings | null;
  const note = stored?.verdictRule
    ? verdictNotes(stored)[0]
    : intervalsNote({
        minSeeds: view.seeds.min,
        maxSeeds: view.seeds.max,
        intervals: view.intervals,
      });
  return note ? `95% interval (${note.replace(/^intervals: /, '')})` : '95% interval';
}

/** The study's error-control lines after the intervals' one (power, family figure). */
function notesOf(view: StudyView): string[] {
  const stored = view.study.config as StoredSettings | null;
  return verdictNotes(stored).filter((l) => !l.startsWith('intervals:'));
}
