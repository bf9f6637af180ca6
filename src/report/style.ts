/**
 * The one stylesheet of every tunebook page (report, notebook, dashboard), inlined so a
 * report file needs nothing else. Light and dark follow the reader's system setting; print
 * is always black on white, without the dashboard's navigation. Plots are inline SVG whose
 * text uses `currentColor`, so they follow the same colours.
 *
 * @example
 *   html`<style>${raw(STYLE)}</style>`;
 */
import { VERDICT_COLOURS } from './palette.js';

const verdictRules = Object.entries(VERDICT_COLOURS)
  .map(([v, c]) => `.verdict-${v}{--c:${c}}`)
  .join('');

export const STYLE = `
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1d1f21;--muted:#5c6166;--line:#d5d8dc;--panel:#f4f5f7;--link:#005a9e;--warn:#E69F00}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e4e6e8;--muted:#a3a9b0;--line:#3a3f45;--panel:#1f2226;--link:#56B4E9}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1.2rem 1.5rem 3rem}
a{color:var(--link)}
h1{font-size:1.6rem;margin:.2rem 0 .2rem}
h2{font-size:1.2rem;margin:2.2rem 0 .6rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:1.4rem 0 .4rem}
p{margin:.4rem 0}
.muted,figcaption,.note{color:var(--muted)}
figcaption,.note{font-size:.88rem}
.warning{color:#b00020;font-weight:700}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:var(--panel);padding:.7rem .9rem;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
nav{display:flex;gap:1.2rem;align-items:baseline;border-bottom:1px solid var(--line);padding-bottom:.5rem;margin-bottom:1rem}
nav .brand{font-weight:700;text-decoration:none;color:var(--fg)}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.4rem 0;max-width:100%}
.scroll{overflow-x:auto}
th,td{padding:.28rem .65rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;font-size:.86rem;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
figure{margin:.8rem 0 1.4rem;overflow-x:auto}
figure svg{max-width:100%;height:auto;display:block;overflow:visible}
img.preview{image-rendering:pixelated;max-width:100%;height:auto;border-radius:4px}
.verdict{display:inline-block;font-weight:600;font-size:.85rem;padding:0 .55rem;border-radius:999px;border:1.5px solid var(--c);background:color-mix(in srgb,var(--c) 22%,transparent);white-space:nowrap}
.verdict::before{content:attr(data-glyph);margin-right:.3rem;color:var(--c)}
${verdictRules}
.state{display:inline-block;font-size:.8rem;font-weight:600;padding:0 .5rem;border-radius:4px;border:1px solid var(--line);vertical-align:middle}
.state-running{border-color:var(--warn)}
.banner{border-left:5px solid var(--warn);background:var(--panel);padding:.6rem .9rem;margin:1rem 0;border-radius:0 6px 6px 0}
.bar{display:inline-block;width:140px;height:.6rem;background:var(--panel);border:1px solid var(--line);border-radius:3px;vertical-align:middle;overflow:hidden}
.bar>span{display:block;height:100%;background:#0072B2}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:0 2rem}
footer{margin-top:3rem;font-size:.82rem;color:var(--muted);border-top:1px solid var(--line);padding-top:.6rem}
@media print{
:root{color-scheme:light;--bg:#fff;--fg:#000;--muted:#333;--line:#bbb;--panel:#f3f3f3;--link:#000}
body{max-width:none;padding:0;font-size:10.5pt}
nav,.live-only{display:none}
h2{break-after:avoid}
figure,table,pre,.banner{break-inside:avoid}
a{text-decoration:none}
}
`;
