/**
 * From a study to its arms: the baseline, and for each measure the base settings with that
 * one measure switched on, all else equal. Each arm's settings are checked again with the
 * study schema, so a measure that makes an invalid study (a `set:` of an unknown path, a
 * rate out of range) is refused before anything runs. Most measures replace one setting
 * (`SETTING_OF`); an `optimizer` patch is merged into the base optimizer, and `set:` writes
 * the paths it names.
 *
 * @example
 *   planArms(config).map((a) => a.id); // ['baseline', 'm1-augment', 'm2-dropout']
 */
import { ConfigError, TunebookError } from '../../core/errors.js';
import { describeIssues } from '../../core/validation.js';
import {
  brief,
  isMeasureKind,
  MEASURE_KINDS,
  MEASURES,
  type MeasureConfig,
  type MeasureKind,
  type MeasureValue,
} from './measures.js';
import { Study, type StudyConfig } from './schema.js';
import { sweepValueLabel, sweptValue } from './sweep.js';

export interface Arm {
  /** Stable id: `baseline`, `m<index>-<kind>`, `stack` or `control`. */
  id: string;
  label: string;
  kind: MeasureKind | 'baseline' | 'stack' | 'control';
  /** Position in the study's measures (1-based), 0 for the baseline. */
  index: number;
  measure: MeasureConfig | null;
  /** The full settings this arm trains with. */
  config: StudyConfig;
  /** For an arm of a sweep: which measure (1-based), its swept value, and whether to confirm. */
  sweep?: { measure: number; value: unknown; confirm: boolean };
}

export function measureKind(measure: MeasureConfig): MeasureKind {
  const kind = Object.keys(measure).find((k) => k !== 'label' && k !== 'sweep');
  return kind as MeasureKind;
}

export function planArms(config: StudyConfig): Arm[] {
  const arms: Arm[] = [
    { id: 'baseline', label: 'baseline', kind: 'baseline', index: 0, measure: null, config },
  ];
  config.measures.forEach((measure, i) => {
    const kind = measureKind(measure);
    if (measure.sweep) {
      arms.push(...sweepArms(config, measure, i));
      return;
    }
    const armConfig = applyMeasure(config, measure, `measures[${i}]`);
    arms.push({
      id: `m${i + 1}-${kind}`,
      label: measure.label ?? describeMeasure(measure),
      kind,
      index: i + 1,
      measure,
      config: armConfig,
    });
  });
  return arms;
}

/**
 * One arm per value of a sweep, labelled by the value (`dropout rate 0.3`), with ids
 * `m<i>-<kind>-v<j>`; each arm's measure is the plain measure of its value.
 */
function sweepArms(config: StudyConfig, measure: MeasureConfig, i: number): Arm[] {
  const kind = measureKind(measure);
  const sweep = measure.sweep!;
  const name = measure.label ?? kind;
  return sweep.values.map((value, j) => {
    const label = `${name} ${sweepValueLabel(sweep, value, brief)}`;
    const single = { [kind]: value, label } as MeasureConfig;
    const field = `measures[${i}].${[kind, ...sweep.at].join('.')}[${j}]`;
    return {
      id: `m${i + 1}-${kind}-v${j + 1}`,
      label,
      kind,
      index: i + 1,
      measure: single,
      config: applyMeasure(config, single, field),
      sweep: { measure: i + 1, value: sweptValue(sweep, value), confirm: sweep.confirm === true },
    };
  });
}

/** The stack arm: every given measure switched on together, in study order. */
export function stackArm(config: StudyConfig, measures: MeasureConfig[]): Arm {
  let stacked = config;
  measures.forEach((m, i) => {
    stacked = applyMeasure(stacked, m, `stack[${i}]`);
  });
  return {
    id: 'stack',
    label: `stack (${measures.map(describeMeasure).join(' + ')})`,
    kind: 'stack',
    index: config.measures.length + 1,
    measure: null,
    config: stacked,
  };
}

/**
 * Training seeds of the control arm: its trial at seed s trains with seed
 * CONTROL_SEED_OFFSET + s, which no other arm uses (seeds stop at maxSeeds <= 100).
 */
export const CONTROL_SEED_OFFSET = 1000;

/**
 * The negative control: the baseline's own settings at seeds no other arm uses, paired with
 * the baseline at the same seed number like any measure. It has no effect by construction,
 * so its interval is the study's noise floor, and a decisive verdict on it means the setup
 * or the seed count cannot be trusted.
 */
export function controlArm(config: StudyConfig): Arm {
  return {
    id: 'control',
    label: `control (baseline at seeds ${CONTROL_SEED_OFFSET}+)`,
    kind: 'control',
    index: config.measures.length + 2,
    measure: null,
    config,
  };
}

/** Training seeds of a sweep's confirmation arm: CONFIRM_SEED_OFFSET + s, fresh for every arm. */
export const CONFIRM_SEED_OFFSET = 2000;

/**
 * A sweep's confirmation arm (`confirm: true`): the best value's settings again at seeds no
 * arm used, paired with the baseline at the same seed number. Picking the largest of several
 * noisy effects overstates it; the arm's own noise at fresh seeds is independent of the pick
 * (the baseline's is shared by every value, so it does not bias which one wins), so this arm's
 * verdict is the sweep's.
 */
export function confirmArm(best: Arm, config: StudyConfig): Arm {
  return {
    id: `confirm-m${best.sweep!.measure}`,
    label: `confirm ${best.label} (fresh seeds ${CONFIRM_SEED_OFFSET}+)`,
    kind: best.kind,
    index: config.measures.length + 3,
    measure: best.measure,
    config: best.config,
    sweep: { ...best.sweep!, confirm: false },
  };
}

/**
 * The best arm of each confirmed sweep whose arms are all decided and whose confirmation arm
 * is not yet in `present`: best by the effect over the seeds its verdict read.
 */
export function confirmDue(
  arms: readonly Arm[],
  statuses: readonly {
    key: string;
    verdict: string;
    effect: { mean: number; n: number };
    waitingFor: number | null;
  }[],
  present: ReadonlySet<string>,
): Arm[] {
  const due: Arm[] = [];
  const sweeps = new Set(arms.filter((a) => a.sweep?.confirm).map((a) => a.sweep!.measure));
  for (const measure of sweeps) {
    if (present.has(`confirm-m${measure}`)) continue;
    const members = arms.filter((a) => a.sweep?.measure === measure);
    const of = (a: Arm) => statuses.find((s) => s.key === a.id);
    // Settled: decided, or out of seeds (it will be unstable).
    const open = (a: Arm) =>
      !of(a) || (of(a)!.verdict === 'undecided' && of(a)!.waitingFor !== null);
    if (members.some(open)) continue;
    const scored = members.filter((a) => of(a)!.effect.n > 0);
    if (scored.length === 0) continue;
    due.push(scored.reduce((b, a) => (of(a)!.effect.mean > of(b)!.effect.mean ? a : b)));
  }
  return due;
}

export function describeMeasure(measure: MeasureConfig): string {
  const kind = measureKind(measure);
  return MEASURES[kind].describe(measureValue(measure, kind) as never);
}

type Section = 'data' | 'model' | 'training';
/** The setting paths (`section.key`) whose type takes a value of measure kind `M`. */
type PathFor<M extends MeasureKind> = {
  [S in Section]: {
    [K in keyof StudyConfig[S] & string]-?: [MeasureValue<M>] extends [StudyConfig[S][K]]
      ? `${S}.${K}`
      : never;
  }[keyof StudyConfig[S] & string];
}[Section];

/**
 * Compile-time check of the registry: every measure that replaces one setting names a
 * setting whose type takes the measure's value (a typo or a mismatch does not compile).
 */
type ReplacingKinds = {
  [M in MeasureKind]: (typeof MEASURES)[M]['setting'] extends { merge: unknown } | { paths: true }
    ? never
    : (typeof MEASURES)[M]['setting'] extends { path: string }
      ? M
      : never;
}[MeasureKind];
type Misfits = {
  [M in ReplacingKinds]: (typeof MEASURES)[M]['setting'] extends { path: PathFor<M> } ? never : M;
}[ReplacingKinds];
/** Fails to compile, naming the kind, when a registry entry's setting cannot take its value. */
export const REGISTRY_FITS: [Misfits] extends [never] ? true : Misfits = true;

function measureValue<M extends MeasureKind>(measure: MeasureConfig, kind: M): MeasureValue<M> {
  return (measure as Record<string, unknown>)[kind] as MeasureValue<M>;
}

export function applyMeasure(
  config: StudyConfig,
  measure: MeasureConfig,
  field: string,
): StudyConfig {
  const kind = measureKind(measure);
  if (!isMeasureKind(kind)) {
    throw new ConfigError(field, `a measure (${MEASURE_KINDS.join(', ')})`, measure);
  }
  const next = structuredClone(config);
  const setting = MEASURES[kind].setting;
  const value = measureValue(measure, kind);
  if ('paths' in setting) {
    for (const [path, v] of Object.entries(value as Record<string, unknown>)) {
      setPath(next, path, v, `${field}.set[${JSON.stringify(path)}]`);
    }
  } else if ('merge' in setting && setting.merge) {
    // A patch: the settings it leaves out keep the base's.
    const base = (getPath(next, setting.path) ?? {}) as Record<string, unknown>;
    const merged = setting.merge(base, value as Record<string, unknown>);
    setPath(next, setting.path, merged, `${field}.${kind}`);
  } else {
    setPath(next, setting.path, value, `${field}.${kind}`);
  }
  const { measures: _measures, ...rest } = next;
  const checked = Study.safeParse({ ...rest, measures: config.measures });
  if (!checked.success) {
    const problem = describeIssues(checked.error.issues, { ...rest, measures: config.measures });
    throw new TunebookError('E_CONFIG', `${field}.${kind}: makes the arm invalid: ${problem}`);
  }
  return checked.data;
}

const SETTABLE = ['data', 'model', 'training'] as const;

function getPath(target: Record<string, unknown>, path: string): unknown {
  let node: unknown = target;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

function setPath(
  target: Record<string, unknown>,
  path: string,
  value: unknown,
  field: string,
): void {
  const parts = path.split('.');
  if (
    parts.length < 2 ||
    !(SETTABLE as readonly string[]).includes(parts[0]) ||
    parts.some((p) => p === '')
  ) {
    throw new ConfigError(
      field,
      `a setting path under ${SETTABLE.join(', ')} (e.g. training.batchSize)`,
      path,
    );
  }
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (child === undefined) node[part] = {};
    else if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      throw new ConfigError(field, `a path through mappings; ${part} is not one`, path);
    }
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}
