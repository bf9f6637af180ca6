/**
 * Targets for multi-task heads, derived from the main label so that any labelled data set can
 * try the seed's multi-task idea: `parity` (label mod 2) and `high-low` (label in the upper
 * half of the classes), e.g. "odd digit" and "digit > 4" on the bundled digits.
 *
 * @example
 *   const head = taskHead({ name: 'parity', target: 'parity', weight: 0.5 }, 10);
 *   head.target(7); // 1
 */
import { ConfigError } from '../core/errors.js';

import { TASK_TARGETS, type TaskTarget } from './names.js';

export { TASK_TARGETS, type TaskTarget };

export interface TaskHeadSpec {
  name: string;
  target: TaskTarget;
  weight: number;
}

export interface TaskHead {
  name: string;
  classes: number;
  weight: number;
  target: (label: number) => number;
}

export function taskHead(spec: TaskHeadSpec, mainClasses: number, field = 'multiTask'): TaskHead {
  if (!(TASK_TARGETS as readonly string[]).includes(spec.target)) {
    throw new ConfigError(`${field}.target`, `one of ${TASK_TARGETS.join(', ')}`, spec.target);
  }
  if (typeof spec.weight !== 'number' || !Number.isFinite(spec.weight) || spec.weight < 0) {
    throw new ConfigError(`${field}.weight`, 'a number >= 0', spec.weight);
  }
  if (mainClasses < 2)
    throw new ConfigError(`${field}`, 'a main task with >= 2 classes', mainClasses);
  const half = mainClasses / 2;
  const target =
    spec.target === 'parity'
      ? (label: number) => label % 2
      : (label: number) => (label >= half ? 1 : 0);
  return { name: spec.name, classes: 2, weight: spec.weight, target };
}
