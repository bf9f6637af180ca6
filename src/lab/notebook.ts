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
 *   const entries = notebookEntries(store.allVerdicts(), store.notes());
 */
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
 * `augment randomHorizontalFlip`, `dropout before-classifier` not `dropout head`.
 */
export function measureKey(kind: string, measure: unknown): string {
  const value = (measure as Record<string, unknown> | null)?.[kind];
  if (value === undefined || value === null) return kind;
  const v = value as Record<string, unknown>;
  switch (kind) {
    case 'normalize':
    case 'resample':
      return `${kind} ${typeof value === 'string' ? value : String(v.method)}${v.axis === 'sample' ? ' per sample' : ''}`;
    case 'augment': {
      const pipeline = (Array.isArray(value) ? value : (v.pipeline as unknown[])) ?? [];
      return `augment ${pipeline.map((t) => Object.keys(t as object)[0]).join('+')}`;
    }
    case 'classWeights':
      return `classWeights ${typeof value === 'string' ? value : Array.isArray(value) ? 'manual' : 'effective'}`;
    case 'lrSchedule':
      return `lrSchedule ${String(v.name)}`;
    case 'dropout':
      return `dropout ${String(v.where)}`;
    case 'set':
      return `set ${Object.keys(v).sort().join(',')}`;
    default:
      return kind;
  }
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
