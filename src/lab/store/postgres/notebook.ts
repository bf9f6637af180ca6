/**
 * Verdicts, the cross-study notebook and notes on PostgreSQL: the store's reading side for
 * reports, and the planner's verdict writes.
 *
 * @example
 *   await saveVerdicts(session, studyId, rows);
 */
import { StoreError } from '../errors.js';
import { decodeJson, encodeJson } from '../json.js';
import { type NoteRecord, toNote, toVerdict, type VerdictRecord } from '../rows.js';
import type { NotebookVerdict, NoteRow, VerdictRow } from '../store.js';
import type { Session } from './session.js';

/** A caller's mistake (unknown id, another study's arm): a bug to fix, so exit code 1. */
const bug = (s: Session, problem: string) => new StoreError(s.target.shown, problem, 1);

export async function saveVerdicts(
  s: Session,
  studyId: number,
  rows: Omit<VerdictRow, 'computedAt'>[],
): Promise<void> {
  for (const v of rows)
    if (v.studyId !== studyId)
      throw bug(s, `a verdict of study ${v.studyId} passed to saveVerdicts(${studyId})`);
  await s.atomic(async (q) => {
    const own = new Set(
      (
        await q.query<{ id: number }>('SELECT id FROM arms WHERE study_id = $1 AND id = ANY($2)', [
          studyId,
          rows.map((v) => v.armId),
        ])
      ).rows.map((r) => r.id),
    );
    const stranger = rows.find((v) => !own.has(v.armId));
    if (stranger) throw bug(s, `arm ${stranger.armId} is not an arm of study ${studyId}`);
    await q.query('DELETE FROM verdicts WHERE study_id = $1', [studyId]);
    for (const v of rows)
      await q.query(
        `INSERT INTO verdicts (study_id, arm_id, verdict, effect, lo, hi, n, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [studyId, v.armId, v.verdict, v.effect, v.lo, v.hi, v.n, encodeJson(v.details)],
      );
  });
}

export async function verdicts(s: Session, studyId: number): Promise<VerdictRow[]> {
  return (
    await s.rows<VerdictRecord>(
      `SELECT v.* FROM verdicts v JOIN arms a ON a.id = v.arm_id
       WHERE v.study_id = $1 ORDER BY a.position, a.id`,
      [studyId],
    )
  ).map(toVerdict);
}

export async function allVerdicts(s: Session): Promise<NotebookVerdict[]> {
  const rows = await s.rows<
    VerdictRecord & {
      study_name: string;
      study_config: string;
      arm_key: string;
      arm_label: string;
      arm_kind: string;
      arm_measure: string | null;
    }
  >(
    `SELECT v.*, s.name AS study_name, s.config AS study_config, a.key AS arm_key,
       a.label AS arm_label, a.kind AS arm_kind, a.measure AS arm_measure
     FROM verdicts v JOIN arms a ON a.id = v.arm_id JOIN studies s ON s.id = v.study_id
     ORDER BY s.id, a.position, a.id`,
  );
  return rows.map((r) => ({
    ...toVerdict(r),
    studyName: r.study_name,
    armKey: r.arm_key,
    armLabel: r.arm_label,
    kind: r.arm_kind,
    measure: decodeJson(r.arm_measure, `arms.measure of arm ${r.arm_key}`),
    studyConfig: decodeJson(r.study_config, `studies.config of study ${r.study_name}`),
  }));
}

export async function addNote(
  s: Session,
  n: { measure: string; text: string; studyId?: number | null },
): Promise<NoteRow> {
  const studyId = n.studyId ?? null;
  try {
    const { rows } = await s.write<NoteRecord>(
      'INSERT INTO notes (measure, text, study_id) VALUES ($1, $2, $3) RETURNING *',
      [n.measure, n.text, studyId],
    );
    return toNote(rows[0]);
  } catch (e) {
    if ((e as { code?: string }).code === '23503') throw bug(s, `no study with id ${studyId}`);
    throw e;
  }
}

export async function notes(s: Session, measure?: string): Promise<NoteRow[]> {
  const rows =
    measure === undefined
      ? await s.rows<NoteRecord>('SELECT * FROM notes ORDER BY id')
      : await s.rows<NoteRecord>('SELECT * FROM notes WHERE measure = $1 ORDER BY id', [measure]);
  return rows.map(toNote);
}
