/**
 * Numbers as every report shows them, matching the terminal verdict table.
 *
 * @example
 *   signedPoints(1.234); // '+1.23'
 */

/** Percentage points with a sign, two decimals; 'n/a' for a missing value. */
export function signedPoints(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x)
    ? 'n/a'
    : `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
}

/** The 95% interval as the verdict table writes it: `[-1.20, +3.40]`. */
export function interval(lo: number, hi: number): string {
  return `[${signedPoints(lo)}, ${signedPoints(hi)}]`;
}

/** `1.23x`, or 'n/a'. */
export function ratio(x: number | null): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}x`;
}

/** `225,034`, or 'n/a'. */
export function count(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US');
}

/** Seconds as `0.42 s`, `12.3 s`, `4m05s`. */
export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return 'n/a';
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 90) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}

/** A stored ISO date as `2025-01-31 14:05:09 UTC`. */
export function date(iso: string | null | undefined): string {
  if (!iso) return 'n/a';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A rate in [0, 1] as a percentage with one decimal. */
export function percent(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;
}
