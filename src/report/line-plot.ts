/**
 * A small line plot as SVG (log-scale x allowed), and as PNG through sharp's SVG renderer,
 * for `lr-find`. Colour-blind-safe (Okabe-Ito blue), readable in print.
 *
 * @example
 *   await writePlotPng('lr.png', { x: rates, y: losses, logX: true, xLabel: 'learning rate', yLabel: 'loss' });
 */
import sharp from 'sharp';

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

const W = 640;
const H = 400;
const M = { left: 70, right: 20, top: 40, bottom: 55 };

export function linePlotSvg(p: LinePlot): string {
  const fx = p.logX ? Math.log10 : (v: number) => v;
  const xs = p.x.map(fx);
  const finite = p.y.filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [
    Math.min(...finite),
    Math.min(Math.max(...finite), p.yMax ?? Number.POSITIVE_INFINITY),
  ];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const sy = (v: number) =>
    H - M.bottom - ((Math.min(v, y1) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const path = xs
    .map((x, i) =>
      Number.isFinite(p.y[i]) ? `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(p.y[i]).toFixed(1)}` : '',
    )
    .join('');
  const ticks: string[] = [];
  if (p.logX) {
    for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) {
      ticks.push(
        `<line x1="${sx(e)}" y1="${H - M.bottom}" x2="${sx(e)}" y2="${H - M.bottom + 5}" stroke="#333"/>` +
          `<text x="${sx(e)}" y="${H - M.bottom + 20}" text-anchor="middle">1e${e}</text>`,
      );
    }
  }
  for (let k = 0; k <= 4; k++) {
    const v = y0 + ((y1 - y0) * k) / 4;
    ticks.push(
      `<line x1="${M.left - 5}" y1="${sy(v)}" x2="${M.left}" y2="${sy(v)}" stroke="#333"/>` +
        `<text x="${M.left - 8}" y="${sy(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`,
    );
  }
  const marker = p.marker
    ? `<line x1="${sx(fx(p.marker.x))}" y1="${M.top}" x2="${sx(fx(p.marker.x))}" y2="${H - M.bottom}" stroke="#D55E00" stroke-dasharray="4 3"/>` +
      `<text x="${sx(fx(p.marker.x)) + 6}" y="${M.top + 14}" fill="#D55E00">${escapeXml(p.marker.label)}</text>`
    : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    p.title
      ? `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(p.title)}</text>`
      : '',
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>`,
    ...ticks,
    `<path d="${path}" fill="none" stroke="#0072B2" stroke-width="2"/>`,
    marker,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`,
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(p.yLabel)}</text>`,
    '</svg>',
  ].join('');
}

export async function writePlotPng(file: string, p: LinePlot): Promise<void> {
  await sharp(Buffer.from(linePlotSvg(p)))
    .png()
    .toFile(file);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
