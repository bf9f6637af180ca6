/**
 * Training time per epoch of every arm (mean over the epochs of its finished trials), the
 * baseline in its own colour: what a measure costs, next to what it gains.
 *
 * @example
 *   await renderSvg(epochTimeSpec([{ arm: 'baseline', seconds: 1.2, baseline: true }]), { id: 'cost' });
 */
import type { TopLevelSpec } from 'vega-lite';
import { ARM_COLOUR, BASELINE_COLOUR } from '../palette.js';

export function epochTimeSpec(
  rows: { arm: string; seconds: number; baseline: boolean }[],
): TopLevelSpec {
  return {
    width: 420,
    height: Math.max(40, rows.length * 20),
    data: {
      values: rows.map((r) => ({ ...r, role: r.baseline ? 'baseline' : 'measure' })),
    },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'arm',
        type: 'nominal',
        title: null,
        sort: rows.map((r) => r.arm),
        axis: { labelLimit: 320 },
      },
      x: { field: 'seconds', type: 'quantitative', title: 'seconds per epoch (mean)' },
      color: {
        field: 'role',
        type: 'nominal',
        legend: null,
        scale: { domain: ['measure', 'baseline'], range: [ARM_COLOUR, BASELINE_COLOUR] },
      },
    },
  } as TopLevelSpec;
}
