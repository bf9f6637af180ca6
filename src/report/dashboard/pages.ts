/**
 * The dashboard's pages and their live regions. Each region is rendered here, on the
 * server, both into the first page and into the JSON the page polls, so the page and its
 * updates cannot disagree and user text is escaped in one place.
 *
 * @example
 *   const { html, json } = studyPage(view, { curves: null });
 */

import type { StudyRow } from '../../lab/store/store.js';
import { stateBadge, verdictTableHtml } from '../components.js';
import { date, signedPoints } from '../format.js';
import { html, raw, type SafeHtml } from '../html.js';
import { page } from '../page.js';
import { type Progress, provisionalEffects, type StudyView } from '../study-view.js';
import { controlWarning, splitControl } from '../verdict-rows.js';
import { CLIENT_SCRIPT } from './client.js';
import { studyPath } from './routes.js';

/** The navigation bar of every dashboard page (and of served reports). */
export function navBar(): SafeHtml {
  return html`<nav><a class="brand" href="/">tunebook dashboard</a><a href="/">studies</a><a href="/notebook">notebook</a><span class="muted live-only" id="live"></span></nav>`;
}

function progressBar(p: Progress): SafeHtml {
  const share = p.total ? Math.round((100 * p.finished) / p.total) : 0;
  return html`<span class="bar" aria-hidden="true"><span style="width:${String(share)}%"></span></span>`;
}

export interface StudySummary {
  study: StudyRow;
  progress: Progress;
  verdicts: Record<string, number>;
}

/** The studies table (the index page's live region). */
export function studiesRegion(studies: StudySummary[], problem: string | null): SafeHtml {
  if (problem) return html`<p class="banner">${problem}</p>`;
  if (studies.length === 0)
    return html`<p class="note">No studies yet: run <code>tunebook study &lt;file.yaml&gt;</code> and it appears here.</p>`;
  return html`<div class="scroll"><table class="studies"><thead><tr><th>study</th><th>state</th><th>trials</th><th class="num">running</th><th>verdicts</th><th>started</th><th>last activity</th><th></th></tr></thead><tbody>${studies.map(
    (s) =>
      html`<tr data-study="${s.study.name}"><td><a href="${studyPath(s.study.name)}">${s.study.name}</a></td><td>${stateBadge(s.study.state)}</td><td>${progressBar(s.progress)} <span class="finished" data-value="${String(s.progress.finished)}">${s.progress.finished}</span> / ${s.progress.total}</td><td class="num">${s.progress.running}</td><td>${
        Object.entries(s.verdicts)
          .map(([v, n]) => `${n} ${v}`)
          .join(', ') || 'none yet'
      }</td><td>${date(s.study.createdAt)}</td><td>${date(s.study.updatedAt)}</td><td><a href="${studyPath(s.study.name, 'report')}">report</a></td></tr>`,
  )}</tbody></table></div>`;
}

/** The index page: every study with its state; the table refreshes itself. */
export function indexPage(studies: StudySummary[], db: string, problem: string | null): string {
  return page({
    title: 'tunebook dashboard',
    bodyAttributes: { 'data-api': '/api/studies' },
    script: CLIENT_SCRIPT,
    body: html`${navBar()}<h1>Studies</h1><p class="muted">Read-only view of ${db}.</p>
<div id="studies">${studiesRegion(studies, problem)}</div>`,
  });
}

function statusRegion(view: StudyView): SafeHtml {
  const p = view.progress;
  return html`<p>${stateBadge(view.study.state)} ${progressBar(p)} <strong><span id="trials-finished" data-value="${String(p.finished)}">${p.finished}</span> of <span id="trials-total" data-value="${String(p.total)}">${p.total}</span> trials finished</strong> · ${p.done} done · ${p.running} running · ${p.queued} queued${p.failed ? ` · ${p.failed} failed` : ''}${p.diverged ? ` · ${p.diverged} diverged` : ''} · last activity ${date(view.study.updatedAt)}</p>`;
}

function runningRegion(view: StudyView): SafeHtml {
  const running = view.trials.filter((t) => t.state === 'running');
  if (running.length === 0) return html`<p class="note">No trial is running.</p>`;
  const labels = new Map(view.arms.map((a) => [a.id, a.label]));
  // The machine too: a shared study's trials run on any worker's (`host` of the claim).
  return html`<table class="running"><thead><tr><th>arm</th><th class="num">seed</th><th>machine</th><th>started</th></tr></thead><tbody>${running.map(
    (t) =>
      html`<tr data-arm="${t.armKey}"><td>${labels.get(t.armId) ?? t.armKey}</td><td class="num">${t.seed}</td><td class="host">${t.host ?? '?'}</td><td>${date(t.startedAt)}</td></tr>`,
  )}</tbody></table>`;
}

function verdictsRegion(view: StudyView): SafeHtml {
  if (view.verdicts.length > 0) {
    const stale =
      view.study.state === 'running'
        ? html`<p class="note">From the study's last finished run; new verdicts come when this run ends.</p>`
        : '';
    // The negative control is a check on the study, not a measure: its line and warning apart.
    const { measures, control } = splitControl(view.verdicts);
    const warning = controlWarning(control);
    return html`${stale}${verdictTableHtml(measures)}${control ? html`<p class="note" data-arm="control" data-verdict="${control.verdict}">Negative control: ${signedPoints(control.effect)} over ${control.seeds} seeds, ${control.verdict}.</p>` : ''}${warning ? html`<p class="warning" role="alert">${warning}</p>` : ''}`;
  }
  const effects = provisionalEffects(view);
  return html`<p class="note">No verdicts yet: they come when the study ends. Effects so far (the arm's ${view.metric} minus the baseline's at the same seeds, percentage points):</p>
<table class="provisional"><thead><tr><th>measure</th><th class="num">trials finished</th><th class="num">pairs</th><th class="num">effect so far (pts)</th></tr></thead><tbody>${effects.map(
    (e) =>
      html`<tr data-arm="${e.arm}"><td>${e.label}</td><td class="num">${e.finished} / ${e.planned}</td><td class="num">${e.pairs}</td><td class="num">${signedPoints(e.effect)}</td></tr>`,
  )}</tbody></table>`;
}

/** What a study page polls: its regions, and whether it is still worth polling fast. */
export interface StudyStatus {
  name: string;
  state: string;
  active: boolean;
  progress: Progress;
  curvesVersion: string;
  regions: Record<string, string>;
}

/** The version of a study's curves: they change only when a trial finishes. */
export function curvesVersion(view: StudyView): string {
  return `${view.study.id}-${view.study.updatedAt}-${view.progress.finished}`;
}

/**
 * A study's live status (the JSON the page polls).
 *
 * @example
 *   JSON.stringify(studyStatus(view));
 */
export function studyStatus(view: StudyView): StudyStatus {
  return {
    name: view.study.name,
    state: view.study.state,
    active: view.study.state === 'running' || view.progress.running > 0,
    progress: view.progress,
    curvesVersion: curvesVersion(view),
    regions: {
      status: statusRegion(view).text,
      running: runningRegion(view).text,
      verdicts: verdictsRegion(view).text,
    },
  };
}

/** A study's page; `curves` is the cached SVG when there is one (else the page fetches it). */
export function studyPage(view: StudyView, curves: string | null): string {
  const { study } = view;
  const description = (study.config as { description?: string } | null)?.description;
  return page({
    title: `tunebook: ${study.name}`,
    bodyAttributes: {
      'data-api': `/api/study/${encodeURIComponent(study.name)}`,
      'data-curves': studyPath(study.name, 'curves'),
      'data-curves-version': curves === null ? '' : curvesVersion(view),
      'data-curves-pending': curves === null ? 'true' : 'false',
      'data-state': study.state,
    },
    script: CLIENT_SCRIPT,
    body: html`${navBar()}<h1>Study ${study.name}</h1>
${description ? html`<p>${description}</p>` : ''}
<p><a href="${studyPath(study.name, 'report')}">full report</a> · <a href="/api/study/${encodeURIComponent(study.name)}">JSON</a></p>
<section><div id="status">${statusRegion(view)}</div></section>
<section><h2>Running now</h2><div id="running">${runningRegion(view)}</div></section>
<section><h2>Verdicts</h2><div id="verdicts">${verdictsRegion(view)}</div></section>
<section><h2>Learning curves</h2><p class="note">Validation score by epoch of finished trials, mean and range over seeds, baseline in orange.</p><figure id="curves">${curves === null ? html`<p class="note">Loading the curves…</p>` : raw(curves)}</figure></section>`,
  });
}

/** A page for what the dashboard cannot show (unknown study, no database yet). */
export function messagePage(title: string, message: string): string {
  return page({
    title: `tunebook: ${title}`,
    body: html`${navBar()}<h1>${title}</h1><p>${message}</p>`,
  });
}
