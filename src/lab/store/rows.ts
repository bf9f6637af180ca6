/**
 * Rows as SQLite holds them (snake_case, JSON as TEXT, NaN as NULL) and their mapping to the
 * store's row types.
 *
 * @example
 *   toTrial(db.prepare('SELECT * FROM trials WHERE id = ?').get(id) as TrialRecord);
 */
import { decodeJson, encodeJson } from './json.js';
import type {
  ArmRow,
  Checkpoint,
  EpochRow,
  NoteRow,
  StudyRow,
  StudyState,
  TrialRow,
  VerdictRow,
} from './store.js';

export interface StudyRecord {
  id: number;
  name: string;
  hash: string;
  file: string;
  config: string;
  state: StudyState;
  environment: string;
  created_at: string;
  updated_at: string;
}

export interface ArmRecord {
  id: number;
  study_id: number;
  key: string;
  label: string;
  kind: string;
  position: number;
  measure: string | null;
  config: string;
}

export interface TrialRecord {
  id: number;
  arm_id: number;
  seed: number;
  state: TrialRow['state'];
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  seconds: number | null;
  metrics: string | null;
  result: string | null;
  error: string | null;
  host: string | null;
  worker: string | null;
  lease_until: string | null;
  priority: number;
  key: string | null;
  reused_from: number | null;
}

export interface CheckpointRecord {
  trial_id: number;
  attempt: number;
  epoch: number;
  data: Buffer;
}

export interface EpochRecord {
  trial_id: number;
  epoch: number;
  lr: number | null;
  train_loss: number | null;
  val_loss: number | null;
  val_accuracy: number | null;
  val_balanced_accuracy: number | null;
  val_macro_f1: number | null;
  seconds: number | null;
  nan: string | null;
  extra: string | null;
}

export interface VerdictRecord {
  study_id: number;
  arm_id: number;
  verdict: VerdictRow['verdict'];
  effect: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
  details: string;
  computed_at: string;
}

export interface NoteRecord {
  id: number;
  measure: string;
  text: string;
  study_id: number | null;
  created_at: string;
}

// Field -> column for the epoch numbers; `required` ones are never absent, so NULL means NaN.
const EPOCH_COLUMNS = [
  ['lr', 'lr', true],
  ['trainLoss', 'train_loss', true],
  ['valLoss', 'val_loss', false],
  ['valAccuracy', 'val_accuracy', false],
  ['valBalancedAccuracy', 'val_balanced_accuracy', false],
  ['valMacroF1', 'val_macro_f1', false],
  ['seconds', 'seconds', true],
] as const;

export const now = () => new Date().toISOString();

/** SQLite stores NaN as NULL; for a required number, NULL can only have been NaN. */
const orNaN = (v: number | null) => (v === null ? Number.NaN : v);

export function toStudy(r: StudyRecord): StudyRow {
  return {
    id: r.id,
    name: r.name,
    hash: r.hash,
    file: r.file,
    config: decodeJson(r.config, `studies.config of study ${r.name}`),
    state: r.state,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    environment: decodeJson(r.environment, `studies.environment of study ${r.name}`),
  };
}

export function toArm(r: ArmRecord): ArmRow {
  return {
    id: r.id,
    studyId: r.study_id,
    key: r.key,
    label: r.label,
    kind: r.kind,
    position: r.position,
    measure: decodeJson(r.measure, `arms.measure of arm ${r.key}`),
    config: decodeJson(r.config, `arms.config of arm ${r.key}`),
  };
}

export function toTrial(r: TrialRecord): TrialRow {
  return {
    id: r.id,
    armId: r.arm_id,
    seed: r.seed,
    state: r.state,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    seconds: r.seconds,
    metrics: decodeJson(r.metrics, `trials.metrics of trial ${r.id}`) as Record<
      string,
      number
    > | null,
    result: decodeJson(r.result, `trials.result of trial ${r.id}`),
    error: r.error,
    attempts: r.attempts,
    host: r.host,
    worker: r.worker,
    leaseUntil: r.lease_until,
    priority: r.priority,
    key: r.key,
    reusedFrom: r.reused_from,
  };
}

export function toCheckpoint(r: CheckpointRecord): Checkpoint {
  return {
    trialId: r.trial_id,
    attempt: r.attempt,
    epoch: r.epoch,
    data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
  };
}

export function toEpoch(r: EpochRecord): EpochRow {
  const nan = new Set(r.nan?.split(',') ?? []);
  const row: Record<string, unknown> = { epoch: r.epoch };
  for (const [field, column, required] of EPOCH_COLUMNS) {
    const v = r[column];
    if (v !== null) row[field] = v;
    else if (required || nan.has(field)) row[field] = Number.NaN;
  }
  if (r.extra !== null) row.extra = decodeJson(r.extra, `epochs.extra of trial ${r.trial_id}`);
  return row as unknown as EpochRow;
}

export function epochParams(trialId: number, e: EpochRow): unknown[] {
  const nan: string[] = [];
  const values = EPOCH_COLUMNS.map(([field]) => {
    const v = e[field];
    if (v === undefined || v === null) return null;
    if (Number.isNaN(v)) nan.push(field);
    return Number.isNaN(v) ? null : v;
  });
  const extra = e.extra && Object.keys(e.extra).length > 0 ? encodeJson(e.extra) : null;
  return [trialId, e.epoch, ...values, nan.length > 0 ? nan.join(',') : null, extra];
}

export function toVerdict(r: VerdictRecord): VerdictRow {
  return {
    studyId: r.study_id,
    armId: r.arm_id,
    verdict: r.verdict,
    effect: orNaN(r.effect),
    lo: orNaN(r.lo),
    hi: orNaN(r.hi),
    n: r.n,
    details: decodeJson(r.details, `verdicts.details of arm id ${r.arm_id}`),
    computedAt: r.computed_at,
  };
}

export function toNote(r: NoteRecord): NoteRow {
  return {
    id: r.id,
    measure: r.measure,
    text: r.text,
    studyId: r.study_id,
    createdAt: r.created_at,
  };
}

export const nullableJson = (v: unknown) => (v === null || v === undefined ? null : encodeJson(v));
