/**
 * The shared-study tests' yardstick: a study's verdicts as `verdicts --json` prints them,
 * less what differs between runs of the same trials (time ratios), so a run on several
 * workers or hosts can be compared with a single process's.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runCli } from './cli.js';

// Trials of a few seconds each (40 epochs of a small MLP), so a kill lands mid-trial.
const STUDY = `
name: shared
data: { source: synthetic-signals, options: { perClass: 60, length: 64 } }
model: { name: mlp }
training: { epochs: 40, batchSize: 16 }
seeds: { minSeeds: 2, maxSeeds: 2 }
control: false
measures:
  - set: { training.batchSize: 8 }
`;

/**
 * A folder with the study file `shared.yaml` (study "shared"), removed after the test file;
 * `track` a planner or worker so that a failed test does not leave it running.
 */
export function sharedStudy(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'shared.yaml');
  writeFileSync(file, STUDY);
  const track = <T extends ChildProcess>(child: T): T => {
    children.push(child);
    return child;
  };
  return { dir, file, track };
}

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
