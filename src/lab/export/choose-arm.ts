/**
 * Which stored arm `tunebook export --arm` means: `stack`, `baseline`, an arm key
 * (`m2-dropout`), a measure's label or its kind when one arm has it; by default the stack
 * arm when the study has one (every effective measure together), else the baseline.
 *
 * @example
 *   chooseArm(await store.arms(study.id)).key;          // 'stack' or 'baseline'
 *   chooseArm(await store.arms(study.id), 'dropout').key; // 'm2-dropout'
 */
import { ConfigError } from '../../core/errors.js';
import type { ArmRow } from '../store/store.js';

export function chooseArm(arms: readonly ArmRow[], wanted?: string): ArmRow {
  if (wanted === undefined) {
    const arm = arms.find((a) => a.key === 'stack') ?? arms.find((a) => a.key === 'baseline');
    if (arm) return arm;
    throw new ConfigError(
      '--arm',
      'a study with a baseline arm',
      arms.map((a) => a.key),
    );
  }
  const byKey = arms.find((a) => a.key === wanted);
  if (byKey) return byKey;
  for (const same of [(a: ArmRow) => a.label === wanted, (a: ArmRow) => a.kind === wanted]) {
    const hits = arms.filter(same);
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) {
      throw new ConfigError(
        '--arm',
        `one arm; "${wanted}" names ${hits.length} (${hits.map((a) => a.key).join(', ')}), give its key`,
        wanted,
      );
    }
  }
  throw new ConfigError(
    '--arm',
    `stack, baseline or an arm (${arms.map((a) => a.key).join(', ')})`,
    wanted,
  );
}
