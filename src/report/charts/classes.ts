/**
 * The data side of a study: class counts per split (imbalance shows as uneven bars),
 * per-class recall of every arm as a heat map, and confusion matrices (rows: true class,
 * normalised to 1, so the diagonal is recall) as small heat maps, one per arm. Viridis for
 * heat maps: ordered in lightness, readable with any colour vision and in print.
 *
 * @example
 *   await renderSvg(classCountsSpec({ train: [90, 9], validation: [10, 1], test: [20, 20] }), { id: 'counts' });
 */
import type { TopLevelSpec } from 'vega-lite';
import { SPLIT_COLOURS } from '../palette.js';

export const SPLITS = ['train', 'validation', 'test'] as const;

/** Class `k`'s name on an axis: the study's (folder name, CSV label), else its index. */
const nameOf = (names: readonly string[] | undefined, k: number) => names?.[k] ?? String(k);

export function classCountsSpec(
  counts: Record<(typeof SPLITS)[number], number[]>,
  names?: readonly string[],
): TopLevelSpec {
  const values = SPLITS.flatMap((split) =>
    (counts[split] ?? []).map((n, k) => ({ split, cls: nameOf(names, k), n })),
  );
  const classes = Math.max(...SPLITS.map((s) => counts[s]?.length ?? 0));
  return {
    width: Math.max(240, Math.min(720, classes * 48)),
    height: 180,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'cls',
        type: 'ordinal',
        title: 'class',
        sort: null,
        axis: { labelAngle: 0 },
      },
      xOffset: { field: 'split', sort: [...SPLITS] },
      y: { field: 'n', type: 'quantitative', title: 'samples' },
      color: {
        field: 'split',
        type: 'nominal',
        title: 'split',
        scale: { domain: [...SPLITS], range: [...SPLIT_COLOURS] },
      },
    },
  } as TopLevelSpec;
}

const RATE_COLOUR = {
  type: 'quantitative' as const,
  scale: { scheme: 'viridis', domain: [0, 1] },
};

/** Rows of arms, columns of classes, mean recall over seeds. */
export function recallSpec(
  rows: { arm: string; recall: number[] }[],
  names?: readonly string[],
): TopLevelSpec {
  const values = rows.flatMap((r) =>
    r.recall.map((v, k) => ({
      arm: r.arm,
      cls: nameOf(names, k),
      v,
      label: `${Math.round(100 * v)}`,
    })),
  );
  const classes = Math.max(0, ...rows.map((r) => r.recall.length));
  const cell = classes > 12 ? 18 : 30;
  return {
    width: classes * cell,
    height: rows.length * 20,
    data: { values },
    encoding: {
      x: { field: 'cls', type: 'ordinal', title: 'class', sort: null, axis: { labelAngle: 0 } },
      y: {
        field: 'arm',
        type: 'nominal',
        title: null,
        sort: rows.map((r) => r.arm),
        axis: { labelLimit: 320 },
      },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: { color: { ...RATE_COLOUR, field: 'v', title: 'recall' } },
      },
      ...(classes <= 12
        ? [
            {
              mark: { type: 'text', fontSize: 10 },
              encoding: {
                text: { field: 'label' },
                color: {
                  condition: { test: 'datum.v > 0.55', value: '#000000' },
                  value: '#ffffff',
                },
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** One heat map per arm; `matrix[t][p]` are counts, summed over seeds. */
export function confusionSpec(
  panels: { arm: string; matrix: number[][] }[],
  names?: readonly string[],
): TopLevelSpec {
  const values = panels.flatMap((p) =>
    p.matrix.flatMap((row, t) => {
      const total = row.reduce((s, x) => s + x, 0);
      return row.map((n, q) => ({
        arm: p.arm,
        truth: nameOf(names, t),
        predicted: nameOf(names, q),
        rate: total > 0 ? n / total : 0,
      }));
    }),
  );
  const classes = Math.max(0, ...panels.map((p) => p.matrix.length));
  const size = Math.max(80, Math.min(160, classes * 16));
  return {
    data: { values },
    columns: Math.min(5, Math.max(1, panels.length)),
    facet: {
      field: 'arm',
      type: 'nominal',
      title: null,
      sort: panels.map((p) => p.arm),
      header: { labelLimit: 170, labelFontWeight: 'bold' },
    },
    spec: {
      width: size,
      height: size,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'predicted', type: 'ordinal', sort: null, axis: { labelAngle: 0 } },
        y: { field: 'truth', type: 'ordinal', title: 'true class', sort: null },
        color: { ...RATE_COLOUR, field: 'rate', title: 'row share' },
      },
    },
  } as TopLevelSpec;
}
