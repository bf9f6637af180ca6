/**
 * A finished trial's output as the store keeps it, one mapping for both ways a trial runs
 * (pushed by the planner's pool, claimed by a worker).
 */
import type { TrialOutcome } from '../store/store.js';
import type { TrialOutput } from './run-trial.js';

export function storedOutcome(out: TrialOutput): TrialOutcome {
  return {
    state: out.state,
    seconds: out.seconds,
    metrics: out.metrics,
    result: out.result,
    error: null,
    epochs: out.epochs,
  };
}
