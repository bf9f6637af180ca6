/**
 * The forest plot: each measure's effect with its 95% interval, the +/-delta band (effects
 * too small to care about) shaded, zero marked, the verdict as colour and shape. Exactly one
 * point per measure carries an ARIA label starting `effect of`, so a reader (or a test) can
 * find and count them.
 *
 * @example
 *   await renderSvg(forestSpec(rows, 0.5, 'test_balanced_accuracy'), { id: 'forest' });
 */
import type { TopLevelSpec } from 'vega-lite';
import { interval, signedPoints } from '../format.js';
import { VERDICT_COLOURS, VERDICT_ORDER, VERDICT_SHAPES } from '../palette.js';

export interface ForestRow {
  /** Unique row name (the arm's label, or label + study in the notebook). */
  name: string;
  verdict: string;
  effect: number;
  lo: number;
  hi: number;
  seeds: number;
}

/** The prefix of every forest point's ARIA label. */
export const FOREST_LABEL_PREFIX = 'effect of';

/**
 * `control`: the negative control's interval, drawn as a hatched-blue reference band across
 * every row (the study's noise floor), not as a row of its own.
 */
export function forestSpec(
  rows: ForestRow[],
  delta: number,
  metric: string,
  control: { lo: number; hi: number } | null = null,
): TopLevelSpec {
  const values = rows
    .filter((r) => Number.isFinite(r.effect))
    .map((r) => ({
      ...r,
      lo: Number.isFinite(r.lo) ? r.lo : r.effect,
      hi: Number.isFinite(r.hi) ? r.hi : r.effect,
      description:
        `${FOREST_LABEL_PREFIX} ${r.name}: ${r.verdict}, ${signedPoints(r.effect)} points, ` +
        `95% CI ${interval(r.lo, r.hi)}, ${r.seeds} seeds`,
    }));
  const band =
    control && Number.isFinite(control.lo) && Number.isFinite(control.hi) ? control : null;
  const extent = values
    .flatMap((r) => [r.lo, r.hi])
    .concat([-2 * delta, 2 * delta], band ? [band.lo, band.hi] : []);
  const names = rows.map((r) => r.name);
  const y = {
    field: 'name',
    type: 'nominal' as const,
    sort: names,
    title: null,
    axis: { labelLimit: 360, grid: false },
    scale: { domain: names },
  };
  const colour = {
    field: 'verdict',
    type: 'nominal' as const,
    title: 'verdict',
    scale: { domain: [...VERDICT_ORDER], range: VERDICT_ORDER.map((v) => VERDICT_COLOURS[v]) },
  };
  return {
    width: 520,
    height: Math.max(60, 26 * names.length),
    data: { values },
    encoding: { y },
    layer: [
      {
        data: { values: [{ lo: -delta, hi: delta }] },
        mark: { type: 'rect', color: '#888888', opacity: 0.18 },
        encoding: {
          x: { field: 'lo', type: 'quantitative' },
          x2: { field: 'hi' },
          y: null as never,
        },
      },
      ...(band
        ? [
            {
              data: { values: [band] },
              mark: { type: 'rect', color: '#0072B2', opacity: 0.12 },
              encoding: {
                x: { field: 'lo', type: 'quantitative' },
                x2: { field: 'hi' },
                y: null as never,
              },
            },
          ]
        : []),
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: '#888888', strokeDash: [4, 3] },
        encoding: { x: { field: 'zero', type: 'quantitative' }, y: null as never },
      },
      {
        mark: { type: 'rule', strokeWidth: 2.5 },
        encoding: {
          x: {
            field: 'lo',
            type: 'quantitative',
            title: `effect on ${metric} (percentage points; shaded: within ±${delta})`,
            scale: { domain: [Math.min(...extent), Math.max(...extent)], nice: true, zero: true },
          },
          x2: { field: 'hi' },
          color: colour,
        },
      },
      {
        mark: { type: 'point', filled: true, size: 110, opacity: 1, aria: true },
        encoding: {
          x: { field: 'effect', type: 'quantitative' },
          color: colour,
          shape: {
            field: 'verdict',
            type: 'nominal',
            scale: {
              domain: [...VERDICT_ORDER],
              range: VERDICT_ORDER.map((v) => VERDICT_SHAPES[v]),
            },
            title: 'verdict',
          },
          description: { field: 'description', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
}
