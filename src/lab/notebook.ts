/**
 * The cumulative notebook: every stored verdict grouped by measure (its kind: augment,
 * dropout, ...) across all studies, with the data each came from, and the notes written
 * about it. A measure's overall standing reads only *independent* evidence: studies that
 * share trials (one reused the other's, lab/notebook-links.ts) form one group, and each group
 * counts once, by its piece of evidence with the most seeds (docs/design.md, "Honest
 * verdicts (continued)"). Over the counted pieces:
 *
 *   effective    every one says effective
 *   harmful      every one says harmful
 *   ineffective  every one says ineffective ("basically ineffective" in the seed notes)
 *   unstable     anything else: mixed (decisive verdicts that disagree: the effect depends on
 *                the data or model) or unsettled (some study could not pin it down)
 *
 * Why all-agree and not a pooled interval: each study's verdict already holds its rule's
 * error (5% for a measure with no effect); a false decisive standing needs *every* counted
 * study to be wrong the same way, so it is at most as likely as the first study's false
 * verdict, whatever the number of studies, their dependence, or how often the notebook is
 * read. Adding a study can withdraw a decisive standing, never create one by chance.
 *
 * @example
 *   const entries = notebookEntries(await store.allVerdicts(), await store.notes(), await sharedTrials(store));
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
  /** Whether this piece counts for the standing (false: its group has a larger piece). */
  counted: boolean;
  /** Other studies this one shares trials with (reused either way), so not independent. */
  sharesWith: string[];
}

export interface NotebookEntry {
  measure: string;
  standing: Standing;
  /** Why, in words: how many independent studies agree, or what disagrees. */
  reason: string;
  /** Independent studies counted for the standing. */
  independent: number;
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
  return standingWithReason(verdicts).standing;
}

/** The standing of independent pieces of evidence, and why. */
export function standingWithReason(verdicts: string[]): { standing: Standing; reason: string } {
  const k = verdicts.length;
  const counts = new Map<string, number>();
  for (const v of verdicts) counts.set(v, (counts.get(v) ?? 0) + 1);
  const list = [...counts.entries()].map(([v, n]) => `${n} ${v}`).join(', ');
  if (k === 0) return { standing: 'unstable', reason: 'no evidence yet' };
  for (const standing of ['effective', 'harmful', 'ineffective'] as const) {
    if (counts.get(standing) === k)
      return {
        standing,
        reason:
          k === 1 ? `${standing} in its one study` : `${standing} in all ${k} independent studies`,
      };
  }
  const decisive = ['effective', 'harmful', 'ineffective'].filter((v) => counts.has(v));
  if (decisive.length > 1)
    return {
      standing: 'unstable',
      reason: `mixed: ${list} across ${k} independent studies (the effect depends on the data or model)`,
    };
  return { standing: 'unstable', reason: `unsettled: ${list} across ${k} independent studies` };
}

/** Pairs of studies that share trials (one reused the other's); see notebook-links.ts. */
export type SharedTrials = readonly (readonly [string, string])[];

export function notebookEntries(
  verdicts: NotebookVerdict[],
  notes: NoteRow[],
  shared: SharedTrials = [],
): NotebookEntry[] {
  const groups = studyGroups(shared);
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
      counted: false,
      sharesWith: groups.peers(v.studyName),
    });
    byMeasure.set(key, list);
  }
  for (const n of notes) if (!byMeasure.has(n.measure)) byMeasure.set(n.measure, []);
  return [...byMeasure.entries()]
    .map(([measure, evidence]) => {
      const counted = countOncePerGroup(evidence, groups.of);
      const { standing, reason } = standingWithReason(counted.map((e) => e.verdict));
      return {
        measure,
        standing,
        reason,
        independent: counted.length,
        evidence,
        notes: notes
          .filter(
            (n) =>
              n.measure === measure ||
              (n.measure === measure.split(' ')[0] && !measure.includes(' ')),
          )
          .map((n) => ({ text: n.text, study: n.studyId, date: n.createdAt })),
      };
    })
    .sort((a, b) => a.measure.localeCompare(b.measure));
}

/**
 * One piece per group of studies sharing trials (and per study: two arms of one study share
 * its baseline): the one with the most seeds, the latest on a tie. Marks it `counted`.
 */
function countOncePerGroup(evidence: Evidence[], groupOf: (study: string) => string): Evidence[] {
  const best = new Map<string, Evidence>();
  for (const e of evidence) {
    const g = groupOf(e.study);
    const held = best.get(g);
    if (!held || e.seeds >= held.seeds) best.set(g, e);
  }
  for (const e of best.values()) e.counted = true;
  return [...best.values()];
}

/** Connected groups of studies under "shares trials with" (union-find over names). */
function studyGroups(shared: SharedTrials) {
  const parent = new Map<string, string>();
  const find = (a: string): string => {
    let root = a;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(a, root);
    return root;
  };
  for (const [a, b] of shared) {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const direct = new Map<string, Set<string>>();
  for (const [a, b] of shared) {
    if (a === b) continue;
    direct.set(a, (direct.get(a) ?? new Set()).add(b));
    direct.set(b, (direct.get(b) ?? new Set()).add(a));
  }
  return {
    of: find,
    /** Every other study in the same group. */
    peers: (study: string) =>
      [...parent.keys(), ...direct.keys()]
        .filter((s, i, all) => s !== study && all.indexOf(s) === i && find(s) === find(study))
        .sort(),
  };
}
