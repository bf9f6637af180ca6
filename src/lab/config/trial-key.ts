/**
 * A trial's key: a hash of everything that decides its result, so that a trial already in the
 * store with the same key can stand in for training it again (an edited study, or another
 * study with the same baseline). In it: the arm's resolved data, model and training settings
 * (canonical JSON), the seed the trial actually trains with (the control's are offset), a
 * fingerprint of every file or folder those settings name, the backend and
 * `TRAINING_CODE_VERSION`. Not in it: labels, descriptions, measure order, seeds budget,
 * metric, delta, workers: none of them changes what a trial computes (every metric is stored).
 *
 * Files and folders are fingerprinted by relative name, size and mtime (not content): a stat
 * per file keeps a folder of 60,000 images at milliseconds per run, and every way of changing
 * a file changes its mtime; a touch or a copy without `-p` only costs a retrain, never a
 * wrong reuse (docs/design.md, "Iterating").
 *
 * @example
 *   trialKey({ config: arm.config, seed: 3, backend: 'wasm' }); // '3f9c…' (32 hex)
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { CONFIRM_SEED_OFFSET, CONTROL_SEED_OFFSET } from './arms.js';
import type { StudyConfig } from './schema.js';

/**
 * Bump when training code changes what a trial computes: old trials then stop matching and
 * retrain. `training-version.test.ts` trains a tiny model and fails, naming this constant,
 * when its result no longer equals `TRAINING_FINGERPRINT`.
 */
export const TRAINING_CODE_VERSION = 2;
/** Losses and metrics of the tiny reference trainings (an MLP, a CNN) at this version (see the test). */
export const TRAINING_FINGERPRINT =
  'done 101770 2.237 1.666 0.4000 2.002 | done 225034 2.568 2.270 0.3000 2.298';

export interface TrialKeyInput {
  /** The arm's full settings, paths resolved (preflight's `resolvePaths`). */
  config: Pick<StudyConfig, 'data' | 'model' | 'training'>;
  /** The seed the trial trains with (for the control arm: CONTROL_SEED_OFFSET + seed). */
  seed: number;
  /** The backend trials train on: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** Fingerprints by path, shared between the keys of one study (each path stat'ed once). */
  fingerprints?: Map<string, string>;
  /** Defaults to TRAINING_CODE_VERSION; tests pass another to see keys change. */
  codeVersion?: number;
}

export function trialKey(input: TrialKeyInput): string {
  const { data, model, training } = input.config;
  const settings = { data, model, training };
  const cache = input.fingerprints ?? new Map<string, string>();
  const files = pathsIn(settings)
    .sort()
    .map((p) => [p, fingerprintCached(p, cache)]);
  const identity = {
    settings,
    seed: input.seed,
    files,
    backend: input.backend,
    code: input.codeVersion ?? TRAINING_CODE_VERSION,
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 32);
}

/** The seed a study trial trains with: the control's and confirmation arms' are offset. */
export function trainedSeed(armKey: string, seed: number): number {
  if (armKey === 'control') return CONTROL_SEED_OFFSET + seed;
  if (armKey.startsWith('confirm-')) return CONFIRM_SEED_OFFSET + seed;
  return seed;
}

/** JSON with object keys sorted and undefined members left out: equal settings, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Every absolute path among the settings' strings: preflight resolves each path setting
 * (data.source, a backbone's source, ...) to one, so a path setting added later is
 * fingerprinted without a list to keep here.
 */
function pathsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (isAbsolute(value) && !out.includes(value)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) pathsIn(v, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) pathsIn(v, out);
  }
  return out;
}

function fingerprintCached(path: string, cache: Map<string, string>): string {
  let print = cache.get(path);
  if (print === undefined) {
    print = fingerprintPath(path);
    cache.set(path, print);
  }
  return print;
}

/**
 * Names (relative), sizes and mtimes of a file or of every file under a folder, hashed; a path
 * that does not exist is 'missing' (the trial would fail on it; its key must still be stable).
 */
export function fingerprintPath(path: string): string {
  const hash = createHash('sha256');
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  if (!st.isDirectory()) return `${st.size}:${Math.round(st.mtimeMs)}`;
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) {
        const s = statSync(full);
        hash.update(`${relative(path, full)}\0${s.size}\0${Math.round(s.mtimeMs)}\n`);
      }
    }
  };
  walk(path);
  return hash.digest('hex').slice(0, 32);
}
