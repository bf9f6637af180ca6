/**
 * The report's sweeps section: per sweep, a dose-response plot (effect against value, with
 * intervals) and a table of each value's effect and verdict, saying which values are
 * effective, that the best of several is biased upward, and the confirmation arm's verdict.
 */
import { doseResponseSpec } from '../charts/dose-response.js';
import { figure } from '../components.js';
import { interval, signedPoints } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { StudyView } from '../study-view.js';
import { sweepGroups, sweepNotes } from '../sweeps.js';
import { renderSvg } from '../vega-render.js';

export async function sweepsSection(view: StudyView): Promise<SafeHtml | ''> {
  const settings = view.study.config as { measures?: unknown[] } | null;
  const groups = sweepGroups(settings, view.verdicts);
  if (groups.length === 0) return '';
  const notes = sweepNotes(settings, view.verdicts);
  const parts = await Promise.all(
    groups.map(async (g) => {
      const rows = g.rows.map((r) => ({ value: r.value, ...r.line }));
      const svg = await renderSvg(doseResponseSpec(g.name, rows, view.delta, view.metric), {
        id: `sweep-${g.measure}`,
      });
      const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
      return html`<h3>${g.name}</h3>
<table class="sweep"><thead><tr><th>value</th><th>effect (pts)</th><th>95% CI</th><th>seeds</th><th>verdict</th><th>effective?</th></tr></thead><tbody>
${g.rows.map((r) => html`<tr data-verdict="${r.line.verdict}"><td>${show(r.value)}</td><td>${signedPoints(r.line.effect)}</td><td>${interval(r.line.lo, r.line.hi)}</td><td>${r.line.seeds}</td><td>${r.line.verdict}</td><td>${r.line.verdict === 'effective' ? 'yes' : 'no'}</td></tr>`)}
${g.confirm ? html`<tr class="confirm" data-verdict="${g.confirm.verdict}"><td>${g.confirm.label}</td><td>${signedPoints(g.confirm.effect)}</td><td>${interval(g.confirm.lo, g.confirm.hi)}</td><td>${g.confirm.seeds}</td><td>${g.confirm.verdict}</td><td>${g.confirm.verdict === 'effective' ? 'yes (confirmed)' : 'no'}</td></tr>` : ''}
</tbody></table>
${figure(`sweep-${g.measure}`, svg, html`Dose-response: the effect of each value of ${g.name} (point) with its 95% interval (bar); shaded: within ±${view.delta} points.`)}`;
    }),
  );
  return html`<section id="sweeps"><h2>Sweeps</h2>
<p class="note">Picking the best of several values is biased upward: the largest of several noisy effects overstates its own. A sweep with <code>confirm: true</code> reruns its best value at fresh seeds; that verdict is the sweep's.</p>
${notes.map((n) => html`<p class="note">${n}</p>`)}
${parts}
</section>`;
}
