/** Reports over the store: terminal tables, verdict rows, the notebook in Markdown. */
export { type LinePlot, linePlotSvg, writePlotPng } from './line-plot.js';
export { notebookMarkdown } from './notebook-markdown.js';
export { renderTable } from './table.js';
export { type VerdictLine, verdictLines } from './verdict-rows.js';
export { verdictTable } from './verdict-table.js';
