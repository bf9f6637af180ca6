/**
 * The `--memory` flag, and the checks that a study fits the machine before it starts: each
 * arm's estimated peak memory against one trial's share of the budget, and the db folder's
 * free space against what the study writes. Both refuse with one line before a byte is
 * written.
 */
import { availableParallelism } from 'node:os';
// Deep imports, not the package index: `validate` uses these and must not load TensorFlow.js.
import type { BackendChoice } from '../engine/backend.js';
import type { LoadedStudy } from '../lab/config/load.js';
import { checkDisk, checkMemory, type MemoryBudget, memoryBudget } from '../lab/preflight.js';
import type { FlagSpecs, FlagValues } from './args.js';

export const MEMORY_FLAG: FlagSpecs = {
  memory: {
    type: 'int',
    min: 64,
    help: "MB the study's trials may use together (default 80% of the RAM), split between the workers",
  },
};

export function workersOf(flags: FlagValues, loaded: LoadedStudy): number {
  return (flags.workers as number | undefined) ?? loaded.config.workers ?? availableParallelism();
}

export function budgetOf(flags: FlagValues, workers: number): MemoryBudget {
  const backend = (flags.backend ?? process.env.TUNEBOOK_BACKEND) as BackendChoice | undefined;
  return memoryBudget({
    workers,
    memoryMb: flags.memory as number | undefined,
    backend: backend || undefined,
  });
}

/** Memory, then disk: the budget to run with, once the study is known to fit. */
export async function checkResources(
  flags: FlagValues,
  loaded: LoadedStudy,
  db: string,
): Promise<MemoryBudget> {
  const workers = workersOf(flags, loaded);
  const budget = budgetOf(flags, workers);
  const estimates = await checkMemory(loaded, budget);
  checkDisk(db, loaded, workers, estimates);
  return budget;
}
