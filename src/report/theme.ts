/**
 * The Vega-Lite config every plot shares. Text and axes are drawn in `currentColor`, so an
 * inline SVG takes the page's text colour and reads in light and dark mode alike (and in
 * black when sharp renders it to PNG); grid lines are a translucent grey that works on both
 * backgrounds. Marks carry no ARIA labels unless a plot asks for them (the forest plot
 * labels its points), which keeps large reports small.
 *
 * @example
 *   compile({ ...spec, config: THEME });
 */
import type { Config } from 'vega-lite';
import { OKABE_ITO } from './palette.js';

const TEXT = 'currentColor';
const FONT = 'system-ui, sans-serif';

export const THEME: Config = {
  background: 'transparent',
  font: FONT,
  aria: false,
  padding: 4,
  axis: {
    labelColor: TEXT,
    titleColor: TEXT,
    domainColor: TEXT,
    tickColor: TEXT,
    gridColor: '#888888',
    gridOpacity: 0.3,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelFont: FONT,
    titleFont: FONT,
  },
  legend: {
    labelColor: TEXT,
    titleColor: TEXT,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    labelFont: FONT,
    titleFont: FONT,
    labelLimit: 480,
  },
  header: {
    labelColor: TEXT,
    titleColor: TEXT,
    labelFontSize: 12,
    labelFont: FONT,
    titleFont: FONT,
    labelLimit: 240,
  },
  title: { color: TEXT, subtitleColor: TEXT, font: FONT, fontSize: 13, anchor: 'start' },
  text: { color: TEXT, font: FONT },
  view: { stroke: '#888888', strokeOpacity: 0.4 },
  range: { category: [...OKABE_ITO] },
};
