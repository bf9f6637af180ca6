/**
 * Reports over the store: terminal tables, verdict rows, the notebook in Markdown and HTML,
 * the self-contained HTML study report, the local dashboard server, and the Vega-Lite to
 * SVG/PNG path every plot takes. Reads the store only.
 */
export { classNamesOf, studyClassNames } from './class-names.js';
export {
  type Dashboard,
  type DashboardOptions,
  ListenError,
  startDashboard,
} from './dashboard/server.js';
export { UnknownStudyError } from './errors.js';
export { intervalsNote, type SeedSettings } from './intervals-note.js';
export { type LinePlot, linePlotSvg, writePlotPng } from './line-plot.js';
export { type NotebookHtmlOptions, notebookHtml } from './notebook-html.js';
export { notebookMarkdown } from './notebook-markdown.js';
export { OKABE_ITO, VERDICT_COLOURS } from './palette.js';
export { augmentationArms, type Preview, type PreviewMaker } from './sections/previews.js';
export { type ReportOptions, renderStudyReport } from './study-report.js';
export { readStudy, type StudyView } from './study-view.js';
export { renderTable } from './table.js';
export { renderSvg, svgToPng } from './vega-render.js';
export { type DiffRow, verdictDiff, verdictDiffTable } from './verdict-diff.js';
export { type StoredSettings, verdictNotes } from './verdict-notes.js';
export {
  controlWarning,
  splitControl,
  type VerdictLine,
  verdictLines,
} from './verdict-rows.js';
export { verdictTable } from './verdict-table.js';
