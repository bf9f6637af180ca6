/**
 * The living notebook as a page, in the report's style: the four sections (effective,
 * unstable, basically ineffective, harmful), each with a forest plot of its evidence across
 * studies, then every measure with its evidence table and the notes written about it.
 *
 * @example
 *   const text = await notebookHtml(notebookEntries(await store.allVerdicts(), await store.notes()));
 */
import type { NotebookEntry, Standing } from '../lab/notebook.js';
import { forestSpec } from './charts/forest.js';
import { figure, uniqueLabels, verdictBadge } from './components.js';
import { date, interval, signedPoints } from './format.js';
import { html, type SafeHtml } from './html.js';
import { page } from './page.js';
import { renderSvg } from './vega-render.js';
import { installedVersions } from './versions.js';

const SECTIONS: [Standing, string][] = [
  ['effective', 'Effective measures'],
  ['unstable', 'Unstable measures'],
  ['ineffective', 'Basically ineffective measures'],
  ['harmful', 'Harmful measures'],
];

export interface NotebookHtmlOptions {
  /** Link of a study's page (the dashboard); plain text when absent. */
  studyLink?: (name: string) => string;
  nav?: SafeHtml;
  now?: Date;
  /** Where the notebook was read from, for the footer. */
  db?: string;
}

export async function notebookHtml(
  entries: NotebookEntry[],
  options: NotebookHtmlOptions = {},
): Promise<string> {
  const sections = await Promise.all(
    SECTIONS.map(async ([standing, title]) => {
      const here = entries.filter((e) => e.standing === standing);
      if (here.length === 0)
        return html`<section id="${standing}"><h2>${title}</h2><p class="note">None yet.</p></section>`;
      const evidence = here.flatMap((e) => e.evidence.map((v) => ({ e, v })));
      const names = uniqueLabels(
        evidence.map(({ e, v }) => `${e.measure} · ${v.study}: ${v.label}`),
      );
      const svg = evidence.length
        ? await renderSvg(
            forestSpec(
              evidence.map(({ v }, i) => ({
                name: names[i],
                verdict: v.verdict,
                effect: v.effect,
                lo: v.lo,
                hi: v.hi,
                seeds: v.seeds,
              })),
              0.5,
              'each study’s metric',
            ),
            { id: `forest-${standing}` },
          )
        : null;
      return html`<section id="${standing}"><h2>${title}</h2>
${svg ? figure(`forest-${standing}`, svg, 'Each piece of evidence: the effect against its study’s baseline with its 95% interval; the band is the default ±0.5 points (a study may set its own delta).') : ''}
${here.map((e) => measureBlock(e, options))}</section>`;
    }),
  );
  const body = html`${options.nav ?? ''}<header><h1>Tuning notebook</h1>
<p class="muted">Every measure tunebook has tested, sorted by the evidence so far. Effects are percentage points of each study's metric against its baseline at the same seeds, with 95% intervals. ${entries.length} measures.</p></header>
${sections}
<footer>Made by tunebook ${installedVersions().tunebook} on ${date((options.now ?? new Date()).toISOString())}${options.db ? ` from ${options.db}` : ''}. Self-contained: loads nothing from the network.</footer>`;
  return page({ title: 'tunebook: notebook', body });
}

function measureBlock(e: NotebookEntry, options: NotebookHtmlOptions): SafeHtml {
  const study = (name: string) =>
    options.studyLink ? html`<a href="${options.studyLink(name)}">${name}</a>` : html`${name}`;
  return html`<article class="measure" data-measure="${e.measure}"><h3>${e.measure} ${verdictBadge(e.standing)}</h3>
${
  e.evidence.length
    ? html`<div class="scroll"><table><thead><tr><th>study</th><th>arm</th><th>data</th><th>model</th><th>verdict</th><th class="num">effect (pts)</th><th class="num">95% CI</th><th class="num">seeds</th><th>metric</th></tr></thead><tbody>${e.evidence.map(
        (v) =>
          html`<tr><td>${study(v.study)}</td><td>${v.label}</td><td>${v.data}</td><td>${v.model}</td><td>${verdictBadge(v.verdict)}</td><td class="num">${signedPoints(v.effect)}</td><td class="num">${interval(v.lo, v.hi)}</td><td class="num">${v.seeds}</td><td>${v.metric}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="note">No evidence yet.</p>`
}
${e.notes.length ? html`<ul class="notes">${e.notes.map((n) => html`<li class="note-text"><span class="muted">${n.date.slice(0, 10)}:</span> ${n.text}</li>`)}</ul>` : ''}
</article>`;
}
