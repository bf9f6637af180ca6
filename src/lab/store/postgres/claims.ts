/**
 * Claims under leases, as SQL. A lease is a time on the server's clock
 * (`clock_timestamp()`, not the transaction's start and never a client's clock), so workers
 * on machines whose clocks disagree still agree on who holds what. A claim is one statement:
 * `FOR UPDATE SKIP LOCKED` makes concurrent claimants pass over each other's rows instead of
 * waiting or taking the same trial.
 *
 * @example
 *   await client.query(CLAIM, [studyId, host, worker, leaseMs]);
 */
import { StoreError } from '../errors.js';
import type { Claimant } from '../store.js';

const LEASE = `clock_timestamp() + $LEASE::double precision * interval '1 millisecond'`;
const CLEARED = `started_at = NULL, finished_at = NULL, seconds = NULL, metrics = NULL,
  result = NULL, error = NULL, worker = NULL, lease_until = NULL`;

/**
 * $1 study id or null, $2 host, $3 worker, $4 lease ms. Highest priority first, then the
 * older study, arm position, seed, id (the SQLite engine's order). The checkpoint an earlier
 * attempt left stays, for the new holder to resume from.
 */
export const CLAIM = `
WITH pick AS (
  SELECT t.id FROM trials t JOIN arms a ON a.id = t.arm_id
  WHERE t.state = 'queued' AND ($1::bigint IS NULL OR a.study_id = $1::bigint)
  ORDER BY t.priority DESC, a.study_id, a.position, t.seed, t.id
  LIMIT 1
  FOR UPDATE OF t SKIP LOCKED
), claimed AS (
  UPDATE trials t SET state = 'running', started_at = now(), finished_at = NULL,
    seconds = NULL, metrics = NULL, result = NULL, error = NULL,
    attempts = t.attempts + 1, host = $2, worker = $3, lease_until = ${LEASE.replace('$LEASE', '$4')}
  FROM pick WHERE t.id = pick.id
  RETURNING t.*
), gone AS (
  DELETE FROM epochs WHERE trial_id IN (SELECT id FROM pick)
)
SELECT claimed.*, a.key AS arm_key, a.study_id, a.config AS arm_config
FROM claimed JOIN arms a ON a.id = claimed.arm_id`;

/**
 * $1 trial, $2 worker, $3 lease ms. A lapsed lease that nobody has taken yet still belongs to
 * its holder (no other attempt has started, so nothing can mix); once the trial went back to
 * the queue (a claim or `expireLeases` lapsed it) or was set aside, the worker is gone from
 * the row and this answers nothing. Row locks order a renewal and a lapse that race.
 */
export const RENEW = `
UPDATE trials SET lease_until = ${LEASE.replace('$LEASE', '$3')}
WHERE id = $1 AND state = 'running' AND worker = $2`;

/** $1 study id or null. Lapsed leases back to the queue, their epochs cleared; the count. */
export const EXPIRE = `
WITH lapsed AS (
  UPDATE trials t SET ${CLEARED}, state = 'queued'
  WHERE t.state = 'running' AND t.lease_until < clock_timestamp()
    AND ($1::bigint IS NULL OR t.arm_id IN (SELECT id FROM arms WHERE study_id = $1::bigint))
  RETURNING t.id
), gone AS (
  DELETE FROM epochs WHERE trial_id IN (SELECT id FROM lapsed)
)
SELECT count(*) AS n FROM lapsed`;

/**
 * $1 study id, $2 'failed' or 'running' (failed trials kept), $3 error prefixes kept failed.
 * A running trial under a lease that still holds is a live worker's, not a crash's leftover:
 * it stays (a restarted planner must not take work from running workers).
 */
export const REQUEUE_UNFINISHED = `
WITH which AS (
  SELECT t.id FROM trials t JOIN arms a ON a.id = t.arm_id
  WHERE a.study_id = $1 AND t.state IN ('running', $2::text)
    AND NOT (t.state = 'failed'
      AND EXISTS (SELECT 1 FROM unnest($3::text[]) p WHERE starts_with(t.error, p)))
    AND NOT (t.state = 'running' AND t.worker IS NOT NULL
      AND coalesce(t.lease_until > clock_timestamp(), false))
), requeued AS (
  UPDATE trials SET ${CLEARED}, state = 'queued' WHERE id IN (SELECT id FROM which) RETURNING id
), gone AS (
  DELETE FROM epochs WHERE trial_id IN (SELECT id FROM which)
)
SELECT count(*) AS n FROM requeued`;

export function checkLease(where: string, leaseMs: number): void {
  if (!(Number.isFinite(leaseMs) && leaseMs > 0))
    throw new StoreError(where, `lease: expected a duration in ms > 0, got ${leaseMs}`, 1);
}

export function checkClaimant(where: string, c: Claimant): void {
  checkLease(where, c.leaseMs);
  if (typeof c.worker !== 'string' || c.worker === '')
    throw new StoreError(
      where,
      `claimant.worker: expected host:pid:n, got ${JSON.stringify(c.worker)}`,
      1,
    );
  if (typeof c.host !== 'string' || c.host === '')
    throw new StoreError(
      where,
      `claimant.host: expected a host name, got ${JSON.stringify(c.host)}`,
      1,
    );
}
