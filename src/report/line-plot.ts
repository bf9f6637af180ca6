/**
 * A line plot (log-scale x allowed, an optional marked x), for `lr-find`: a Vega-Lite spec
 * rendered to SVG on the server and to PNG through sharp, the same path as every report
 * plot. Okabe-Ito blue line, vermillion marker; readable in print.
 *
 * @example
 *   await writePlotPng('lr.png', { x: rates, y: losses, logX: true, xLabel: 'learning rate', yLabel: 'loss' });
 */
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomically } from '../core/atomic-file.js';
import { OKABE_ITO } from './palette.js';
import { renderSvg, svgToPng } from './vega-render.js';

export interface LinePlot {
  x: number[];
  y: number[];
  logX?: boolean;
  xLabel: string;
  yLabel: string;
  title?: string;
  marker?: { x: number; label: string };
  /** Upper limit of the y axis (values above are drawn at the edge), e.g. to keep a blow-up from flattening the rest. */
  yMax?: number;
}

/**
 * The plot's Vega-Lite spec.
 *
 * @example
 *   linePlotSpec({ x: [1, 2], y: [3, 4], xLabel: 'x', yLabel: 'y' });
 */
export function linePlotSpec(p: LinePlot): TopLevelSpec {
  const points = p.x
    .map((x, i) => ({ x, y: p.y[i] }))
    .filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y) && (!p.logX || d.x > 0));
  const ys = points.map((d) => d.y);
  const top = Math.min(Math.max(...ys), p.yMax ?? Number.POSITIVE_INFINITY);
  const bottom = Math.min(...ys);
  const pad = top > bottom ? 0 : 1;
  const clamped = points.map((d) => ({ ...d, y: Math.min(d.y, top) }));
  const xs = points.map((d) => d.x);
  // One tick and grid line per decade: Vega's default log ticks draw every 2..9 as well.
  const decades: number[] = [];
  for (
    let e = Math.ceil(Math.log10(Math.min(...xs)));
    e <= Math.floor(Math.log10(Math.max(...xs)));
    e++
  )
    decades.push(10 ** e);
  const layers: unknown[] = [
    {
      data: { values: clamped },
      mark: { type: 'line', color: OKABE_ITO[0], strokeWidth: 2, clip: true },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          title: p.xLabel,
          scale: p.logX ? { type: 'log' } : { zero: false },
          axis: p.logX ? { format: '.0e', values: decades } : {},
        },
        y: {
          field: 'y',
          type: 'quantitative',
          title: p.yLabel,
          scale: { domain: [bottom - pad, top + pad], nice: false },
        },
      },
    },
  ];
  if (p.marker) {
    const marker = { x: p.marker.x, label: p.marker.label };
    layers.push(
      {
        data: { values: [marker] },
        mark: { type: 'rule', color: OKABE_ITO[3], strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
      {
        data: { values: [marker] },
        mark: { type: 'text', color: OKABE_ITO[3], align: 'left', dx: 6, dy: 8, baseline: 'top' },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { value: 0 },
          text: { field: 'label' },
        },
      },
    );
  }
  return {
    width: 560,
    height: 320,
    ...(p.title ? { title: p.title } : {}),
    layer: layers,
  } as TopLevelSpec;
}

/**
 * The plot as SVG text.
 *
 * @example
 *   const svg = await linePlotSvg({ x, y, xLabel: 'epoch', yLabel: 'loss' });
 */
export function linePlotSvg(p: LinePlot, options: { background?: string } = {}): Promise<string> {
  return renderSvg(linePlotSpec(p), { id: 'line-plot', background: options.background });
}

/**
 * Writes the plot as a PNG (atomically).
 *
 * @example
 *   await writePlotPng('lr-find.png', plot);
 */
export async function writePlotPng(file: string, p: LinePlot): Promise<void> {
  const png = await svgToPng(await linePlotSvg(p, { background: 'white' }));
  writeFileAtomically(file, png);
}
