/**
 * Per-epoch curves on PostgreSQL: written with a trial's outcome (batched multi-row
 * INSERTs), read per trial or per study.
 *
 * @example
 *   await insertEpochs(client, trialId, outcome.epochs);
 */
import { type EpochRecord, epochParams, toEpoch } from '../rows.js';
import type { EpochRow } from '../store.js';
import type { Query, Session } from './session.js';

export const EPOCH_COLUMNS = `trial_id, epoch, lr, train_loss, val_loss, val_accuracy,
  val_balanced_accuracy, val_macro_f1, seconds, nan, extra`;
/** Rows per INSERT: 11 parameters each, well under PostgreSQL's 65535. */
const EPOCH_BATCH = 1000;

export async function epochs(s: Session, trialId: number): Promise<EpochRow[]> {
  return (
    await s.rows<EpochRecord>('SELECT * FROM epochs WHERE trial_id = $1 ORDER BY epoch', [trialId])
  ).map(toEpoch);
}

export async function epochsForStudy(
  s: Session,
  studyId: number,
): Promise<Map<number, EpochRow[]>> {
  const rows = await s.rows<EpochRecord>(
    `SELECT e.* FROM epochs e JOIN trials t ON t.id = e.trial_id JOIN arms a ON a.id = t.arm_id
     WHERE a.study_id = $1 ORDER BY e.trial_id, e.epoch`,
    [studyId],
  );
  const byTrial = new Map<number, EpochRow[]>();
  for (const r of rows) {
    const list = byTrial.get(r.trial_id);
    if (list) list.push(toEpoch(r));
    else byTrial.set(r.trial_id, [toEpoch(r)]);
  }
  return byTrial;
}

export async function insertEpochs(q: Query, trialId: number, epochs: EpochRow[]): Promise<void> {
  for (let start = 0; start < epochs.length; start += EPOCH_BATCH) {
    const batch = epochs.slice(start, start + EPOCH_BATCH);
    const values = batch.flatMap((e) => epochParams(trialId, e));
    const rows = batch.map(
      (_, i) => `(${Array.from({ length: 11 }, (_, j) => `$${i * 11 + j + 1}`).join(', ')})`,
    );
    await q.query(`INSERT INTO epochs (${EPOCH_COLUMNS}) VALUES ${rows.join(', ')}`, values);
  }
}

export async function touchStudy(q: Query, trialId: number): Promise<void> {
  await q.query(
    `UPDATE studies SET updated_at = now()
     WHERE id = (SELECT a.study_id FROM trials t JOIN arms a ON a.id = t.arm_id WHERE t.id = $1)`,
    [trialId],
  );
}
