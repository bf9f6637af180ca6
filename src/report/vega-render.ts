/**
 * Vega-Lite spec -> SVG string, on the server, without a browser or canvas: Vega's headless
 * view (`renderer: 'none'`) writes the SVG text itself. The same path gives the PNGs
 * (`svgToPng`, through sharp), so a plot looks the same in a report and in a file.
 *
 * Vega and Vega-Lite are ESM with top-level await and take ~0.2 s to load, so they are
 * imported on first use: commands that draw nothing do not pay for them.
 *
 * @example
 *   const svg = await renderSvg({ data: { values }, mark: 'line', encoding }, { id: 'lr' });
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import { THEME } from './theme.js';

interface Engines {
  vega: typeof import('vega');
  compile: typeof import('vega-lite').compile;
}

let engines: Promise<Engines> | null = null;

function load(): Promise<Engines> {
  engines ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => {
    // Without a canvas Vega guesses every character at 0.8 em, which cuts labels short and
    // pads axes; a per-character estimate close to common sans-serif fonts (as vl-convert
    // supplies its own measure) lays out like the browser draws.
    (vega as unknown as { textMetrics: { width: unknown } }).textMetrics.width = (
      item: TextItem,
      text?: unknown,
    ) => textWidth(item, text);
    return { vega, compile: vl.compile };
  });
  return engines;
}

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}

const NARROW = new Set("il.,:;'|!Ijft()[]{} ");
const WIDE = new Set('mwMW@%');

/** Estimated width in pixels of a text item's string (the longest line of an array). */
function textWidth(item: TextItem, text?: unknown): number {
  const value = text ?? item.text ?? '';
  const lines = Array.isArray(value) ? value.map(String) : [String(value)];
  const size = item.fontSize ?? 11;
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600 ? 1.08 : 1;
  let widest = 0;
  for (const line of lines) {
    let em = 0;
    for (const c of line) {
      if (NARROW.has(c)) em += 0.32;
      else if (WIDE.has(c)) em += 0.88;
      else if (c >= 'A' && c <= 'Z') em += 0.68;
      else em += 0.6;
    }
    widest = Math.max(widest, em * size * bold);
  }
  return Math.ceil(widest);
}

export interface RenderOptions {
  /**
   * Prefix of every element id in the SVG. Vega numbers its clip paths and gradients from 1
   * in every chart, so two charts inline in one page would point at each other's.
   */
  id: string;
  /** Paper colours for a standalone file: white background (text is already black there). */
  background?: string;
}

/**
 * Renders a Vega-Lite spec (its `config` merged over the shared theme) to SVG text.
 *
 * @example
 *   const svg = await renderSvg(forestSpec(lines, 0.5), { id: 'forest' });
 */
export async function renderSvg(spec: TopLevelSpec, options: RenderOptions): Promise<string> {
  const { vega, compile } = await load();
  const config = mergeConfig(THEME, (spec as { config?: Config }).config ?? {});
  if (options.background) config.background = options.background;
  const compiled = compile({ ...spec, config } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return tidySvg(await view.toSVG(), options.id);
  } finally {
    view.finalize();
  }
}

function mergeConfig(base: Config, extra: Config): Config {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] =
      b && v && typeof b === 'object' && typeof v === 'object' && !Array.isArray(v)
        ? { ...b, ...v }
        : v;
  }
  return out as Config;
}

/**
 * Prefixes ids and their references, and drops the empty placeholder paths Vega writes for
 * every group (a sixth of a large chart's bytes). Only tags are touched: Vega escapes `<` in
 * text and `"` in attribute values, so a label cannot look like a tag or an attribute.
 */
function tidySvg(svg: string, id: string): string {
  const prefix = id.replace(/[^A-Za-z0-9_-]/g, '_');
  return svg
    .replace(
      /<path class="(?:background|foreground)" aria-hidden="true" d="(?:|M0,0h0v0h0Z)"[^>]*\/>/g,
      '',
    )
    .replace(/<[^>]+>/g, (tag) =>
      tag
        .replace(/ id="([^"]+)"/g, ` id="${prefix}-$1"`)
        .replace(/="url\(#([^)"]+)\)"/g, `="url(#${prefix}-$1)"`)
        .replace(/ (xlink:)?href="#([^"]+)"/g, ` $1href="#${prefix}-$2"`),
    );
}

/**
 * An SVG (from `renderSvg`) as PNG bytes, through sharp's SVG renderer at twice the
 * resolution, on white.
 *
 * @example
 *   writeFileSync('plot.png', await svgToPng(await renderSvg(spec, { id: 'p', background: 'white' })));
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg), { density: 144 })
    .flatten({ background: '#ffffff' })
    .png()
    .toBuffer();
}
