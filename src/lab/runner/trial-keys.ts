/**
 * The keys of a run's trials: each arm's stored settings at the seed it trains with, on the
 * backend the run trains on. The backend is the run's environment's (name and package
 * version, as `study` records it: a new tfjs may compute otherwise), else the choice given.
 */
import type { StudyConfig } from '../config/schema.js';
import { trainedSeed, trialKey } from '../config/trial-key.js';
import type { ArmRow } from '../store/store.js';
import type { RunOptions } from './options.js';

export function studyKeys(
  options: Pick<RunOptions, 'environment' | 'backend' | 'trainingCodeVersion'>,
): (arm: ArmRow, seed: number) => string {
  const env = options.environment as { backend?: unknown } | null | undefined;
  const backend = typeof env?.backend === 'string' ? env.backend : (options.backend ?? 'auto');
  // One stat walk per path for the whole run.
  const fingerprints = new Map<string, string>();
  return (arm, seed) =>
    trialKey({
      config: arm.config as StudyConfig,
      seed: trainedSeed(arm.key, seed),
      backend,
      fingerprints,
      codeVersion: options.trainingCodeVersion,
    });
}
