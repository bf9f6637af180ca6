/**
 * The verdict table printed at the end of a study and by `tunebook verdicts`.
 *
 * @example
 *   console.log(verdictTable(await verdictLines(store, study)));
 */
import { renderTable } from './table.js';
import { controlWarning, splitControl, type VerdictLine } from './verdict-rows.js';

const points = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : 'n/a');

export function verdictTable(all: VerdictLine[]): string {
  const { measures: lines, control } = splitControl(all);
  const rows = lines.map((l) => [
    l.label,
    points(l.effect),
    `[${points(l.lo)}, ${points(l.hi)}]`,
    String(l.seeds),
    l.verdict,
    l.timeRatio === null ? 'n/a' : `${l.timeRatio.toFixed(2)}x`,
    l.parameters === null ? 'n/a' : l.parameters.toLocaleString('en-US'),
    l.epochsToBaseline === null ? 'never' : l.epochsToBaseline.toFixed(1),
  ]);
  const metric = lines[0]?.metric ?? 'metric';
  return renderTable(
    [
      'measure',
      'effect (pts)',
      '95% CI',
      'seeds',
      'verdict',
      'time',
      'params',
      'epochs to baseline',
    ],
    rows,
    ['left', 'right', 'right', 'right', 'left', 'right', 'right', 'right'],
  )
    .concat(
      `\n(effect: ${metric} of the arm minus the baseline's at the same seed, percentage points)`,
    )
    .concat(control ? `\n${controlLine(control)}` : '')
    .concat(controlWarning(control) ? `\n${controlWarning(control)}` : '');
}

/** The control's row, under the table: the study's noise floor, not a measure. */
function controlLine(c: VerdictLine): string {
  return (
    `${c.label}: ${points(c.effect)} [${points(c.lo)}, ${points(c.hi)}] over ${c.seeds} seeds, ` +
    `${c.verdict} (the noise floor: no effect by construction)`
  );
}
