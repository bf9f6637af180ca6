/**
 * `tunebook report`: one self-contained HTML file about a study. Verdict table and forest
 * plot, learning curves and learning rates, classes (counts, recall, confusion),
 * augmentation previews, cost, trials and what is needed to rerun it. Plots are Vega-Lite
 * rendered to inline SVG on the server; styles are inline; previews are data: URIs; the
 * page's CSP forbids any fetch. A study that is still running (or was stopped) gets a
 * report that says it is partial.
 *
 * @example
 *   const text = await renderStudyReport(store, 'mnist-tricks', { previews });
 *   writeFileSync('report.html', text);
 */
import type { Store } from '../lab/store/store.js';
import { stateBadge } from './components.js';
import { date } from './format.js';
import { html, type SafeHtml } from './html.js';
import { page } from './page.js';
import { classesSection } from './sections/classes.js';
import { costSection } from './sections/cost.js';
import { curvesSection } from './sections/curves.js';
import { type PreviewMaker, previewSection } from './sections/previews.js';
import { reproduceSection, trialsSection } from './sections/reproduce.js';
import { verdictSection } from './sections/verdicts.js';
import { readCurves, readStudy, type StudyView, trialCounts } from './study-view.js';
import { installedVersions } from './versions.js';

export interface ReportOptions {
  /** Makes the preview grids of augmentation arms (it may load the data source). */
  previews?: PreviewMaker;
  /** Navigation back to the dashboard, when the report is served by it. */
  nav?: SafeHtml;
  /** When the report is made (default now); fixed in tests. */
  now?: Date;
}

/**
 * The report of study `name` as one HTML document. Throws UnknownStudyError for a study
 * that is not in the store.
 *
 * @example
 *   await renderStudyReport(store, 'tiny');
 */
export async function renderStudyReport(
  store: Store,
  name: string,
  options: ReportOptions = {},
): Promise<string> {
  const view = await store.transaction((tx) => readStudy(tx, name));
  const curves = await readCurves(store, view);
  return reportFromView(store.file, view, curves, options);
}

/** The report from data already read (the dashboard reads once for several pages). */
export async function reportFromView(
  db: string,
  view: StudyView,
  curves: Awaited<ReturnType<typeof readCurves>>,
  options: ReportOptions = {},
): Promise<string> {
  const { study, progress } = view;
  const config = (study.config ?? {}) as {
    description?: string;
    data?: { source?: string };
    model?: { name?: string };
    seeds?: { minSeeds?: number; maxSeeds?: number };
  };
  const sections = await Promise.all([
    verdictSection(view),
    curvesSection(view, curves),
    classesSection(view),
    previewSection(view, options.previews),
    costSection(view, curves),
  ]);
  const partial = view.partial
    ? html`<div class="banner partial" role="status" id="partial"><strong>Partial report.</strong> ${
        study.state === 'running'
          ? 'The study is still running (or was stopped without a clean exit)'
          : study.state === 'interrupted'
            ? 'The study was stopped before it finished'
            : 'Some trials have not finished'
      }: ${trialCounts(progress)} of those planned${progress.running ? `, ${progress.running} running` : ''}. Figures are from finished trials only${view.verdicts.length ? '; verdicts are from its last finished run' : ''}. Last activity ${date(study.updatedAt)}.</div>`
    : '';
  const body = html`${options.nav ?? ''}<header>
<h1>Study ${study.name} ${stateBadge(study.state)}</h1>
${config.description ? html`<p>${config.description}</p>` : ''}
<p class="muted">${config.data?.source ?? '?'} · ${config.model?.name ?? '?'} · metric ${view.metric} · delta ${view.delta} points · ${seedRange(config.seeds)} per arm · ${view.arms.length} arms · ${trialCounts(progress)}${progress.diverged ? ` (${progress.diverged} diverged)` : ''}</p>
</header>
${partial}
${sections}
${trialsSection(view)}
${reproduceSection(view, db)}
<footer>Made by tunebook ${installedVersions().tunebook} on ${date((options.now ?? new Date()).toISOString())} from ${db}. This file is self-contained: it loads nothing from the network and prints as it shows.</footer>`;
  return page({ title: `tunebook: study ${study.name}`, body });
}

function seedRange(seeds: { minSeeds?: number; maxSeeds?: number } | undefined): string {
  const lo = seeds?.minSeeds;
  const hi = seeds?.maxSeeds;
  if (lo === undefined || hi === undefined) return 'seeds';
  return lo === hi ? `${lo} seeds` : `${lo} to ${hi} seeds`;
}
