/**
 * What a study's intervals are, in one sentence: with seeds added until a look is decisive,
 * a 95% interval at each look lets some look of a measure with no effect end effective or
 * harmful more often than 5% (lab/stats/sequential.ts computes how often); repeated
 * intervals hold 95% over all looks together. Null when there is one look only.
 *
 * @example
 *   intervalsNote({ minSeeds: 3, maxSeeds: 8 });
 *   // 'intervals: 95% at each of up to 6 looks (3-8 seeds); a measure with no effect ...'
 */
import { falseVerdictRate, repeatedLevel } from '../lab/stats/sequential.js';

export interface SeedSettings {
  minSeeds?: number;
  maxSeeds?: number;
  intervals?: string;
}

export function intervalsNote(seeds: SeedSettings | undefined): string | null {
  const minSeeds = seeds?.minSeeds ?? 3;
  const maxSeeds = seeds?.maxSeeds ?? 6;
  const looks = maxSeeds - minSeeds + 1;
  if (looks < 2) return null;
  const range = `${minSeeds}-${maxSeeds} seeds`;
  if (seeds?.intervals === 'repeated') {
    const level = repeatedLevel(minSeeds, maxSeeds);
    return (
      `intervals: repeated, ${(100 * level).toFixed(1)}% at each look, 95% over all ${looks} ` +
      `looks (${range}) together`
    );
  }
  const rate = falseVerdictRate(minSeeds, maxSeeds, 0.05);
  return (
    `intervals: 95% at each of up to ${looks} looks (${range}); a measure with no effect ` +
    `ends effective or harmful up to ${Math.round(100 * rate)}% of the time ` +
    `(seeds.intervals: repeated holds that to 5%)`
  );
}
