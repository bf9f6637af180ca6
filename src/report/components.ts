/**
 * Small pieces of markup every page uses: verdict and state badges, a figure around an SVG,
 * a list of facts, the verdict table. Everything user-given goes through `html`, so it is
 * escaped.
 *
 * @example
 *   html`<td>${verdictBadge('effective')}</td>`;
 */
import { count, interval, ratio, signedPoints } from './format.js';
import { html, raw, type SafeHtml } from './html.js';
import { VERDICT_COLOURS } from './palette.js';
import type { VerdictLine } from './verdict-rows.js';

/** A number for a data attribute: empty for an arm without data (never "NaN"). */
const data = (x: number) => (Number.isFinite(x) ? String(x) : '');

const GLYPHS: Record<string, string> = {
  effective: '▲',
  unstable: '◆',
  ineffective: '●',
  harmful: '▼',
};

/**
 * A verdict as a coloured pill with the forest plot's shape.
 *
 * @example
 *   verdictBadge('harmful');
 */
export function verdictBadge(verdict: string): SafeHtml {
  const known = verdict in VERDICT_COLOURS ? verdict : 'ineffective';
  return html`<span class="verdict verdict-${known}" data-glyph="${GLYPHS[known] ?? ''}">${verdict}</span>`;
}

/**
 * A study's state (running, done, interrupted).
 *
 * @example
 *   stateBadge('running');
 */
export function stateBadge(state: string): SafeHtml {
  return html`<span class="state state-${state.replace(/[^a-z]/g, '')}" data-state="${state}">${state}</span>`;
}

/**
 * An inline SVG with its caption; `id` names the figure for links and tests.
 *
 * @example
 *   figure('forest', svg, 'Effect of each measure with its 95% interval.');
 */
export function figure(id: string, svg: string, caption: string | SafeHtml): SafeHtml {
  return html`<figure id="${id}">${raw(svg)}<figcaption>${caption}</figcaption></figure>`;
}

/**
 * A definition list of label/value pairs.
 *
 * @example
 *   facts([['metric', 'test_balanced_accuracy']]);
 */
export function facts(rows: [string, unknown][]): SafeHtml {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

/**
 * Labels made unique (a plot row per arm even when two arms share a label).
 *
 * @example
 *   uniqueLabels(['a', 'a']); // ['a', 'a (2)']
 */
export function uniqueLabels(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

/**
 * The verdict table, the same columns and figures as `tunebook verdicts`; each row carries
 * the exact numbers in data attributes.
 *
 * @example
 *   verdictTableHtml(await verdictLines(store, study));
 */
export function verdictTableHtml(lines: VerdictLine[]): SafeHtml {
  const rows = lines.map(
    (
      l,
    ) => html`<tr data-arm="${l.arm}" data-verdict="${l.verdict}" data-effect="${data(l.effect)}" data-lo="${data(l.lo)}" data-hi="${data(l.hi)}" data-seeds="${String(l.seeds)}">
<td>${l.label}</td><td class="num">${signedPoints(l.effect)}</td><td class="num">${interval(l.lo, l.hi)}</td><td class="num">${l.seeds}</td><td>${verdictBadge(l.verdict)}</td><td class="num">${ratio(l.timeRatio)}</td><td class="num">${count(l.parameters)}</td><td class="num">${l.epochsToBaseline === null ? 'never' : l.epochsToBaseline.toFixed(1)}</td></tr>`,
  );
  return html`<div class="scroll"><table class="verdicts">
<thead><tr><th>measure</th><th class="num">effect (pts)</th><th class="num">95% CI</th><th class="num">seeds</th><th>verdict</th><th class="num">time</th><th class="num">params</th><th class="num">epochs to baseline</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}
