/**
 * A sweep's dose-response plot: each value's effect (point) with its interval (bar) against
 * the value, numeric values on a numeric axis (so uneven steps look uneven), others in the
 * study's order; the ±delta band shaded and zero marked as in the forest plot.
 *
 * @example
 *   await renderSvg(doseResponseSpec('dropout rate', rows, 0.5, metric), { id: 'sweep-1' });
 */
import type { TopLevelSpec } from 'vega-lite';
import { interval, signedPoints } from '../format.js';
import { VERDICT_COLOURS, VERDICT_ORDER } from '../palette.js';

export interface DoseRow {
  value: unknown;
  effect: number;
  lo: number;
  hi: number;
  verdict: string;
}

export function doseResponseSpec(
  name: string,
  rows: readonly DoseRow[],
  delta: number,
  metric: string,
): TopLevelSpec {
  const numeric = rows.every((r) => typeof r.value === 'number');
  const label = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const values = rows
    .filter((r) => Number.isFinite(r.effect))
    .map((r) => ({
      x: numeric ? r.value : label(r.value),
      effect: r.effect,
      lo: Number.isFinite(r.lo) ? r.lo : r.effect,
      hi: Number.isFinite(r.hi) ? r.hi : r.effect,
      verdict: r.verdict,
      description: `${name} ${label(r.value)}: ${r.verdict}, ${signedPoints(r.effect)} points, 95% CI ${interval(r.lo, r.hi)}`,
    }));
  const x = numeric
    ? { field: 'x', type: 'quantitative' as const, title: name, scale: { zero: false } }
    : { field: 'x', type: 'ordinal' as const, title: name, sort: rows.map((r) => label(r.value)) };
  const colour = {
    field: 'verdict',
    type: 'nominal' as const,
    title: 'verdict',
    scale: { domain: [...VERDICT_ORDER], range: VERDICT_ORDER.map((v) => VERDICT_COLOURS[v]) },
  };
  const y = {
    field: 'effect',
    type: 'quantitative' as const,
    title: `effect on ${metric} (points)`,
  };
  return {
    width: 420,
    height: 220,
    data: { values },
    layer: [
      {
        data: { values: [{ lo: -delta, hi: delta }] },
        mark: { type: 'rect', color: '#888888', opacity: 0.18 },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: '#888888', strokeDash: [4, 3] },
        encoding: { y: { field: 'zero', type: 'quantitative' } },
      },
      {
        mark: { type: 'rule', strokeWidth: 2.5 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: colour },
      },
      { mark: { type: 'line', color: '#888888', opacity: 0.6 }, encoding: { x, y } },
      {
        mark: { type: 'point', filled: true, size: 90, opacity: 1, aria: true },
        encoding: { x, y, color: colour, description: { field: 'description', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}
