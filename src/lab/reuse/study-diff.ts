/**
 * What changed between a stored study and its edited file, arm by arm: an arm is the same
 * when it trains the same settings (labels, order and ids aside), changed when an arm of the
 * same label now trains other settings, added or removed otherwise. Seeds, metric and delta
 * are compared too: raised seeds add trials, a new metric or delta only re-reads them.
 *
 * @example
 *   describeDiff(diffStudy(stored, storedArms, loaded.config, loaded.arms));
 *   // ['changed: dropout 0.5 (its settings)', 'added: dropout 0.3', 'seeds: maxSeeds 6 -> 8']
 */
import { canonicalJson } from '../config/trial-key.js';

export interface ArmLike {
  key: string;
  label: string;
  config: unknown;
}

interface SeedsAndMetric {
  seeds?: { minSeeds?: number; maxSeeds?: number };
  metric?: string;
  delta?: number;
}

export interface StudyDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** Same settings under another label or position: the old label first. */
  renamed: [string, string][];
  unchanged: string[];
  seeds: { from: [number, number]; to: [number, number] } | null;
  metric: { from: string; to: string } | null;
  delta: { from: number; to: number } | null;
}

/** What decides an arm's trials (its training settings), as one comparable string. */
export function settingsIdentity(config: unknown): string {
  const { data, model, training } = (config ?? {}) as Record<string, unknown>;
  return canonicalJson({ data, model, training });
}

export function diffStudy(
  stored: SeedsAndMetric,
  storedArms: readonly ArmLike[],
  next: SeedsAndMetric,
  nextArms: readonly ArmLike[],
): StudyDiff {
  const diff: StudyDiff = {
    added: [],
    removed: [],
    changed: [],
    renamed: [],
    unchanged: [],
    seeds: null,
    metric: null,
    delta: null,
  };
  // Only the arms a file makes: the stack and control arms follow from the rest.
  const own = (a: ArmLike) => a.key !== 'stack' && a.key !== 'control';
  const left = storedArms.filter(own);
  const take = (pred: (a: ArmLike) => boolean) => {
    const i = left.findIndex(pred);
    return i < 0 ? null : left.splice(i, 1)[0];
  };
  const unmatched: ArmLike[] = [];
  for (const arm of nextArms.filter(own)) {
    const same = take((a) => settingsIdentity(a.config) === settingsIdentity(arm.config));
    if (!same) unmatched.push(arm);
    else if (same.label === arm.label) diff.unchanged.push(arm.label);
    else diff.renamed.push([same.label, arm.label]);
  }
  for (const arm of unmatched) {
    if (take((a) => a.label === arm.label)) diff.changed.push(arm.label);
    else diff.added.push(arm.label);
  }
  diff.removed = left.map((a) => a.label);
  const seedsOf = (s: SeedsAndMetric): [number, number] => [
    s.seeds?.minSeeds ?? 3,
    s.seeds?.maxSeeds ?? 6,
  ];
  const [from, to] = [seedsOf(stored), seedsOf(next)];
  if (from[0] !== to[0] || from[1] !== to[1]) diff.seeds = { from, to };
  const metric = (s: SeedsAndMetric) => s.metric ?? 'test_balanced_accuracy';
  if (metric(stored) !== metric(next)) diff.metric = { from: metric(stored), to: metric(next) };
  const delta = (s: SeedsAndMetric) => s.delta ?? 0.5;
  if (delta(stored) !== delta(next)) diff.delta = { from: delta(stored), to: delta(next) };
  return diff;
}

/** One line per kind of change, for the study's log. */
export function describeDiff(diff: StudyDiff): string[] {
  const lines: string[] = [];
  const list = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
  if (diff.added.length) lines.push(`arms added: ${list(diff.added)}`);
  if (diff.removed.length) lines.push(`arms removed: ${list(diff.removed)}`);
  if (diff.changed.length) lines.push(`arms changed (retrain): ${list(diff.changed)}`);
  if (diff.renamed.length)
    lines.push(
      `arms relabelled or moved (kept): ${diff.renamed.map(([a, b]) => `"${a}" -> "${b}"`).join(', ')}`,
    );
  if (diff.seeds) {
    const { from, to } = diff.seeds;
    const word = to[1] > from[1] ? 'raised' : to[1] < from[1] ? 'lowered' : 'changed';
    lines.push(`seeds ${word}: ${from[0]}-${from[1]} -> ${to[0]}-${to[1]}`);
  }
  if (diff.metric)
    lines.push(`metric: ${diff.metric.from} -> ${diff.metric.to} (verdicts re-read)`);
  if (diff.delta) lines.push(`delta: ${diff.delta.from} -> ${diff.delta.to} (verdicts re-read)`);
  if (lines.length === 0) lines.push('no arm, seed, metric or delta changed (other settings only)');
  return lines;
}
