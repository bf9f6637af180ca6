/**
 * The learning rate each arm actually trained with, epoch by epoch (mean over seeds; a
 * plateau schedule can differ between seeds). Arms that used the same rates share one line,
 * so the schedule arms stand out from the many that keep the base rate.
 *
 * @example
 *   await renderSvg(lrSpec(groups), { id: 'lr' });
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CurvePoint } from '../study-view.js';

export interface LrLine {
  /** Who used it: "baseline and 7 more arms", or the arm labels. */
  name: string;
  points: CurvePoint[];
}

/**
 * Arms grouped by identical LR curves (to 6 significant digits).
 *
 * @example
 *   groupLrCurves([{ label: 'baseline', points }, ...]);
 */
export function groupLrCurves(arms: { label: string; points: CurvePoint[] }[]): LrLine[] {
  const groups = new Map<string, { labels: string[]; points: CurvePoint[] }>();
  for (const a of arms) {
    if (a.points.length === 0) continue;
    const key = a.points.map((p) => `${p.epoch}:${p.mean.toPrecision(6)}`).join(' ');
    const g = groups.get(key);
    if (g) g.labels.push(a.label);
    else groups.set(key, { labels: [a.label], points: a.points });
  }
  return [...groups.values()].map((g) => ({
    name:
      g.labels.length <= 3
        ? g.labels.join(', ')
        : `${g.labels.slice(0, 2).join(', ')} and ${g.labels.length - 2} more arms`,
    points: g.points,
  }));
}

export function lrSpec(lines: LrLine[]): TopLevelSpec {
  const values = lines.flatMap((l) =>
    l.points.map((p) => ({ name: l.name, epoch: p.epoch, lr: p.mean })),
  );
  const rates = values.map((v) => v.lr);
  const positive = rates.every((r) => r > 0);
  const lo = Math.min(...rates);
  const hi = Math.max(...rates);
  const log = positive && hi / lo > 4;
  // Ticks at the decades, the first rate and the last: d3's log ticks label every 2..9 too.
  const ticks = [lo, hi];
  if (log)
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++)
      ticks.push(10 ** e);
  return {
    width: 520,
    height: 200,
    data: { values },
    mark: { type: 'line', point: { size: 28 }, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: {
        field: 'lr',
        type: 'quantitative',
        title: `learning rate${log ? ' (log scale)' : ''}`,
        scale: log ? { type: 'log' } : { zero: false },
        axis: log
          ? { format: '.1e', values: [...new Set(ticks)].sort((a, b) => a - b) }
          : { format: '.1e' },
      },
      color: { field: 'name', type: 'nominal', title: 'arms', sort: lines.map((l) => l.name) },
      // Dash as well as colour: lines that overlap stay apart in print and for any colour vision.
      strokeDash: { field: 'name', type: 'nominal', title: 'arms', sort: lines.map((l) => l.name) },
    },
  } as TopLevelSpec;
}
