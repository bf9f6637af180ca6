/**
 * The `--memory` flag, and the checks that a study fits the machine before it starts: each
 * arm's estimated peak memory against one trial's share of the budget, and the db folder's
 * free space against what the study writes. Both refuse with one line before a byte is
 * written.
 */
import { availableParallelism } from 'node:os';
import { type BackendChoice, lab } from '../index.js';
import type { FlagSpecs, FlagValues } from './args.js';

export const MEMORY_FLAG: FlagSpecs = {
  memory: {
    type: 'int',
    min: 64,
    help: "MB the study's trials may use together (default 80% of the RAM), split between the workers",
  },
};

export function workersOf(flags: FlagValues, loaded: lab.LoadedStudy): number {
  return (flags.workers as number | undefined) ?? loaded.config.workers ?? availableParallelism();
}

export function budgetOf(flags: FlagValues, workers: number): lab.MemoryBudget {
  const backend = (flags.backend ?? process.env.TUNEBOOK_BACKEND) as BackendChoice | undefined;
  return lab.memoryBudget({
    workers,
    memoryMb: flags.memory as number | undefined,
    backend: backend || undefined,
  });
}

/** Memory, then disk: the budget to run with, once the study is known to fit. */
export async function checkResources(
  flags: FlagValues,
  loaded: lab.LoadedStudy,
  db: string,
): Promise<lab.MemoryBudget> {
  const workers = workersOf(flags, loaded);
  const budget = budgetOf(flags, workers);
  const estimates = await lab.checkMemory(loaded, budget);
  lab.checkDisk(db, loaded, workers, estimates);
  return budget;
}
