/**
 * Everything needed to rerun the study: its file and settings, the seeds and trials with
 * their dates, the environment the run recorded, and the versions where the report was made.
 *
 * @example
 *   reproduceSection(view, store.file);
 */
import { stringify } from 'yaml';
import { facts } from '../components.js';
import { date, percent, seconds } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { StudyView } from '../study-view.js';
import { installedVersions } from '../versions.js';

/**
 * Trials as a matrix, arms by seeds: each cell the trial's score or its state, so a glance
 * shows which seeds ran where; dates per arm; errors of failed trials listed below.
 */
export function trialsSection(view: StudyView): SafeHtml {
  const seeds = [...new Set(view.trials.map((t) => t.seed))].sort((a, b) => a - b);
  const rows = view.arms.map((arm) => {
    const mine = view.trials.filter((t) => t.armId === arm.id);
    const bySeed = new Map(mine.map((t) => [t.seed, t]));
    const started = mine
      .map((t) => t.startedAt)
      .filter((d): d is string => !!d)
      .sort();
    const finished = mine
      .map((t) => t.finishedAt)
      .filter((d): d is string => !!d)
      .sort();
    const reruns = mine.reduce((n, t) => n + Math.max(0, t.attempts - 1), 0);
    return html`<tr data-arm="${arm.key}"><td>${arm.label}</td>${seeds.map((s) => {
      const t = bySeed.get(s);
      if (!t) return html`<td class="num muted"></td>`;
      const score = t.metrics?.[view.metric];
      return t.state === 'done' && score !== undefined
        ? html`<td class="num" title="${t.seconds === null ? '' : seconds(t.seconds)}">${percent(score)}</td>`
        : html`<td class="num muted">${t.state}</td>`;
    })}<td>${date(started[0])}</td><td>${date(finished.at(-1))}</td><td class="num">${reruns || ''}</td></tr>`;
  });
  const failed = view.trials.filter((t) => t.error);
  const labels = new Map(view.arms.map((a) => [a.id, a.label]));
  return html`<section id="trials"><h2>Trials</h2>
<p class="note">${view.metric} of each trial on the test split, by arm and seed; other cells give the trial's state.</p>
<div class="scroll"><table class="trials"><thead><tr><th>arm</th>${seeds.map((s) => html`<th class="num">seed ${s}</th>`)}<th>first started</th><th>last finished</th><th class="num">reruns</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${failed.length ? html`<h3>Errors</h3><ul>${failed.map((t) => html`<li>${labels.get(t.armId) ?? t.armKey}, seed ${t.seed}: <code>${t.error}</code></li>`)}</ul>` : ''}
</section>`;
}

export function reproduceSection(view: StudyView, db: string): SafeHtml {
  const { study } = view;
  const seeds = [...new Set(view.trials.map((t) => t.seed))].sort((a, b) => a - b);
  const started = view.trials
    .map((t) => t.startedAt)
    .filter((d): d is string => !!d)
    .sort();
  const finished = view.trials
    .map((t) => t.finishedAt)
    .filter((d): d is string => !!d)
    .sort();
  const environment =
    study.environment && typeof study.environment === 'object'
      ? Object.entries(study.environment as Record<string, unknown>).map(
          ([k, v]): [string, unknown] => [k, typeof v === 'string' ? v : JSON.stringify(v)],
        )
      : [];
  const recorded = new Set(environment.map(([k]) => k));
  const versions = Object.entries(installedVersions());
  return html`<section id="reproduce"><h2>Reproduce</h2>
${facts([
  ['study file', study.file],
  ['database', db],
  ['rerun', html`<code>tunebook study ${study.file} --db ${db}</code>`],
  ['settings hash', study.hash],
  ['seeds', seeds.join(', ') || 'none yet'],
  ['created', date(study.createdAt)],
  ['last activity', date(study.updatedAt)],
  ['first trial started', date(started[0])],
  ['last trial finished', date(finished.at(-1))],
])}
<h3>Environment of the run</h3>
${environment.length ? facts(environment) : html`<p class="note">The run recorded no environment.</p>`}
${recorded.has('backend') ? '' : html`<p class="note">backend: not recorded by the run.</p>`}
<h3>Versions where this report was made</h3>
${facts(versions)}
<h3>Settings</h3>
<pre class="config">${stringify(study.config ?? {}, { lineWidth: 100 })}</pre>
</section>`;
}
