/**
 * Seeded randomness inside tfjs ops. Unseeded tfjs random ops (dropout masks, random
 * uniform/normal, multinomial) take their seed from `Math.random()`, so dropout differs run
 * to run. `withSeededRandom` runs a synchronous block with `Math.random` drawing from a
 * tunebook `Rng`, then restores it: each training step seeded from (seed, epoch, step)
 * gives the same masks on every run and after a resume.
 *
 * A swap of the global, not a scoped seed: tfjs has no seed scope, and a seed fixed per op
 * (Dropout's `seed`) would give every step the same mask. The swap is kept to one
 * synchronous block (no other code can run inside it) and is internal: the training loop
 * and the LR range test use it, the public API does not export it. batch-norm-patch.test.ts
 * fails if tfjs stops drawing an unseeded op's seed from Math.random.
 *
 * @example
 *   const loss = withSeededRandom(rng.fork(`step ${step}`), () => trainStep(...));
 */
import type { Rng } from '../core/rng.js';

export function withSeededRandom<T>(rng: Rng, block: () => T): T {
  const original = Math.random;
  Math.random = () => rng.uniform();
  try {
    const result = block();
    if (result instanceof Promise) {
      throw new Error('withSeededRandom: the block must be synchronous');
    }
    return result;
  } finally {
    Math.random = original;
  }
}
