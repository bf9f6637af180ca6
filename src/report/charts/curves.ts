/**
 * Learning curves, one small panel per arm: the arm's mean over seeds as a line and its
 * min-max range as a band, with the baseline's drawn the same way in its own colour, so
 * each panel answers "does this measure learn differently from the baseline?". Training
 * and validation are told apart by dash as well as by legend.
 *
 * @example
 *   await renderSvg(curvesSpec(panels, { y: 'loss' }), { id: 'loss' });
 */
import type { TopLevelSpec } from 'vega-lite';
import { ARM_COLOUR, BASELINE_COLOUR } from '../palette.js';
import type { CurvePoint } from '../study-view.js';

export interface CurveSeries {
  /** 'this arm' or 'baseline'. */
  series: string;
  /** 'train', 'validation'. */
  split: string;
  points: CurvePoint[];
}

export interface CurvePanel {
  /** Panel title: the arm's label. */
  title: string;
  series: CurveSeries[];
}

export const SERIES = ['this arm', 'baseline'] as const;

export function curvesSpec(
  panels: CurvePanel[],
  options: { y: string; splits: string[]; columns?: number },
): TopLevelSpec {
  // Baseline rows first: Vega draws series in data order, so the arm's line ends on top.
  const ordered = panels.map((p) => ({
    ...p,
    series: [...p.series].sort(
      (a, b) => Number(b.series === 'baseline') - Number(a.series === 'baseline'),
    ),
  }));
  const values = ordered.flatMap((p) =>
    p.series.flatMap((s) =>
      s.points.map((pt) => ({
        panel: p.title,
        series: s.series,
        split: s.split,
        epoch: pt.epoch,
        mean: pt.mean,
        lo: pt.lo,
        hi: pt.hi,
      })),
    ),
  );
  const colour = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [...SERIES], range: [ARM_COLOUR, BASELINE_COLOUR] },
    legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolOpacity: 1 },
  };
  const x = {
    field: 'epoch',
    type: 'quantitative' as const,
    title: 'epoch',
    axis: { tickMinStep: 1, format: 'd' },
  };
  const dash = {
    field: 'split',
    type: 'nominal' as const,
    title: null,
    scale: {
      domain: options.splits,
      range: [
        [1, 0],
        [5, 3],
        [2, 2],
      ].slice(0, options.splits.length),
    },
    // One split needs no key for its dash.
    ...(options.splits.length < 2 ? { legend: null } : {}),
  };
  return {
    data: { values },
    columns: Math.min(options.columns ?? 4, Math.max(1, panels.length)),
    facet: {
      field: 'panel',
      type: 'nominal',
      title: null,
      sort: panels.map((p) => p.title),
      header: { labelLimit: 220, labelFontWeight: 'bold' },
    },
    spec: {
      width: 200,
      height: 120,
      layer: [
        {
          mark: { type: 'area', opacity: 0.2 },
          encoding: {
            x,
            y: { field: 'lo', type: 'quantitative', title: options.y, scale: { zero: false } },
            y2: { field: 'hi' },
            color: colour,
            detail: { field: 'split' },
          },
        },
        {
          mark: { type: 'line', strokeWidth: 1.8, point: false },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative', title: options.y },
            color: colour,
            strokeDash: dash,
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
  } as TopLevelSpec;
}
