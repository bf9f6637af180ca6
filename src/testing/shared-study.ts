/**
 * The shared-study tests' yardstick: a study's verdicts as `verdicts --json` prints them,
 * less what differs between runs of the same trials (time ratios), so a run on several
 * workers or hosts can be compared with a single process's.
 */
import assert from 'node:assert/strict';
import { runCli } from './cli.js';

export function sharedVerdicts(db: string, name = 'shared') {
  const r = runCli(['verdicts', name, '--json', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    state: string;
    arms: { arm: string; verdict: string; effect: number; trials: { host?: string }[] }[];
  };
  // The figures the verdict reads; the time ratio (CPU seconds) and the machines differ
  // from run to run.
  const arms = json.arms.map(({ arm, verdict, effect, trials }) => ({
    arm,
    verdict,
    effect,
    trials: trials.map(({ host: _, ...t }) => t),
  }));
  return { state: json.state, arms };
}
