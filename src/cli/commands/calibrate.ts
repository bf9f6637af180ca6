/**
 * `tunebook calibrate <study.yaml>`: trains the study's baseline at K seeds (default 10),
 * stored as the study `<name>.calibration` (run again, it reuses them), and prints what the
 * study can find on this data and model: the seed-to-seed spread, the smallest effect its
 * rule calls at 80% power for each seed budget, the rule's false-verdict rate on A/A studies
 * resampled from those trials, and a suggested maxSeeds and delta (lab/stats/calibration.ts).
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import * as lab from '../../lab/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';

export const calibrateCommand: Command = {
  name: 'calibrate',
  usage: 'tunebook calibrate <study.yaml> [--seeds K] [--workers N] [--db file]',
  flags: {
    ...DB_FLAG,
    seeds: { type: 'int', min: 3, max: 100, help: 'baseline trials to train (default 10)' },
    workers: { type: 'int', min: 1, max: 64, help: 'parallel trials (default: the cores)' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('calibrate: expected one study file');
    const loaded = await lab.preflight(await lab.loadStudyFile(positionals[0]));
    const k = (flags.seeds as number | undefined) ?? 10;
    const { config } = loaded;
    // The baseline alone at seeds 0..K-1: its own stored study, so a rerun reuses its trials.
    const calibration = {
      ...config,
      name: `${config.name}.calibration`.slice(0, 100),
      seeds: { minSeeds: k, maxSeeds: k },
      control: false,
      stack: false,
    };
    const baseline = lab.planArms(calibration).filter((a) => a.kind === 'baseline');
    const store = await lab.openStore(dbPath(flags));
    let releaseLock: () => void;
    try {
      releaseLock = lab.acquireRunLock(store.file, calibration.name);
    } catch (error) {
      await store.close();
      throw error;
    }
    try {
      out(`calibrate ${config.name}: the baseline at ${k} seeds, stored as ${calibration.name}`);
      const outcome = await lab.runStudy(
        { ...loaded, config: calibration, arms: baseline, hash: lab.hashConfig(calibration) },
        {
          store,
          workers: (flags.workers as number | undefined) ?? availableParallelism(),
          backend: flags.backend as BackendChoice | undefined,
          log: out,
        },
      );
      const trials = await store.trials(outcome.study.id);
      const scores = trials
        .filter((t) => t.state === 'done' && t.metrics)
        .map((t) => t.metrics![config.metric]);
      const testSize = testSizeOf(trials);
      const plan = lab.planFor({ ...config, verdictRule: lab.recordRule(config) }, testSize);
      const c = lab.calibrate(scores, plan);
      for (const line of describe(c, plan, config.metric)) out(line);
    } finally {
      releaseLock();
      await store.close();
    }
  },
};

function testSizeOf(trials: { result: unknown }[]): number | null {
  for (const t of trials) {
    const counts = (t.result as { classCounts?: { test?: number[] } } | null)?.classCounts?.test;
    if (counts?.length) return counts.reduce((a, b) => a + b, 0);
  }
  return null;
}

function describe(c: lab.Calibration, plan: lab.PlanOptions, metric: string): string[] {
  const pts = (x: number | null) => (x === null ? 'none' : `${x.toFixed(2)} pts`);
  return [
    `${metric}: seed-to-seed spread ${c.spread.toFixed(2)} pts over ${c.trials} trials ` +
      `(a paired difference of two trials: ${c.differenceSpread.toFixed(2)} pts)`,
    `smallest effect called at 80% power (rule ${plan.rule}, looks from ${plan.minSeeds} seeds):`,
    ...c.detectable.map(
      (d) =>
        `  maxSeeds ${String(d.seeds).padStart(3)}: ${pts(d.effect)}${d.seeds === plan.maxSeeds ? '  <- the study' : ''}`,
    ),
    `false verdicts on ${c.aaStudies} A/A studies resampled from these trials: ` +
      `${(100 * c.falseVerdictRate).toFixed(1)}% (the rule states 5%)`,
    `suggested: maxSeeds ${c.suggested.maxSeeds ?? `above ${c.detectable.at(-1)?.seeds} (delta ${plan.delta} is out of reach)`}` +
      `, delta ${c.suggested.delta === null ? 'n/a' : c.suggested.delta.toFixed(2)} (what maxSeeds ${plan.maxSeeds} can detect)`,
  ];
}
