/**
 * The cumulative notebook: every stored verdict grouped by measure (its kind: augment,
 * dropout, ...) across all studies, with the data each came from, and the notes written
 * about it. A measure's overall standing:
 *
 *   effective    every piece of evidence says effective
 *   harmful      some evidence says harmful and none says effective
 *   ineffective  every piece says ineffective ("basically ineffective" in the seed notes)
 *   unstable     anything else: it helped somewhere and not elsewhere, or nothing is settled
 *
 * @example
 *   const entries = notebookEntries(await store.allVerdicts(), await store.notes());
 */
import { ConfigError } from '../core/errors.js';
import { closest } from '../core/validation.js';
import { isMeasureKind, MEASURE_KINDS, MEASURES } from './config/measures.js';
import type { NotebookVerdict, NoteRow } from './store/store.js';

export const STANDINGS = ['effective', 'unstable', 'ineffective', 'harmful'] as const;
export type Standing = (typeof STANDINGS)[number];

export interface Evidence {
  study: string;
  arm: string;
  label: string;
  data: string;
  model: string;
  metric: string;
  verdict: string;
  effect: number;
  lo: number;
  hi: number;
  seeds: number;
}

export interface NotebookEntry {
  measure: string;
  standing: Standing;
  evidence: Evidence[];
  notes: { text: string; study: number | null; date: string }[];
}

/**
 * What the notebook calls a measure: its kind, refined where kinds hold different tricks —
 * `normalize equalize` is not `normalize standard`, `augment randomCrop+randomRotation` not
 * `augment randomHorizontalFlip`, `dropout before-classifier` not `dropout head`. The key of
 * each kind is the measure registry's (config/measures.ts). A stored value is read through
 * the kind's schema first, so shorthands (`normalize: standard`) get the same key.
 */
export function measureKey(kind: string, measure: unknown): string {
  const value = (measure as Record<string, unknown> | null)?.[kind];
  if (value === undefined || value === null || !isMeasureKind(kind)) return kind;
  const entry = MEASURES[kind];
  const parsed = entry.schema.safeParse(value);
  try {
    return entry.notebookKey((parsed.success ? parsed.data : value) as never);
  } catch {
    // A value stored by an older tunebook that no longer parses: file it under its kind.
    return kind;
  }
}

/**
 * Checks the measure a note is about: a measure the notebook already lists, or a bare kind
 * (its notes apply to every refinement of it). Anything else would invent a notebook entry
 * with no evidence (`dropout 0.5`), so it is refused unless `allowNew` (`note --new`);
 * even then it must start with a known kind.
 *
 * @example
 *   checkNoteMeasure('dropout head', ['dropout head'], false); // ok
 */
export function checkNoteMeasure(
  measure: string,
  listed: readonly string[],
  allowNew: boolean,
): void {
  const kind = measure.split(' ')[0];
  if (!isMeasureKind(kind)) {
    const guess = closest(kind, MEASURE_KINDS);
    throw new ConfigError(
      'measure',
      `a measure as the notebook names it, starting with one of ${MEASURE_KINDS.join(', ')}${guess ? ` (did you mean ${guess}?)` : ''}`,
      measure,
    );
  }
  if (allowNew || measure === kind || listed.includes(measure)) return;
  const guess = closest(measure, listed);
  const hint = guess ? `did you mean "${guess}"? ` : '';
  throw new ConfigError(
    'measure',
    `a measure in the notebook or a bare kind (${hint}--new starts a new entry)`,
    measure,
  );
}

export function standingOf(verdicts: string[]): Standing {
  if (verdicts.length > 0 && verdicts.every((v) => v === 'effective')) return 'effective';
  if (verdicts.includes('harmful') && !verdicts.includes('effective')) return 'harmful';
  if (verdicts.length > 0 && verdicts.every((v) => v === 'ineffective')) return 'ineffective';
  return 'unstable';
}

export function notebookEntries(verdicts: NotebookVerdict[], notes: NoteRow[]): NotebookEntry[] {
  const byMeasure = new Map<string, Evidence[]>();
  for (const v of verdicts) {
    // A study's negative control is a check on that study, not a measure.
    if (v.kind === 'control') continue;
    // Rows of old runs that stored an arm without data as NaN: no evidence either way.
    if (!Number.isFinite(v.effect)) continue;
    const config = (v.studyConfig ?? {}) as {
      data?: { source?: string; imbalance?: { ratio: number } };
      model?: { name?: string };
      metric?: string;
    };
    const data = `${config.data?.source ?? '?'}${config.data?.imbalance ? `, imbalance ${config.data.imbalance.ratio}:1` : ''}`;
    const key = measureKey(v.kind, v.measure);
    const list = byMeasure.get(key) ?? [];
    list.push({
      study: v.studyName,
      arm: v.armKey,
      label: v.armLabel,
      data,
      model: config.model?.name ?? '?',
      metric: config.metric ?? 'test_balanced_accuracy',
      verdict: v.verdict,
      effect: v.effect,
      lo: v.lo,
      hi: v.hi,
      seeds: v.n,
    });
    byMeasure.set(key, list);
  }
  for (const n of notes) if (!byMeasure.has(n.measure)) byMeasure.set(n.measure, []);
  return [...byMeasure.entries()]
    .map(([measure, evidence]) => ({
      measure,
      standing: standingOf(evidence.map((e) => e.verdict)),
      evidence,
      notes: notes
        .filter(
          (n) =>
            n.measure === measure ||
            (n.measure === measure.split(' ')[0] && !measure.includes(' ')),
        )
        .map((n) => ({ text: n.text, study: n.studyId, date: n.createdAt })),
    }))
    .sort((a, b) => a.measure.localeCompare(b.measure));
}
