/**
 * Two studies' verdicts side by side, measure by measure: a measure is matched by what it
 * switches on (its kind and value, canonical JSON), not by its label or position, so a
 * relabelled or reordered measure still meets itself. Measures only one study has are listed
 * with a blank on the other side; the stack and control arms are left out (they are not
 * measures).
 *
 * @example
 *   verdictDiff(armsA, linesA, armsB, linesB); // [{ label, a: { effect, ... } | null, b }]
 */
import type { ArmRow } from '../lab/store/store.js';
import { interval, signedPoints } from './format.js';
import type { VerdictLine } from './verdict-rows.js';

export interface DiffSide {
  effect: number;
  lo: number;
  hi: number;
  seeds: number;
  verdict: string;
}

export interface DiffRow {
  measure: string;
  label: string;
  a: DiffSide | null;
  b: DiffSide | null;
}

/** A measure's identity: its kind and value, without its label. */
export function measureIdentity(measure: unknown): string | null {
  if (!measure || typeof measure !== 'object') return null;
  const { label: _label, sweep: _sweep, ...rest } = measure as Record<string, unknown>;
  return sorted(rest);
}

function sorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sorted).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${sorted((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export function verdictDiff(
  armsA: readonly ArmRow[],
  linesA: readonly VerdictLine[],
  armsB: readonly ArmRow[],
  linesB: readonly VerdictLine[],
): DiffRow[] {
  const sides = (arms: readonly ArmRow[], lines: readonly VerdictLine[]) => {
    const out = new Map<string, { label: string; side: DiffSide }>();
    for (const line of lines) {
      const arm = arms.find((a) => a.key === line.arm);
      if (!arm || line.arm === 'stack' || line.arm === 'control') continue;
      const id = measureIdentity(arm.measure);
      if (id === null || out.has(id)) continue;
      const { effect, lo, hi, seeds, verdict } = line;
      out.set(id, { label: line.label, side: { effect, lo, hi, seeds, verdict } });
    }
    return out;
  };
  const a = sides(armsA, linesA);
  const b = sides(armsB, linesB);
  const rows: DiffRow[] = [];
  for (const [id, x] of a)
    rows.push({ measure: id, label: x.label, a: x.side, b: b.get(id)?.side ?? null });
  for (const [id, y] of b)
    if (!a.has(id)) rows.push({ measure: id, label: y.label, a: null, b: y.side });
  return rows;
}

/** The terminal table: one row per measure, each study's effect, interval, seeds and verdict. */
export function verdictDiffTable(rows: readonly DiffRow[], nameA: string, nameB: string): string {
  const cell = (s: DiffSide | null) =>
    s ? `${signedPoints(s.effect)} ${interval(s.lo, s.hi)} ${s.seeds} seeds ${s.verdict}` : '—';
  const header = ['measure', nameA, nameB];
  const body = rows.map((r) => [r.label, cell(r.a), cell(r.b)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
