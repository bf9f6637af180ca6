/**
 * A study's sweeps (a measure given a list of values, one arm per value) read back from the
 * stored settings and verdicts: each value's effect and verdict, which values are effective,
 * and the confirmation arm's verdict when `confirm: true` ran it. Picking the best of k noisy
 * effects overstates it (the maximum of k estimates is biased upward), so the notes say so
 * and the confirmation arm's verdict, at fresh seeds, is the one the sweep is called by.
 *
 * @example
 *   sweepNotes(study.config, lines); // ['sweep dropout (3 values): effective at rate 0.3; ...']
 */
import { interval, signedPoints } from './format.js';
import type { VerdictLine } from './verdict-rows.js';

export interface SweepRow {
  line: VerdictLine;
  /** The swept value itself (a number on the dose-response plot when it is one). */
  value: unknown;
}

export interface SweepGroup {
  /** 1-based position of the measure in the study. */
  measure: number;
  name: string;
  rows: SweepRow[];
  confirm: VerdictLine | null;
  /** The study asked for a confirmation (`confirm: true`). */
  confirmAsked: boolean;
}

interface StoredSweep {
  label?: string;
  sweep?: { at: string[]; values: unknown[]; confirm?: boolean };
}

export function sweepGroups(
  settings: { measures?: unknown[] } | null | undefined,
  lines: readonly VerdictLine[],
): SweepGroup[] {
  const groups: SweepGroup[] = [];
  (settings?.measures ?? []).forEach((raw, i) => {
    const m = raw as StoredSweep & Record<string, unknown>;
    if (!m.sweep) return;
    const kind = Object.keys(m).find((k) => k !== 'label' && k !== 'sweep') ?? '?';
    const prefix = `m${i + 1}-${kind}-v`;
    const rows = lines
      .filter((l) => l.arm.startsWith(prefix))
      .map((line) => {
        const j = Number(line.arm.slice(prefix.length)) - 1;
        let value = m.sweep!.values[j];
        for (const k of m.sweep!.at) value = (value as Record<string, unknown>)?.[k];
        return { line, value };
      });
    if (rows.length === 0) return;
    const at = m.sweep.at.length ? ` ${m.sweep.at.join('.')}` : '';
    groups.push({
      measure: i + 1,
      name: `${m.label ?? kind}${at}`,
      rows,
      confirm: lines.find((l) => l.arm === `confirm-m${i + 1}`) ?? null,
      confirmAsked: m.sweep.confirm === true,
    });
  });
  return groups;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The lines printed under the verdict table, one or two per sweep. */
export function sweepNotes(
  settings: { measures?: unknown[] } | null | undefined,
  lines: readonly VerdictLine[],
): string[] {
  const out: string[] = [];
  for (const g of sweepGroups(settings, lines)) {
    const effective = g.rows
      .filter((r) => r.line.verdict === 'effective')
      .map((r) => show(r.value));
    const scored = g.rows.filter((r) => Number.isFinite(r.line.effect));
    const best = scored.reduce<SweepRow | null>(
      (b, r) => (b === null || r.line.effect > b.line.effect ? r : b),
      null,
    );
    let line =
      `sweep ${g.name} (${g.rows.length} values): ` +
      (effective.length ? `effective at ${effective.join(', ')}` : 'no value effective');
    if (best)
      line +=
        `; best ${show(best.value)} (${signedPoints(best.line.effect)}), but the best of ` +
        `${g.rows.length} estimates is biased upward`;
    out.push(line);
    if (g.confirm)
      out.push(
        `  confirmed at fresh seeds: ${g.confirm.label}: ${signedPoints(g.confirm.effect)} ` +
          `${interval(g.confirm.lo, g.confirm.hi)} over ${g.confirm.seeds} seeds, ${g.confirm.verdict} (the sweep's verdict)`,
      );
    else if (!g.confirmAsked)
      out.push(
        '  add confirm: true to the measure to rerun the best value at fresh seeds before calling it',
      );
  }
  return out;
}
